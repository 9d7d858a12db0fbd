/**
 * Identities that key the caches and record what an output was made from: package versions, the
 * hashes of the code that renders, and the templates (built-in and user) with the Markdown code.
 */

import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cacheKey } from '../cache/index.ts';
import { compareStrings } from '../util/collections.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
export const DIAGRAMS_DIR = path.join(here, '..');
/** The built-in templates (as docs/markdown.ts's BUILTIN_TEMPLATES, without loading Handlebars). */
const BUILTIN_TEMPLATES_DIR = path.join(DIAGRAMS_DIR, '..', 'templates');

/** Every file under `dir` (relative path and bytes), sorted; nothing when it does not exist. */
async function treeEntries(dir: string): Promise<[string, Buffer][]> {
  const out: [string, Buffer][] = [];
  const pending: [string, string][] = [[dir, '']];
  while (pending.length > 0) {
    const [d, rel] = pending.shift()!;
    let entries;
    try {
      entries = await fs.readdir(d, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of entries.sort((a, b) => compareStrings(a.name, b.name))) {
      if (e.isDirectory()) pending.push([path.join(d, e.name), `${rel}${e.name}/`]);
      else if (e.isFile()) out.push([`${rel}${e.name}`, await fs.readFile(path.join(d, e.name))]);
    }
  }
  return out.sort(([a], [b]) => compareStrings(a, b));
}

/** The first 16 hex digits of a file's sha256; `unknown` when it cannot be read. */
export async function fileHash(file: string): Promise<string> {
  try {
    return createHash('sha256').update(await fs.readFile(file)).digest('hex').slice(0, 16);
  } catch {
    return 'unknown';
  }
}

/** The package.json of an installed package: `<name>/package.json`, else (not exported) found above its entry point. */
async function packageJson(name: string): Promise<{ version: string }> {
  const req = createRequire(import.meta.url);
  try {
    return JSON.parse(await fs.readFile(req.resolve(`${name}/package.json`), 'utf8')) as { version: string };
  } catch {
    // A package whose `exports` do not list its package.json: from its entry point up to its root.
    for (let d = path.dirname(req.resolve(name)); d !== path.dirname(d); d = path.dirname(d)) {
      const pkg = JSON.parse(await fs.readFile(path.join(d, 'package.json'), 'utf8').catch(() => '{}')) as { name?: string; version: string };
      if (pkg.name === name) return pkg;
    }
    throw new Error(`no package.json for ${name}`);
  }
}

/** `name@version` of an installed package; `name@unknown` when it is not installed. */
export async function packageVersion(name: string): Promise<string> {
  try {
    return `${name}@${(await packageJson(name)).version}`;
  } catch {
    return `${name}@unknown`;
  }
}

/**
 * Identity of the Markdown rendering: the built-in and user template files, the code that turns a
 * model into text (docs/markdown.ts and its escaping) and the Handlebars version. With a page model's
 * JSON it keys the rendered page in the cache, so a warm run neither loads nor compiles Handlebars.
 */
export async function templatesIdentity(userDir: string | undefined): Promise<string> {
  const parts: string[] = [
    await packageVersion('handlebars'),
    `markdown.ts:${await fileHash(path.join(DIAGRAMS_DIR, 'docs', 'markdown.ts'))}`,
    `escape.ts:${await fileHash(path.join(DIAGRAMS_DIR, 'docs', 'escape.ts'))}`,
  ];
  if (userDir !== undefined) {
    // A missing --templates directory is an error that loadTemplates reports: never a cache hit.
    const isDir = (await fs.stat(userDir).catch(() => undefined))?.isDirectory() === true;
    parts.push(`user directory:${isDir}`);
  }
  for (const [label, dir] of [['builtin', BUILTIN_TEMPLATES_DIR], ['user', userDir]] as const) {
    if (dir === undefined) continue;
    for (const [rel, bytes] of await treeEntries(dir)) parts.push(`${label}:${rel}`, createHash('sha256').update(bytes).digest('hex'));
  }
  return cacheKey(...parts);
}
