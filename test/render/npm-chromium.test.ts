/**
 * The npm Chromium's unpack (diagrams/render/npm-chromium.ts): one complete copy per user and
 * version, whatever ran before or runs at the same time. Each test unpacks into its own directory.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import { GeneratorError } from '../../diagrams/errors.ts';
import { installNpmChromium, locateNpmChromium, type NpmChromium, type NpmChromiumPackage } from '../../diagrams/render/npm-chromium.ts';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const CHILD = join(REPO, 'test', 'render', 'fixtures', 'npm-chromium-child.ts');
const TSX = join(REPO, 'node_modules', 'tsx', 'dist', 'esm', 'index.mjs');
const PNG_CHILD = join(REPO, 'test', 'render', 'fixtures', 'png-child.ts');
const here = process.platform === 'linux' && process.arch === 'x64';
const uid = process.getuid?.() ?? 0;

const roots: string[] = [];
async function freshRoot(): Promise<string> {
  const r = await mkdtemp(join(tmpdir(), 'npm-chromium-test-'));
  roots.push(r);
  return r;
}
afterEach(async () => {
  await Promise.all(roots.splice(0).map((r) => rm(r, { recursive: true, force: true })));
});

function pkg(): NpmChromiumPackage {
  const p = locateNpmChromium();
  if ('unavailable' in p) throw new Error(`@sparticuz/chromium: ${p.unavailable}`);
  return p;
}

/** The browser answers --version: the binary is whole and finds its libraries. */
function version(r: NpmChromium): string {
  const out = spawnSync(r.executablePath, ['--version'], { env: { ...process.env, ...r.env }, encoding: 'utf8', timeout: 30_000 });
  return `${out.stdout}${out.stderr}`.trim();
}

/** Process ids below `pid` (from /proc). */
function descendants(pid: number): number[] {
  const parent = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      parent.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone meanwhile
    }
  }
  const out: number[] = [];
  const walk = (p: number): void => {
    for (const [c, pp] of parent) if (pp === p) out.push(c), walk(c);
  };
  walk(pid);
  return out;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe.runIf(here)('npm Chromium', () => {
  it('is found in node_modules at the version package.json pins', () => {
    const want = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { optionalDependencies: Record<string, string> }).optionalDependencies['@sparticuz/chromium'];
    expect(pkg().version).toBe(want);
    expect(existsSync(join(pkg().dir, 'bin', 'chromium.br'))).toBe(true);
  });

  it('never uses what a killed unpack left: it unpacks a whole copy and removes the dead staging directory', async () => {
    const root = await freshRoot();
    // What the package itself leaves when killed mid-unpack, and reuses: a truncated <tmp>/chromium.
    await writeFile(join(root, 'chromium'), 'truncated', { mode: 0o755 });
    // A staging directory of a process that is gone (a finished `true`).
    const dead = spawnSync('true').pid!;
    const stale = join(root, `sparticuz-chromium-staging-${dead}-abc123`);
    await mkdir(stale);
    await writeFile(join(stale, 'chromium'), 'half', { mode: 0o755 });
    // A final directory without the completion marker (not made by this code): replaced.
    const final = join(root, `sparticuz-chromium-${pkg().version}-${uid}`);
    await mkdir(final);
    await writeFile(join(final, 'chromium'), 'foreign', { mode: 0o755 });

    const r = await installNpmChromium(pkg(), root);
    expect(r.executablePath).toBe(join(final, 'chromium'));
    expect(existsSync(join(final, '.complete'))).toBe(true);
    expect(r.env.LD_LIBRARY_PATH?.split(':')[0]).toBe(join(final, 'al2023', 'lib'));
    expect(version(r)).toMatch(/^Chromium \d+\./);
    expect(existsSync(stale)).toBe(false);
    expect(readFileSync(join(root, 'chromium'), 'utf8')).toBe('truncated');
    // A second call in the process is the same promise; a new process reuses the copy.
    expect(await installNpmChromium(pkg(), root)).toBe(r);
    expect((await readdir(root)).sort()).toEqual(['chromium', `sparticuz-chromium-${pkg().version}-${uid}`]);
  }, 60_000);

  it('two processes unpacking at once both get the one complete copy, and no staging directory is left', async () => {
    const root = await freshRoot();
    const runChild = () =>
      new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
        const c = spawn(process.execPath, ['--import', TSX, CHILD, root], { stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        let err = '';
        c.stdout.on('data', (b: Buffer) => (out += b.toString()));
        c.stderr.on('data', (b: Buffer) => (err += b.toString()));
        c.on('close', (code) => resolve({ code, out, err }));
      });
    const [a, b] = await Promise.all([runChild(), runChild()]);
    expect(a.err + b.err).toBe('');
    expect([a.code, b.code]).toEqual([0, 0]);
    const ra = JSON.parse(a.out) as NpmChromium;
    expect(JSON.parse(b.out)).toEqual(ra);
    expect(await readdir(root)).toEqual([`sparticuz-chromium-${pkg().version}-${uid}`]);
    expect(version(ra)).toMatch(/^Chromium \d+\./);
  }, 60_000);

  it('leaves no browser process behind when the process that launched it is killed with SIGKILL', async () => {
    const child = spawn(process.execPath, ['--import', TSX, PNG_CHILD], {
      env: { ...process.env, DIAGRAMS_BROWSER: 'npm', PUPPETEER_EXECUTABLE_PATH: '' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve) => child.stdout.on('data', (b: Buffer) => b.toString().includes('ready') && resolve()));
    const browsers = descendants(child.pid!);
    expect(browsers.length).toBeGreaterThan(0);
    // The profile directory the killed process can no longer remove.
    const profiles = browsers.flatMap((p) => {
      const m = /--user-data-dir=([^\0]+)/.exec(readFileSync(`/proc/${p}/cmdline`, 'utf8'));
      return m ? [m[1]!] : [];
    });
    onTestFinished(() => Promise.all([...new Set(profiles)].map((d) => rm(d, { recursive: true, force: true }))).then(() => undefined));
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
    const end = Date.now() + 10_000;
    while (browsers.some(alive) && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    expect(browsers.filter(alive)).toEqual([]);
  }, 60_000);

  it('refuses a final path that is not a directory of this user (a link planted in a shared /tmp)', async () => {
    const root = await freshRoot();
    const final = join(root, `sparticuz-chromium-${pkg().version}-${uid}`);
    await symlink(root, final);
    const err = await installNpmChromium(pkg(), root).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GeneratorError);
    expect((err as GeneratorError).message).toBe(
      `${final}: the npm Chromium directory exists but is not a directory of this user (expected remove it, or set TMPDIR to another directory)`,
    );
  });
});
