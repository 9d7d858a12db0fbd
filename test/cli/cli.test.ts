/**
 * Spawns the real command (`node --import tsx diagrams/cli.ts`) and asserts stdout, stderr, exit
 * codes and the files left behind. Inputs are corpus state files and exports of fixture estates;
 * PNG only where it is under test (and a browser is found).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { findBrowser } from '../../diagrams/render/png.ts';
import { CORPUS_DIR } from '../corpus.ts';
import { EstateFixture } from '../fixtures/estates.ts';
import { exists, listAll, snapshot, tempDir } from '../fixtures/tree.ts';
import { runCli, writeState } from './helpers.ts';

const STATE = `${CORPUS_DIR}/pulumi-aws-kms-key-export.json`;
let dir: string;
let cache: string;

const run = (args: string[], env: Record<string, string> = {}, input?: string) => runCli(dir, args, { DIAGRAMS_CACHE_DIR: cache, ...env }, input);

beforeAll(async () => {
  dir = await tempDir('cli-');
  cache = path.join(dir, '.cache');
  // A stack whose findings all hold, and one with an unrotated secret on the AWS-managed key.
  const passing = new EstateFixture('alpha').stack('dev');
  passing.parameter('/alpha/dev/db/host');
  await writeState(path.join(dir, 'passing.json'), passing);
  const failing = new EstateFixture('beta').stack('dev');
  failing.secret('beta/dev/api-token');
  await writeState(path.join(dir, 'failing.json'), failing);
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

  it('names a bad --format and --fail-on value and what is accepted', async () => {
    const f = run(['generate', '--format', 'svg,jpg', '--out', 'nothing']);
    expect(f.code).toBe(2);
    expect(f.stderr).toContain("unknown format 'jpg' (accepted: a comma-separated list of svg, png, md, d2, json)");
    expect(await listAll(dir)).not.toContain('nothing');
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
    expect(await exists(out)).toBe(false);
    const ok = run(['generate', '--state', STATE, '--out', out, '--no-png', '--quiet'], { PUPPETEER_EXECUTABLE_PATH: '/nonexistent' });
    expect(ok.code).toBe(0);
    expect(ok.stderr).toBe('');
    // A KMS key and nothing else: only the controls view has something to draw.
    expect(await listAll(out)).toEqual(['.generated.json', 'README.md', 'test/README.md', 'test/estate.json', 'test/security_compliance_controls.svg']);
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
    const svg = path.join(dir, 'docs', 'test', 'security_compliance_controls.svg');
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
    expect(r.stderr).toContain('docs/test/security_compliance_controls.svg is missing');
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

describe('--fail-on (exit 3)', () => {
  it('generate writes the docs and exits 3 when a finding at or above the severity is not met, 0 when none is', async () => {
    const out = path.join(dir, 'fail-on');
    const bad = run(['generate', '--state', 'failing.json', '--out', out, '--format', 'md', '--quiet', '--fail-on', 'high']);
    expect(bad.stderr).toBe('diagrams: compliance findings at or above high are not met (see the Compliance findings of the stack pages)\n');
    expect(bad.code).toBe(3);
    expect(await listAll(out)).toEqual(['.generated.json', 'README.md', 'dev/README.md']);
    const good = run(['generate', '--state', 'passing.json', '--out', out, '--format', 'md', '--quiet', '--fail-on', 'low']);
    expect(good.stderr).toBe('');
    expect(good.code).toBe(0);
  });

  it('check names each failing rule, and 3 wins over a stale file (1)', async () => {
    const out = path.join(dir, 'fail-on-check');
    expect(run(['generate', '--state', 'failing.json', '--out', out, '--format', 'md', '--quiet']).code).toBe(0);
    const fresh = run(['check', '--state', 'failing.json', '--out', out, '--format', 'md', '--quiet', '--fail-on', 'high']);
    expect(fresh.code).toBe(3);
    expect(fresh.stderr).toMatch(/^diagrams: compliance findings at or above high are not met:\n {2}dev: SEC-\d{3} \(high\)(, SEC-\d{3} \((high|critical)\))*\n$/);
    // None of them is critical.
    expect(run(['check', '--state', 'failing.json', '--out', out, '--format', 'md', '--quiet', '--fail-on', 'critical']).code).toBe(0);
    await fs.appendFile(path.join(out, 'dev', 'README.md'), 'edited\n');
    const stale = run(['check', '--state', 'failing.json', '--out', out, '--format', 'md', '--quiet', '--fail-on', 'high']);
    expect(stale.stderr).toContain('dev/README.md is out of date');
    expect(stale.code).toBe(3);
    expect(run(['check', '--state', 'passing.json', '--out', out, '--format', 'md', '--quiet', '--fail-on', 'low']).code).toBe(1);
  });
});

describe('--format json', () => {
  it('writes estate.json per stack and nothing else but the manifest', async () => {
    const out = path.join(dir, 'json');
    const r = run(['generate', '--state', 'passing.json', '--state', 'failing.json', '--out', out, '--format', 'json', '--quiet']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(await listAll(out)).toEqual(['.generated.json', 'alpha/dev/estate.json', 'beta/dev/estate.json']);
    for (const [project, file] of [['alpha', 'alpha/dev/estate.json'], ['beta', 'beta/dev/estate.json']] as const) {
      const doc = JSON.parse(await fs.readFile(path.join(out, file), 'utf8')) as Record<string, unknown>;
      expect(doc).toMatchObject({ key: `${project}/dev`, project, stack: 'dev', source: { kind: 'state', format: 'export v3' } });
    }
  });
});

describe('PNG output', () => {
  let browser: string | undefined;
  try {
    browser = findBrowser().label;
  } catch {
    browser = undefined;
  }
  it.skipIf(!browser)('writes a PNG beside each SVG, and check passes without a browser', async () => {
    const out = path.join(dir, 'png');
    const r = run(['generate', '--state', STATE, '--out', out, '--quiet']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect((await listAll(out)).filter((f) => /\.(svg|png)$/.test(f))).toEqual(['test/security_compliance_controls.png', 'test/security_compliance_controls.svg']);
    const png = await fs.readFile(path.join(out, 'test', 'security_compliance_controls.png'));
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    const c = run(['check', '--state', STATE, '--out', out, '--quiet'], { PUPPETEER_EXECUTABLE_PATH: '/nonexistent' });
    expect(c.stderr).toBe('');
    expect(c.code).toBe(0);
  }, 120_000);
});
