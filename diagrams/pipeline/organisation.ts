/**
 * An organisation's index, assembled from the estate.json files that earlier `generate` runs wrote
 * (say one CI job per project), without reading any state: `npm run diagrams -- index <dir>`.
 *
 * Every `estate.json` below `<dir>` is read (symbolic links are not followed; the writer's own
 * `.generated.*` folders and `node_modules` are skipped), each stack once: a stack found in several
 * files (a shared stack that each job loaded for its references) is shown once when the copies
 * agree on everything the index shows, and is an error naming two files when they do not. A
 * stack's page is the README.md beside its estate.json, linked relative to `--out`; a stack
 * documented without Markdown is listed without a link.
 *
 * The index (and, past a few projects, a page per project) is written through the writer into
 * `--out` (default `<dir>`), with its own manifest; `check` compares instead of writing. The index
 * never takes over another run's files: an `--out` whose manifest lists files the index does not
 * write (a `generate` run's output directory), or an index file that a job's manifest below `<dir>`
 * lists, is refused before anything is written.
 */

import { promises as fs } from 'node:fs';
import path from 'node:path';
import { RenderCache } from '../cache/index.ts';
import { indexStackOfJson, type IndexStack } from '../docs/viewmodel.ts';
import { GeneratorError } from '../errors.ts';
import { ESTATE_JSON_NAME } from '../json/estate-json.ts';
import { readEstateJson } from '../json/estate-reader.ts';
import { compareStrings } from '../util/collections.ts';
import { checkOutputs, MANIFEST_NAME, readManifest, writeOutputs, type OutputFile, type Problem, type WriteResult } from '../writer/index.ts';
import { indexPages, markdownRenderer } from './index.ts';
import { PROJECT_PAGES_DIR } from './paths.ts';

export interface OrganisationOptions {
  /** The directory holding the generate runs' outputs. */
  readonly dir: string;
  /** Where the index goes (default `dir`). */
  readonly out?: string;
  readonly templates?: string;
  /** The Markdown cache (the render cache's directory); undefined: none. */
  readonly cacheDir?: string;
  readonly log?: (msg: string) => void;
}

/** What was found below the directory: estate.json files and other runs' manifests, as paths relative to it (`/` separators), sorted. */
interface Found {
  readonly estates: string[];
  readonly manifests: string[];
}

const SKIPPED_DIRS = new Set(['node_modules', '.git']);

/** Walks `root` without following symbolic links. */
async function findFiles(root: string, shown: string): Promise<Found> {
  const found: Found = { estates: [], manifests: [] };
  const pending = [''];
  while (pending.length > 0) {
    const rel = pending.pop()!;
    let entries;
    try {
      entries = await fs.readdir(path.join(root, rel), { withFileTypes: true });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
      throw new GeneratorError('input', `cannot read the directory: ${code}`, { subject: rel === '' ? shown : `${shown}/${rel}`, expected: 'a directory holding the output directories of `generate --format ...,json` runs' });
    }
    for (const e of entries) {
      const p = rel === '' ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory() && !SKIPPED_DIRS.has(e.name) && !e.name.startsWith('.generated.')) pending.push(p);
      else if (e.isFile() && e.name === ESTATE_JSON_NAME) found.estates.push(p);
      else if (e.isFile() && e.name === MANIFEST_NAME) found.manifests.push(p);
    }
  }
  found.estates.sort(compareStrings);
  found.manifests.sort(compareStrings);
  return found;
}

/** The fields of an entry the index shows, to compare two copies of a stack. */
function shownFields(s: IndexStack): Record<string, string> {
  const { page: _page, key: _key, ...rest } = s;
  return Object.fromEntries(Object.entries(rest).map(([k, v]) => [k, JSON.stringify(v)]));
}

const sameStack = (a: IndexStack, b: IndexStack): string[] => {
  const fa = shownFields(a);
  const fb = shownFields(b);
  return [...new Set([...Object.keys(fa), ...Object.keys(fb)])].filter((k) => fa[k] !== fb[k]);
};

