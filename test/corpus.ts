/**
 * The public Pulumi state corpus, committed in the repository (`test/fixtures/corpus/`, with
 * SOURCES.md naming the repository, path and commit of each file). Tests read it from there only.
 */
import { fileURLToPath } from 'node:url';

export const CORPUS_DIR: string = fileURLToPath(new URL('./fixtures/corpus', import.meta.url));
