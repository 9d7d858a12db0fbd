/**
 * Spawns the real command (`node --import tsx diagrams/cli.ts`) and asserts stdout, stderr, exit
 * codes and the files left behind. Inputs are corpus state files; PNG only where it is under test.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { CORPUS_DIR } from '../corpus.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
// The tsx loader by URL: the tests run in a temporary directory that has no node_modules.
const TSX = pathToFileURL(path.join(ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
const STATE = `${CORPUS_DIR}/pulumi-aws-kms-key-export.json`;
let dir: string;
let cache: string;

function run(args: string[], env: Record<string, string> = {}, input?: string) {
  const r = spawnSync(process.execPath, ['--import', TSX, path.join(ROOT, 'diagrams', 'cli.ts'), ...args], {
    cwd: dir,
    env: { ...process.env, DIAGRAMS_CACHE_DIR: cache, ...env },
    encoding: 'utf8',
    ...(input !== undefined ? { input } : {}),
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

async function snapshot(root: string): Promise<Record<string, string>> {
  const res: Record<string, string> = {};
  async function walk(d: string) {
    for (const e of await fs.readdir(d, { withFileTypes: true }).catch(() => [])) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else res[path.relative(root, p)] = (await fs.readFile(p)).toString('base64');
    }
  }
  await walk(root);
  return res;
}

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cli-'));
  cache = path.join(dir, '.cache');
  // One generated tree the check tests start from (svg + md: no browser).
  const r = run(['generate', '--state', STATE, '--out', 'docs', '--no-png', '--quiet']);
  if (r.code !== 0) throw new Error(`setup generate failed: ${r.stderr}`);
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('usage errors (exit 2, nothing written)', () => {
  it('names an unknown flag', () => {
    const r = run(['check', '--bogus']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown option '--bogus'");
    expect(r.stderr).toContain('--help');
    expect(r.stdout).toBe('');
  });

  it('names a bad --format and --fail-on value and what is accepted', () => {
    const f = run(['generate', '--format', 'svg,jpg', '--out', 'nothing']);
    expect(f.code).toBe(2);
    expect(f.stderr).toContain("unknown format 'jpg' (accepted: a comma-separated list of svg, png, md, d2)");
    const s = run(['check', '--fail-on', 'extreme']);
    expect(s.code).toBe(2);
    expect(s.stderr).toContain("unknown severity 'extreme' (accepted: critical, high, medium, low)");
  });

  it('documents the exit codes in --help', () => {
    const r = run(['check', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Exit codes:[\s\S]*1 +check: a generated file is out of date[\s\S]*3 +--fail-on/);
  });

  it('rejects a malformed --state file and leaves the previous docs intact', async () => {
    const before = await snapshot(path.join(dir, 'docs'));
    await fs.writeFile(path.join(dir, 'bad.json'), '{"version": 3, "deployment": {"resources": [');
    const r = run(['generate', '--state', 'bad.json', '--out', 'docs', '--no-png']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad\.json/);
    expect(await snapshot(path.join(dir, 'docs'))).toEqual(before);
  });

  it('names the file and line of a template that does not compile', async () => {
    await fs.mkdir(path.join(dir, 'tpl', 'partials'), { recursive: true });
    await fs.writeFile(path.join(dir, 'tpl', 'partials', 'cost.hbs'), '## Cost\n\n{{#if hasCost}}\n{{costTotal}\n{{/if}}\n');
    const before = await snapshot(path.join(dir, 'docs'));
    const r = run(['generate', '--state', STATE, '--out', 'docs', '--no-png', '--templates', 'tpl']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/tpl\/partials\/cost\.hbs at line 4: template does not compile/);
    expect(await snapshot(path.join(dir, 'docs'))).toEqual(before);
  });

  it('reports a missing browser with the PNG message, writes nothing, and --no-png works', async () => {
    const out = path.join(dir, 'png-out');
    const r = run(['generate', '--state', STATE, '--out', out], { PUPPETEER_EXECUTABLE_PATH: '/nonexistent' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no Chromium or Chrome found for PNG output');
    expect(r.stderr).toContain('--no-png');
    expect(await snapshot(out)).toEqual({});
    const ok = run(['generate', '--state', STATE, '--out', out, '--no-png', '--quiet'], { PUPPETEER_EXECUTABLE_PATH: '/nonexistent' });
    expect(ok.code).toBe(0);
    expect(ok.stderr).toBe('');
    expect(Object.keys(await snapshot(out)).sort()).toContain(path.join('test', 'parameter_store_hierarchy.svg'));
  });
});

describe('check', () => {
  const check = (...extra: string[]) => run(['check', '--state', STATE, '--out', 'docs', '--no-png', '--quiet', ...extra]);

  it('passes on fresh output and tolerates CRLF checkouts', async () => {
    const fresh = check();
    expect(fresh.stderr).toBe('');
    expect(fresh.code).toBe(0);
    const page = path.join(dir, 'docs', 'test', 'README.md');
    const text = await fs.readFile(page, 'utf8');
    await fs.writeFile(page, text.replace(/\n/g, '\r\n'));
    const r = check();
    await fs.writeFile(page, text);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it('exits 1 with a diff after an edit, and names a missing file; writes nothing', async () => {
    const page = path.join(dir, 'docs', 'test', 'README.md');
    const svg = path.join(dir, 'docs', 'test', 'parameter_store_hierarchy.svg');
    const text = await fs.readFile(page, 'utf8');
    const svgText = await fs.readFile(svg, 'utf8');
    await fs.writeFile(page, text.replace('## Overview', '## Overview (edited)'));
    await fs.rm(svg);
    const before = await snapshot(path.join(dir, 'docs'));
    const r = check();
    const after = await snapshot(path.join(dir, 'docs'));
    await fs.writeFile(page, text);
    await fs.writeFile(svg, svgText);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('docs/test/README.md is out of date');
    expect(r.stderr).toContain('-## Overview (edited)');
    expect(r.stderr).toContain('+## Overview');
    expect(r.stderr).toContain('docs/test/parameter_store_hierarchy.svg is missing');
    expect(after).toEqual(before); // check wrote nothing
  });

  it('fills and checks an --inject file, and names a missing marker', async () => {
    const doc = path.join(dir, 'ARCH.md');
    await fs.writeFile(doc, '# Ours\n\n<!-- BEGIN_ARCHITECTURE_DOCS -->\n<!-- END_ARCHITECTURE_DOCS -->\n');
    expect(run(['generate', '--state', STATE, '--out', 'docs', '--no-png', '--quiet', '--inject', 'ARCH.md']).code).toBe(0);
    expect(await fs.readFile(doc, 'utf8')).toContain('[test](docs/test/README.md)');
    expect(check('--inject', 'ARCH.md').code).toBe(0);
    await fs.writeFile(doc, '# Ours\n<!-- END_ARCHITECTURE_DOCS -->\n<!-- BEGIN_ARCHITECTURE_DOCS -->\n');
    const r = check('--inject', 'ARCH.md');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--inject ARCH.md at line 2: marker <!-- END_ARCHITECTURE_DOCS --> comes before <!-- BEGIN_ARCHITECTURE_DOCS -->');
    await fs.writeFile(doc, '# Ours\n');
    expect(check('--inject', 'ARCH.md').stderr).toContain('missing marker <!-- BEGIN_ARCHITECTURE_DOCS -->');
  });
});

describe('graph', () => {
  it('prints the graph as JSON on stdout, from stdin', async () => {
    const r = run(['graph', '--state', '-', '--json'], {}, await fs.readFile(STATE, 'utf8'));
    expect(r.code).toBe(0);
    const g = JSON.parse(r.stdout) as { stack: { stack: string }; resources: unknown[] };
    expect(g.stack.stack).toBe('test');
    expect(g.resources.length).toBeGreaterThan(0);
  });
});
