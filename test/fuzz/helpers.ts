/** Running one input through the fuzz harness's pipeline in process (for regression tests of its findings). */

import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadPipeline, runCase, type CaseResult, type PipelineEnv } from '../../scripts/fuzz/pipeline.ts';
import type { FuzzCase, InputKind } from '../../scripts/fuzz/mutate.ts';
import { exportDoc as sourcesExportDoc, stackUrn } from '../sources/helpers.ts';

export { urn } from '../sources/helpers.ts';

let env: Promise<PipelineEnv> | undefined;
let dir: string | undefined;

/** Runs `input` (a document, serialized with JSON.stringify, or the text itself) as a `--state` or `--preview` file. */
export async function runInput(input: unknown, kind: InputKind = 'state'): Promise<CaseResult> {
  dir ??= mkdtempSync(path.join(os.tmpdir(), 'fuzz-regression-'));
  env ??= loadPipeline(dir);
  const bytes = Buffer.from(typeof input === 'string' ? input : JSON.stringify(input), 'utf8');
  return runCase(await env, { index: 0, seed: { name: 'regression.json', kind, bytes }, ops: [], bytes, companions: [], canary: true });
}

/** Runs one case the fuzzer made (its seed, mutations and companions) through the same pipeline. */
export async function runFuzzCase(c: FuzzCase): Promise<CaseResult> {
  dir ??= mkdtempSync(path.join(os.tmpdir(), 'fuzz-regression-'));
  env ??= loadPipeline(dir);
  return runCase(await env, c);
}

export function cleanup(): void {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
  env = undefined;
}

/** A `pulumi stack export` v3 of these rows, a Stack resource first. */
export function exportDoc(rows: readonly object[]): unknown {
  return sourcesExportDoc([{ urn: stackUrn(), custom: false, type: 'pulumi:pulumi:Stack' }, ...rows]);
}