/** The index entries of the estate.json files, one per stack. */
async function readStacks(dir: string, shown: string, outAbs: string, files: readonly string[], log: (m: string) => void): Promise<IndexStack[]> {
  const byStack = new Map<string, { file: string; entry: IndexStack }>();
  for (const rel of files) {
    const file = path.join(dir, rel);
    const doc = await readEstateJson(file, `${shown}/${rel}`);
    const readme = path.join(path.dirname(file), 'README.md');
    const isPage = (await fs.lstat(readme).catch(() => undefined))?.isFile() === true;
    const entry = indexStackOfJson(doc, isPage ? path.relative(outAbs, readme).split(path.sep).join('/') : undefined);
    const first = byStack.get(entry.key);
    if (first === undefined) {
      byStack.set(entry.key, { file: rel, entry });
      continue;
    }
    const differ = sameStack(first.entry, entry);
    if (differ.length > 0) {
      throw new GeneratorError('input', `stack ${entry.key} is in two estate.json files that differ in what the index shows (${differ.join(', ')})`, {
        subject: `${shown}/${first.file} and ${shown}/${rel}`,
        expected: 'each stack in one estate.json, or copies that agree (the same state documented by the same generator version)',
      });
    }
    log(`${entry.key}: ${shown}/${rel} agrees with ${shown}/${first.file}, which the index links to`);
  }
  return [...byStack.values()].map((x) => x.entry);
}

/** Paths the index writes (relative to --out): the index, its parity inventory, and the projects' pages. */
const isIndexPath = (rel: string): boolean => rel === 'README.md' || rel === 'parity.csv' || rel.startsWith(`${PROJECT_PAGES_DIR}/`);

/** Refuses an --out that holds another run's files, or index files that a job's manifest below `dir` lists. */
async function guardOwnership(dir: string, shown: string, out: string, manifests: readonly string[], files: readonly OutputFile[]): Promise<void> {
  const previous = await readManifest(out);
  const foreign = Object.keys(previous?.files ?? {}).find((rel) => !isIndexPath(rel));
  if (foreign !== undefined) {
    throw new GeneratorError('usage', `it holds the files of a generate run (its ${MANIFEST_NAME} lists ${foreign}): the index would take them over`, {
      subject: `--out ${out}`,
      expected: 'a directory only the index writes to, e.g. the directory above the generate runs\u2019 output directories',
    });
  }
  const targets = new Map(files.map((f) => [path.resolve(out, f.path), f.path]));
  const ownManifest = path.resolve(out, MANIFEST_NAME);
  for (const m of manifests) {
    const abs = path.resolve(dir, m);
    if (abs === ownManifest) continue;
    const listed = await readManifest(path.dirname(abs)).catch(() => undefined);
    for (const rel of Object.keys(listed?.files ?? {})) {
      const hit = targets.get(path.resolve(path.dirname(abs), rel));
      if (hit === undefined) continue;
      throw new GeneratorError('usage', `the index file ${hit} is an output of the generate run whose manifest is ${shown}/${m}`, {
        subject: `--out ${out}`,
        expected: 'an --out directory where no generate run writes its index, e.g. the directory above the generate runs\u2019 output directories',
      });
    }
  }
}

export interface OrganisationIndex {
  readonly files: readonly OutputFile[];
  readonly stacks: readonly IndexStack[];
}

/** Reads the estate.json files below `opts.dir` and renders the index files in memory. */
export async function renderOrganisation(opts: OrganisationOptions): Promise<OrganisationIndex> {
  const log = opts.log ?? (() => undefined);
  const out = opts.out ?? opts.dir;
  const root = path.resolve(opts.dir);
  const found = await findFiles(root, opts.dir);
  if (found.estates.length === 0) {
    throw new GeneratorError('input', `no ${ESTATE_JSON_NAME} below it`, { subject: opts.dir, expected: `the output directories of \`generate --format ...,json\` runs (each stack's ${ESTATE_JSON_NAME} beside its README.md)` });
  }
  const renderMarkdown = await markdownRenderer(opts, new RenderCache(opts.cacheDir), true);
  const stacks = await readStacks(root, opts.dir, path.resolve(out), found.estates, log);
  log(`${stacks.length} stacks of ${new Set(stacks.map((s) => s.project)).size} projects from ${found.estates.length} ${ESTATE_JSON_NAME} files`);
  const files = await indexPages(stacks, renderMarkdown);
  await guardOwnership(root, opts.dir, out, found.manifests, files);
  return { files, stacks };
}

export async function writeOrganisation(opts: OrganisationOptions): Promise<WriteResult & { readonly index: OrganisationIndex }> {
  const index = await renderOrganisation(opts);
  const result = await writeOutputs(opts.out ?? opts.dir, index.files);
  for (const m of result.messages) opts.log?.(m);
  return { ...result, index };
}

export async function checkOrganisation(opts: OrganisationOptions): Promise<{ readonly problems: readonly Problem[]; readonly index: OrganisationIndex }> {
  const index = await renderOrganisation(opts);
  return { problems: await checkOutputs(opts.out ?? opts.dir, index.files), index };
}
