/**
 * Where a stack's files go: `<out>/<stack>/` when the loaded stacks are of one project, else
 * `<out>/<project>/<stack>/` (the stack's key). A name from the input becomes a directory name as it
 * is when it is a plain name (letters, digits, `.`, `_`, `-`, starting with a letter or digit, at
 * most 100 characters) that is not one of the generator's own file names; any other name is
 * encoded (`_` + its plain characters + `-` + 8 hex digits of its hash), so that no input can
 * produce a path outside `--out`, collide with the index or the manifest, or collide with another
 * stack.
 */

import { createHash } from 'node:crypto';

/** File names the generator writes beside the stack directories, compared case-insensitively. */
const RESERVED = new Set(['readme.md', 'estate.json', 'parity.csv']);

export function safeSegment(name: string): string {
  const plain = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/.test(name) && !RESERVED.has(name.toLowerCase()) && !name.toLowerCase().startsWith('.generated');
  if (plain) return name;
  const kept = name.replace(/[^A-Za-z0-9._-]/g, '').slice(0, 40);
  // UTF-8 would turn every unpaired surrogate into U+FFFD (`a\ud800` and `a\udbff` would share a
  // directory): a name that is not well-formed UTF-16 is hashed as its UTF-16 code units.
  const bytes = LONE_SURROGATE.test(name) ? Buffer.from(name, 'utf16le') : Buffer.from(name, 'utf8');
  const hash = createHash('sha256').update(bytes).digest('hex').slice(0, 8);
  return `_${kept}-${hash}`;
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** The directory of a stack's files, relative to `--out`, with `/` separators. */
export function stackDir(summary: { readonly key: string; readonly project: string; readonly stack: string }): string {
  return summary.key === summary.stack ? safeSegment(summary.stack) : `${safeSegment(summary.project)}/${safeSegment(summary.stack)}`;
}
