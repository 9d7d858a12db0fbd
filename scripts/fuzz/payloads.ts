/**
 * Hostile text for the fuzzer: the docs' payloads (every Markdown, HTML and marker attack), names
 * that aim at paths and the writer's own files, and huge strings of the characters that made
 * validation slow.
 */

import { HOSTILE_PROJECT, HOSTILE_STACK, PAYLOADS } from '../../test/docs/hostile-estate.ts';
import type { Rng } from './rng.ts';

export const NAME_PAYLOADS: readonly string[] = [
  ...PAYLOADS,
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\ud800',
  '\udfff',
  'x\udbff',
  '\udc00x',
  '\ud83d\ude00',
  '..',
  '.',
  '../../../../etc/passwd',
  '/abs/path',
  'C:\\Windows\\x',
  '\\\\server\\share',
  'a/b/c',
  'e\u0301',
  '\u00e9',
  '\uFEFF',
  '\uFFFD',
  '%2e%2e%2f',
  '%00',
  'CON',
  'nul.txt',
  'x'.repeat(101),
  'x'.repeat(255),
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  '1e999',
  'NaN',
  'true',
  'null',
  '*',
  '?',
  '$',
  '::',
  'urn:pulumi:a::b::c::d',
  'arn:aws:iam::123456789012:role/*',
  'arn:',
];

/** Stack (and project) names: the ones that aim at paths and the writer's files, plus every name payload. */
export const STACK_PAYLOADS: readonly string[] = [
  HOSTILE_STACK,
  HOSTILE_PROJECT,
  '.generated.json',
  '.generated.lock',
  '.generated.staging',
  '.generated.json.tmp',
  'README.md',
  'readme.md',
  'estate.json',
  'parity.csv',
  'Dev',
  'DEV',
  'dev ',
  ' dev',
  'dev.',
  'dev/..',
  '../dev',
  'a/b',
  'a\\b',
  '-',
  '_',
  '_dev-00000000',
  ...NAME_PAYLOADS,
];

const HUGE_UNITS: readonly string[] = ['|', '\\', 'a/', '/', '`', '<', '*_[', '\u00e9', '\ud83d\ude00', '\ud800', ' ', '\n', 'a', '::', '${', '{{'];
const HUGE_SIZES: readonly number[] = [4_096, 65_536, 1_048_576, 5_000_000];

/** A huge string: one of HUGE_UNITS repeated to 4 KB .. 5 MB. */
export function hugeString(rng: Rng): string {
  const unit = rng.pick(HUGE_UNITS);
  const size = rng.pick(HUGE_SIZES);
  return unit.repeat(Math.max(1, Math.floor(size / unit.length)));
}

/** A payload: mostly from the list, sometimes huge, sometimes the list's payload around the old text. */
export function namePayload(rng: Rng, old: string | undefined, list: readonly string[] = NAME_PAYLOADS): string {
  const r = rng.int(10);
  if (r === 0) return hugeString(rng);
  const p = rng.pick(list);
  if (r === 1 && old !== undefined) return `${old}${p}`;
  if (r === 2 && old !== undefined) return `${p}${old}`;
  return p;
}
