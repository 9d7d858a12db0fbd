/**
 * The change review as JSON (`--format json`, `diff.json`): the report's data with a versioned
 * schema (docs/diff-json.md), in the deterministic layout of the other machine-readable outputs.
 */

import { formatJson } from '../json/format.ts';
import { DIFF_JSON_SCHEMA_VERSION, type DiffReport } from './types.ts';
import { GENERATOR } from '../util/generator.ts';

export const DIFF_JSON_NAME = 'diff.json';

export function diffJson(report: DiffReport, failures: readonly string[]): string {
  return formatJson({
    schemaVersion: DIFF_JSON_SCHEMA_VERSION,
    generator: GENERATOR,
    kind: 'change-review',
    base: report.base,
    head: report.head,
    unchanged: report.unchanged,
    summary: report.summary,
    failures,
    stacks: report.stacks,
    parity: report.parity,
  });
}
