/**
 * The Chromium shipped inside the optional npm package `@sparticuz/chromium`: a headless Chromium
 * for Linux x64, brotli-compressed in the package itself, so that `npm ci` alone gives PNG output.
 *
 * The package unpacks into os.tmpdir() as loose files and reuses whatever `<tmp>/chromium` it finds,
 * so two processes unpacking at once, or one killed half-way, leave a broken binary behind for good.
 * Here it unpacks into a private staging directory, which gets a `.complete` marker and is then
 * renamed in one step to `<tmp>/sparticuz-chromium-<version>-<uid>`: a process sees either nothing
 * or a whole copy. Of two processes unpacking at once, the one that renames second discards its
 * copy. Staging directories of processes that died are removed by the next unpack.
 *
 * The copy includes the NSS, NSPR and expat libraries the package bundles for Amazon Linux
 * (`al2023/lib`, passed as LD_LIBRARY_PATH), so no system library beyond glibc is needed.
 */

import { existsSync, lstatSync, readFileSync, rmSync, statSync } from 'node:fs';
import { lstat, mkdtemp, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GeneratorError } from '../errors.ts';

export const NPM_CHROMIUM_PACKAGE = '@sparticuz/chromium';

export interface NpmChromiumPackage {
  /** The package directory (holds `bin/chromium.br`). */
  readonly dir: string;
  readonly version: string;
}

export interface NpmChromium {
  readonly executablePath: string;
  /** Environment variables to add for the browser process. */
  readonly env: Readonly<Record<string, string>>;
}

const STAGING_PREFIX = 'sparticuz-chromium-staging-';
const COMPLETE = '.complete';
/** A staging directory this old is abandoned even if its process id is in use again (an unpack takes seconds). */
const STAGING_MAX_AGE_MS = 60 * 60 * 1000;

/**
 * Finds the installed package without loading or unpacking it. Returns the package, or why it
 * cannot be used here (not installed, or not built for this platform).
 */
export function locateNpmChromium(from: string = import.meta.url): NpmChromiumPackage | { readonly unavailable: string } {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    return { unavailable: `ships a Linux x64 build only (this is ${process.platform} ${process.arch})` };
  }
  const dirs = createRequire(from).resolve.paths(NPM_CHROMIUM_PACKAGE) ?? [];
  for (const nodeModules of dirs) {
    const dir = join(nodeModules, NPM_CHROMIUM_PACKAGE);
    const manifest = join(dir, 'package.json');
    if (!existsSync(manifest)) continue;
    if (!existsSync(join(dir, 'bin', 'chromium.br'))) return { unavailable: `${dir} has no bin/chromium.br` };
    const { version } = JSON.parse(readFileSync(manifest, 'utf8')) as { version: string };
    return { dir, version };
  }
  return { unavailable: 'not installed (an optional dependency: `npm ci` installs it unless optional dependencies are omitted)' };
}

const pending = new Map<string, Promise<NpmChromium>>();

/**
 * The unpacked browser: unpacks it on first use into `root` (default os.tmpdir()), else
 * reuses the complete copy there. One unpack per process and directory, however many callers.
 */
export function installNpmChromium(pkg: NpmChromiumPackage, root: string = tmpdir()): Promise<NpmChromium> {
  const dir = join(root, `sparticuz-chromium-${pkg.version}-${uid()}`);
  let p = pending.get(dir);
  if (p === undefined) {
    p = install(pkg, root, dir);
    pending.set(dir, p);
    p.catch(() => pending.delete(dir));
  }
  return p;
}

function uid(): number {
  return process.getuid?.() ?? 0;
}

function resultFor(dir: string): NpmChromium {
  const env: Record<string, string> = {
    LD_LIBRARY_PATH: [join(dir, 'al2023', 'lib'), process.env.LD_LIBRARY_PATH].filter((s) => s !== undefined && s !== '').join(':'),
  };
  // Without a fontconfig configuration (a minimal system) fall back to the fonts in the package.
  // D2 embeds its fonts in the SVG; these only cover characters outside them.
  if (process.env.FONTCONFIG_FILE === undefined && process.env.FONTCONFIG_PATH === undefined && !existsSync('/etc/fonts/fonts.conf')) {
    env.FONTCONFIG_FILE = join(dir, 'fonts.conf');
  }
  return { executablePath: join(dir, 'chromium'), env };
}

