/**
 * The `diff` command's own flag values, parsed for the command line (commander's argument parsers):
 * `--format` (md, json, svg, png, d2), `--fail-on` (new-access, new-finding=<severity>) and
 * `--md-limit`. Each refusal says what is accepted.
 */

import { InvalidArgumentError } from 'commander';
import { SEVERITIES, type Severity } from '../compliance/types.ts';
import type { FailOn } from './report.ts';

export const DIFF_FORMATS = ['md', 'json', 'svg', 'png', 'd2'] as const;
export type DiffFormat = (typeof DIFF_FORMATS)[number];

export function parseDiffFormats(value: string): DiffFormat[] {
  const parts = value.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
  if (parts.length === 0) throw new InvalidArgumentError(`empty list (accepted: a comma-separated list of ${DIFF_FORMATS.join(', ')})`);
  for (const p of parts) {
    if (!(DIFF_FORMATS as readonly string[]).includes(p)) throw new InvalidArgumentError(`unknown format '${p}' (accepted: a comma-separated list of ${DIFF_FORMATS.join(', ')})`);
  }
  return [...new Set(parts)] as DiffFormat[];
}

const FAIL_ON_ACCEPTED = `new-access, or new-finding=<severity> with a severity of ${SEVERITIES.join(', ')}`;

/** One `--fail-on` value added to the ones before (the flag is repeatable). */
export function parseFailOn(value: string, previous: FailOn[] = []): FailOn[] {
  const v = value.trim().toLowerCase();
  if (v === 'new-access') return [...previous, { kind: 'new-access' }];
  const m = /^new-finding=(.*)$/.exec(v);
  if (m && (SEVERITIES as readonly string[]).includes(m[1]!)) return [...previous, { kind: 'new-finding', severity: m[1] as Severity }];
  throw new InvalidArgumentError(`unknown condition '${value.slice(0, 80)}' (accepted: ${FAIL_ON_ACCEPTED})`);
}

export function parseLimit(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1_000) throw new InvalidArgumentError(`not a whole number of at least 1000: '${value.slice(0, 40)}'`);
  return n;
}
