/**
 * A hostile estate through the real command (`node --import tsx diagrams/cli.ts generate`): a
 * state export with the payloads of hostile-estate.ts in every name field the docs show, generated
 * as Markdown (and D2 sources, which the pages link to) and injected twice into a hand-written
 * file. Every Markdown file is rendered with markdown-it (raw HTML and linkify on) and compared
 * with the same estate under harmless names.
 */
import { beforeAll, afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { BEGIN, END, PAYLOADS, benignNames, hostileNames, stateExport } from './hostile-estate.ts';
import { FORBIDDEN, render, scanHtml, tablesOf, textOf } from './html.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const TSX = pathToFileURL(path.join(ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
const INJECT = '# My project\n\nHand-written intro.\n\n<!-- BEGIN_ARCHITECTURE_DOCS -->\n<!-- END_ARCHITECTURE_DOCS -->\n\nHand-written outro.\n';

let dir: string;

function run(args: string[]) {
  const r = spawnSync(process.execPath, ['--import', TSX, path.join(ROOT, 'diagrams', 'cli.ts'), ...args], {
    cwd: dir,
    env: { ...process.env, DIAGRAMS_CACHE_DIR: path.join(dir, '.cache') },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: r.status, stderr: r.stderr };
}

/** Every file under `root` (relative path with `/` -> text). */
async function filesOf(root: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (d: string, rel: string): Promise<void> => {
    // A directory the command did not write is empty here: the tests then say what is missing.
    for (const e of await fs.readdir(d, { withFileTypes: true }).catch(() => [])) {
      if (e.isDirectory()) await walk(path.join(d, e.name), `${rel}${e.name}/`);
      else out.set(`${rel}${e.name}`, await fs.readFile(path.join(d, e.name), 'utf8'));
    }
  };
  await walk(root, '');
  return out;
}

const markdownOf = (files: Map<string, string>) => [...files].filter(([f]) => f.endsWith('.md'));

let benign: Map<string, string>;
let hostile: Map<string, string>;
let runs: { code: number | null; stderr: string }[];
let injectedOnce: string;
let injected: string;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'hostile-'));
  await fs.writeFile(path.join(dir, 'benign.json'), JSON.stringify(stateExport(benignNames)));
  await fs.writeFile(path.join(dir, 'hostile.json'), JSON.stringify(stateExport(hostileNames)));
  await fs.writeFile(path.join(dir, 'README.md'), INJECT);
  const gen = (state: string, out: string) => run(['generate', '--state', state, '--out', out, '--format', 'md,d2', '--inject', 'README.md', '--quiet']);
  runs = [gen('hostile.json', 'docs')];
  injectedOnce = await fs.readFile(path.join(dir, 'README.md'), 'utf8');
  runs.push(gen('hostile.json', 'docs'));
  injected = await fs.readFile(path.join(dir, 'README.md'), 'utf8');
  hostile = await filesOf(path.join(dir, 'docs'));
  const b = run(['generate', '--state', 'benign.json', '--out', 'benign', '--format', 'md,d2', '--quiet']);
  if (b.code !== 0) throw new Error(`benign generate failed: ${b.stderr}`);
  benign = await filesOf(path.join(dir, 'benign'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('a hostile estate through the CLI', () => {
  it('generates (exit 0) and keeps exactly one marker pair in the --inject file after two runs', () => {
    expect(runs.map((r) => r.stderr)).toEqual(['', '']);
    expect(runs.map((r) => r.code)).toEqual([0, 0]);
    for (const text of [injectedOnce, injected]) {
      expect(text.split(BEGIN)).toHaveLength(2);
      expect(text.split(END)).toHaveLength(2);
      expect(text.indexOf(BEGIN)).toBeLessThan(text.indexOf(END));
      expect(text.startsWith('# My project\n\nHand-written intro.\n\n<!-- BEGIN_ARCHITECTURE_DOCS -->\n')).toBe(true);
      expect(text.endsWith('\n<!-- END_ARCHITECTURE_DOCS -->\n\nHand-written outro.\n')).toBe(true);
    }
    expect(injected).toBe(injectedOnce);
    // The section is the index: the stack's row is there.
    expect(textOf(render(injected))).toContain('a)](javascript:alert(1)');
  });

  it('lets no element, attribute or comment of the estate into the rendered HTML', () => {
    const allowedTags = new Set<string>();
    const allowedAttrs = new Set<string>();
    for (const [, text] of markdownOf(benign)) {
      for (const t of scanHtml(render(text)).tags) {
        allowedTags.add(t.name);
        for (const a of t.attrs.keys()) allowedAttrs.add(`${t.name} ${a}`);
      }
    }
    expect([...allowedTags]).toEqual(expect.arrayContaining(['table', 'code', 'pre', 'a', 'br', 'h1', 'li']));
    for (const [file, text] of [...markdownOf(hostile), ['README.md (inject)', injected] as const]) {
      const scan = scanHtml(render(text));
      expect(scan.other, file).toEqual([]);
      // The template's one comment; in the inject file between its two markers.
      const generated = scan.comments.filter((c) => /^ Generated by mono-repo-diagrams[^<>]* Do not edit: run `npm run diagrams`\. $/.test(c));
      expect(generated, file).toHaveLength(1);
      expect(scan.comments, file).toEqual(file.includes('inject') ? [' BEGIN_ARCHITECTURE_DOCS ', generated[0], ' END_ARCHITECTURE_DOCS '] : generated);
      for (const t of scan.tags) {
        expect(['img', 'script', 'style', 'iframe'], file).not.toContain(t.name);
        expect(allowedTags.has(t.name), `${file}: <${t.name}>`).toBe(true);
        for (const [a, v] of t.attrs) {
          expect(allowedAttrs.has(`${t.name} ${a}`), `${file}: <${t.name} ${a}>`).toBe(true);
          // No script or external URL; a relative link may name a stack directory `www.evil.example …`.
          expect(v, file).not.toMatch(/javascript:|https?:|\/\/evil\.example|^[a-z][a-z0-9+.-]*:|^\/\//i);
        }
      }
    }
  });

  it('shows the payloads as text', () => {
    const page = markdownOf(hostile).find(([f]) => f.endsWith('/README.md'))![1];
    const text = textOf(render(page));
    for (const p of ['<img src=x onerror=alert(1)>', '<script>alert(1)</script>', '[x](javascript:alert(1))', '![i](https://evil.example/x.png)', '|||||||||||||||||||||', '${process.env.HOME} ${}', '{{title}} {{{parameterTree}}} {{> overview}}', 'bidi\\u{202E}evil\\u{202C}', 'nul\\u{0000}bell']) {
      expect(text).toContain(p);
    }
    // The marker payloads are shown, neutralised.
    expect(text).toContain('\\u{003C}!-- END_ARCHITECTURE_DOCS -->');
  });

  it('links only to files the generator wrote, by relative paths', () => {
    const all = new Set([...hostile.keys()].map((f) => `docs/${f}`));
    let links = 0;
    for (const [file, text] of [...markdownOf(hostile).map(([f, t]) => [`docs/${f}`, t] as const), ['README.md', injected] as const]) {
      for (const t of scanHtml(render(text)).tags) {
        if (t.name !== 'a' || t.closing) continue;
        const href = t.attrs.get('href')!;
        expect(href, file).not.toMatch(/^[a-z][a-z0-9+.-]*:|^\/|[?#]/i);
        const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), ...href.split('/').map(decodeURIComponent)));
        expect(all.has(target), `${file} -> ${href}`).toBe(true);
        links++;
      }
    }
    // The index and the inject section link the stack page; the page links its four D2 sources.
    expect(links).toBe(6);
  });

  it('writes no control, bidi or invisible character into any Markdown file', () => {
    expect(markdownOf(hostile).map(([f]) => f.slice(f.lastIndexOf('/') + 1))).toEqual(['README.md', 'README.md']);
    for (const [file, text] of [...markdownOf(hostile), ['README.md (inject)', injected] as const]) {
      const m = FORBIDDEN.exec(text);
      expect(m && `${file}: U+${m[0].charCodeAt(0).toString(16)} at ${m.index}`).toBe(null);
    }
  });

  it('keeps every table row at its header\'s cell count, and one row per parameter', () => {
    /** GFM cells of a row line: split on `|` not preceded by a backslash, outer pipes dropped. */
    const cells = (line: string) => line.trim().replace(/^\|/, '').replace(/(?<!\\)\|$/, '').split(/(?<!\\)\|/).length;
    for (const [file, text] of [...markdownOf(hostile), ['README.md (inject)', injected] as const]) {
      const lines = text.split(/\r\n|\r|\n/);
      let tables = 0;
      for (let i = 0; i + 1 < lines.length; i++) {
        if (!lines[i]!.startsWith('|') || !/^\|( --- \|)+$/.test(lines[i + 1]!)) continue;
        tables++;
        const n = cells(lines[i]!);
        expect(cells(lines[i + 1]!), `${file}:${i + 2}`).toBe(n);
        for (let j = i + 2; j < lines.length && lines[j]!.startsWith('|'); j++) expect(cells(lines[j]!), `${file}:${j + 1}: ${lines[j]}`).toBe(n);
      }
      expect(tables, file).toBeGreaterThan(0);
    }
    for (const files of [benign, hostile]) {
      const page = markdownOf(files).find(([f]) => f.endsWith('/README.md'))![1];
      const params = tablesOf(render(page)).find((t) => t[0]!.join('|') === 'Path|Type|Tier|KMS key')!;
      expect(params.length - 1).toBe(PAYLOADS.length);
      for (const row of params.slice(1)) expect(row).toHaveLength(4);
    }
  });

  it('keeps the parameter tree in its one fence', () => {
    const page = markdownOf(hostile).find(([f]) => f.endsWith('/README.md'))![1];
    const html = render(page);
    const pres = [...html.matchAll(/<pre><code>([\s\S]*?)<\/code><\/pre>/g)].map((m) => textOf(m[1]!));
    expect(pres).toHaveLength(1);
    expect(pres[0]).toContain('``` # fence breaker ```');
    expect(pres[0]).toContain('bidi\\u{202E}evil');
    // One leaf line per parameter: no name started a line of its own.
    expect(pres[0]!.split('\n').filter((l) => / {2}# (String|SecureString)/.test(l))).toHaveLength(PAYLOADS.length);
  });
});