/**
 * True when `dir` is a complete copy. A directory of this user without the marker (not made by
 * this module, which only ever renames a complete copy into place) is removed; anything that is not
 * a directory of this user is an error, never used.
 */
function published(dir: string): boolean {
  let st;
  try {
    st = lstatSync(dir);
  } catch {
    return false;
  }
  if (!st.isDirectory() || st.uid !== uid()) {
    throw new GeneratorError('environment', 'the npm Chromium directory exists but is not a directory of this user', {
      subject: dir,
      expected: 'remove it, or set TMPDIR to another directory',
    });
  }
  if (existsSync(join(dir, COMPLETE))) return true;
  rmSync(dir, { recursive: true, force: true });
  return false;
}

async function install(pkg: NpmChromiumPackage, root: string, dir: string): Promise<NpmChromium> {
  if (published(dir)) return resultFor(dir);
  await sweepStaging(root);
  const staging = await mkdtemp(join(root, `${STAGING_PREFIX}${process.pid}-`));
  try {
    await unpackInto(pkg, staging);
    await writeFile(join(staging, 'fonts.conf'), fontsConf(dir));
    await writeFile(join(staging, COMPLETE), '');
    try {
      await rename(staging, dir);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw e;
      // Another process published first: use its copy (ours is removed below).
      if (!published(dir)) await rename(staging, dir);
    }
  } catch (e) {
    if (e instanceof GeneratorError) throw e;
    throw new GeneratorError('environment', `could not unpack the npm Chromium: ${(e as Error).message}`, {
      subject: `${NPM_CHROMIUM_PACKAGE} ${pkg.version} into ${root}`,
      expected: 'about 210 MB free in the temporary directory (set TMPDIR to use another), or another browser',
    });
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return resultFor(dir);
}

/**
 * Unpacks the package's files into `staging`. The package writes to os.tmpdir() (read from TMPDIR)
 * and unpacks the bundled libraries only when it believes it runs on Amazon Linux: both are read
 * synchronously when executablePath() is called, so the two variables are set just around that call.
 */
async function unpackInto(pkg: NpmChromiumPackage, staging: string): Promise<void> {
  const { default: chromium } = await import('@sparticuz/chromium');
  const saved = { TMPDIR: process.env.TMPDIR, AWS_LAMBDA_JS_RUNTIME: process.env.AWS_LAMBDA_JS_RUNTIME };
  let unpacking: Promise<string>;
  process.env.TMPDIR = staging;
  process.env.AWS_LAMBDA_JS_RUNTIME = 'nodejs20.x';
  try {
    unpacking = chromium.executablePath(join(pkg.dir, 'bin'));
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
  const exe = await unpacking;
  const expected = join(staging, 'chromium');
  if (exe !== expected || !statSync(expected).isFile() || !existsSync(join(staging, 'al2023', 'lib', 'libnss3.so'))) {
    throw new Error(`the package unpacked to ${exe}, not to ${expected} with al2023/lib`);
  }
}

function fontsConf(dir: string): string {
  const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  return `<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n  <dir>${esc(join(dir, 'fonts', 'fonts'))}</dir>\n  <cachedir>${esc(join(dir, 'fonts-cache'))}</cachedir>\n</fontconfig>\n`;
}

/** Removes this user's staging directories whose process is gone (killed mid-unpack) or that are old. */
async function sweepStaging(root: string): Promise<void> {
  let names: string[];
  try {
    names = await readdir(root);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(STAGING_PREFIX)) continue;
    const path = join(root, name);
    const st = await lstat(path).catch(() => undefined);
    if (st === undefined || !st.isDirectory() || st.uid !== uid()) continue;
    // Named `<prefix><pid>-<random>`; a name without a pid is judged by its age alone.
    const pid = Number(/^(\d+)-/.exec(name.slice(STAGING_PREFIX.length))?.[1] ?? NaN);
    const old = Date.now() - st.mtimeMs >= STAGING_MAX_AGE_MS;
    const dead = Number.isInteger(pid) && pid !== process.pid && !alive(pid);
    if (old || dead) await rm(path, { recursive: true, force: true });
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
