/**
 * Where a stack's files go: `<out>/<stack>/` when the loaded stacks are of one project, else
 * `<out>/<project>/<stack>/` (the stack's key). A name from the input becomes a directory name as it
 * is when it is a plain name (letters, digits, `.`, `_`, `-`, starting with a letter or digit, at
 * most 100 characters, not ending with `.`, not a Windows device name such as `con` or `nul.txt`)
 * that is not one of the generator's own file names; any other name is
 * encoded (`_` + its plain characters + `-` + 8 hex digits of its hash), so that no input can
 * produce a path outside `--out`, collide with the index or the manifest, or collide with another
 * stack. Plain sibling names that differ only in letter case (`Dev`, `dev`) are both encoded, so
 * that they do not collide on a case-insensitive file system either.
 *
 * Past a few projects the index gives each project a page of its own, `<out>/projects/<project>.md`
 * (the project's name as a directory name, by the same rules): a project named `projects` gets an
 * encoded directory, so that its stacks never share that folder.
 */

import { createHash } from 'node:crypto';
import { countBy, groupBy } from '../util/collections.ts';

/** File names the generator writes beside the stack directories, compared case-insensitively. */
const RESERVED = new Set(['readme.md', 'estate.json', 'parity.csv']);

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Names Windows gives to devices (with any extension), and a trailing dot, which Windows drops from a name. */
const NOT_PORTABLE = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$|\.$/i;

function isPlain(name: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/.test(name) && !RESERVED.has(name.toLowerCase()) && !name.toLowerCase().startsWith('.generated') && !NOT_PORTABLE.test(name);
}

function encoded(name: string): string {
  const kept = name.replace(/[^A-Za-z0-9._-]/g, '').slice(0, 40);
  // As UTF-8 every lone surrogate would become U+FFFD, and names that differ only there would share
  // a hash: a name that is not well-formed is hashed by its UTF-16 code units instead.
  const bytes = LONE_SURROGATE.test(name) ? Buffer.from(name, 'utf16le') : Buffer.from(name, 'utf8');
  const hash = createHash('sha256').update(bytes).digest('hex').slice(0, 8);
  return `_${kept}-${hash}`;
}

/** The directory name of one input name, on its own (see the module comment). */
export function safeSegment(name: string): string {
  return isPlain(name) ? name : encoded(name);
}

/** The folder of the projects' own index pages. */
export const PROJECT_PAGES_DIR = 'projects';

/** The directory names of sibling names (distinct names): plain names equal but for letter case, or `reserved`, are encoded. */
function siblingSegments(names: readonly string[], reserved: ReadonlySet<string> = new Set()): Map<string, string> {
  const plain = (n: string) => isPlain(n) && !reserved.has(n.toLowerCase());
  const folded = countBy(names.filter(plain), (n) => n.toLowerCase());
  return new Map(names.map((n) => [n, plain(n) && folded.get(n.toLowerCase()) === 1 ? n : encoded(n)]));
}

/** Each project's own index page (`projects/<name>.md`), relative to `--out`, by project name. */
export function projectPages(projects: readonly string[]): Map<string, string> {
  const segs = siblingSegments([...new Set(projects)]);
  return new Map([...segs].map(([p, seg]) => [p, `${PROJECT_PAGES_DIR}/${seg}.md`]));
}

export interface StackName {
  readonly key: string;
  readonly project: string;
  readonly stack: string;
}

/** The directory of each stack's files (by stack key), relative to `--out`, with `/` separators. */
export function stackDirs(stacks: readonly StackName[]): Map<string, string> {
  const dirs = new Map<string, string>();
  if (stacks.every((s) => s.key === s.stack)) {
    const segs = siblingSegments([...new Set(stacks.map((s) => s.stack))]);
    for (const s of stacks) dirs.set(s.key, segs.get(s.stack)!);
    return dirs;
  }
  const byProject = groupBy(stacks, (s) => s.project);
  const projects = siblingSegments([...byProject.keys()], new Set([PROJECT_PAGES_DIR]));
  for (const [project, mine] of byProject) {
    const segs = siblingSegments([...new Set(mine.map((s) => s.stack))]);
    for (const s of mine) dirs.set(s.key, `${projects.get(project)!}/${segs.get(s.stack)!}`);
  }
  return dirs;
}
