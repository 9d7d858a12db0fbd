/**
 * Inputs of the change-review benchmark (`diff`, "the estate against itself with one change"), also
 * used by the change review's tests:
 *   - the built-in program copied into a temporary directory (its node_modules linked) with one
 *     policy statement widened: every service's secret read from its own secrets to all the
 *     environment's secrets, as a pull request might;
 *   - a synthetic export with one change: the first service role's parameter read widened from its
 *     category folder to its whole environment.
 */

import { cpSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const PROGRAM_FILES = ['Pulumi.yaml', 'Pulumi.shared.yaml', 'Pulumi.dev.yaml', 'Pulumi.uat.yaml', 'Pulumi.prod.yaml', 'package.json', 'tsconfig.json'];
const NARROW = 'Resource: rels.map((rel) => secretArnPattern(ctx.account, secretName(ctx.env, rel))) },';
const WIDE = 'Resource: environmentSecretsPattern(ctx.account, ctx.env) },';

/**
 * The built-in program in `dir` with one statement widened; returns `dir`. `withGenerator` copies
 * the generator too (diagrams/, templates/), for running `npm run diagrams` in `dir` as in a
 * checkout (the CLI runs only when started from its own path, so it is copied, not linked).
 */
export function changedProgram(repo: string, dir: string, opts: { withGenerator?: boolean } = {}): string {
  for (const f of PROGRAM_FILES) cpSync(join(repo, f), join(dir, f));
  for (const d of ['infra', ...(opts.withGenerator ? ['diagrams', 'templates'] : [])]) cpSync(join(repo, d), join(dir, d), { recursive: true });
  symlinkSync(join(repo, 'node_modules'), join(dir, 'node_modules'), 'dir');
  const file = join(dir, 'infra', 'iam.ts');
  const text = readFileSync(file, 'utf8');
  if (!text.includes(NARROW)) throw new Error(`bench: the statement to widen is no longer in ${file}`);
  writeFileSync(file, text.replace(NARROW, WIDE));
  return dir;
}

interface Row {
  type: string;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
}

/** A copy of a synthetic export (`syntheticExport`) with one change, written to `file`. */
export function changedExport(doc: unknown, file: string): string {
  const copy = JSON.parse(JSON.stringify(doc)) as { deployment: { resources: Row[] } };
  const row = copy.deployment.resources.find((r) => r.type === 'aws:iam/rolePolicy:RolePolicy' && r.inputs?.name === 'read');
  if (!row) throw new Error('bench: no service role read policy in the synthetic export');
  const widen = (policy: unknown): string => {
    const p = JSON.parse(String(policy)) as { Statement: { Resource: string[] }[] };
    p.Statement[0]!.Resource = p.Statement[0]!.Resource.map((r) => r.replace(/\/category-\d+(\/\*)?$/, '/*'));
    return JSON.stringify(p);
  };
  for (const side of [row.inputs, row.outputs]) if (side && typeof side.policy === 'string') side.policy = widen(side.policy);
  writeFileSync(file, JSON.stringify(copy));
  return file;
}
