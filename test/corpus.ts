/**
 * Where the public Pulumi state corpus is: `shared/corpus/pulumi-state/` beside the repository
 * (as on a developer's machine and in CI, which clones the repository next to a copy of shared/),
 * or `CORPUS_DIR` when set. Missing, it fails loudly: the corpus tests are never skipped silently.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const CORPUS_DIR: string =
  process.env.CORPUS_DIR ?? fileURLToPath(new URL('../../shared/corpus/pulumi-state', import.meta.url));

if (!existsSync(CORPUS_DIR)) {
  throw new Error(`the state corpus is not at ${CORPUS_DIR}: put shared/ beside the repository or set CORPUS_DIR`);
}
