/**
 * PNG renderer: SVG string -> PNG bytes, with puppeteer-core driving a Chromium or Chrome.
 *
 * One browser per run, or one per core (`browsers`), with one page each reused
 * for every image; `widen` adds one to a running renderer (a run whose D2 is done while many PNGs
 * wait). The device scale is 2x for small diagrams and lowered in quarter steps, not
 * below 1x, to keep an image near TARGET_PIXELS: a capture costs time in proportion to its pixels
 * (docs/benchmarks.md), and a diagram big enough to need it is readable at 1.25x. It is also capped
 * at about 60 megapixels (Chromium leaves larger captures blank at the bottom), so a huge diagram
 * gets a lower scale rather than a broken image; below 1x the SVG itself is drawn smaller, at a
 * device scale of 1 (see captureGeometry: captures at a device scale below 1 are not reproducible).
 * The browser is found by findBrowsers (a system one, puppeteer's, or the Chromium of the optional
 * npm package @sparticuz/chromium, unpacked once into the temporary directory by npm-chromium.ts).
 * Pure otherwise: returns bytes; the only other file-system use is the browser's own temporary
 * profile directory (`diagrams-chromium-*` in the temp dir), created on launch and removed on close.
 * The profile names its owner (OWNER_FILE: pid, host, browser pid); a launch removes the profiles of
 * owners no longer running (and kills a browser of theirs still running); `closeBrowsersNow` kills
 * the browsers and removes the profiles at once, for a signal. The browser is driven through a pipe,
 * so it exits when the process that launched it dies, even by SIGKILL.
 */

import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { homedir, hostname, tmpdir } from 'node:os';
import { delimiter, join, sep } from 'node:path';
import { deflateSync, inflateSync } from 'node:zlib';
import type { Browser, Page } from 'puppeteer-core';
import { GeneratorError } from '../errors.ts';
import { installNpmChromium, locateNpmChromium, NPM_CHROMIUM_PACKAGE, type NpmChromiumPackage } from './npm-chromium.ts';

/** Chromium leaves the lower part of a larger capture blank. */
export const MAX_PIXELS = 60_000_000;
export const DEFAULT_SCALE = 2;
/**
 * The pixels an image aims at: a diagram of up to 1 megapixel (CSS) gets 2x, a larger one less
 * (a diagram of 2-3 MP of CSS pixels gets 1.25-1.5x: 16 px labels at 20-24 px). A capture costs a
 * fixed part plus a part per pixel, and the captures are the largest share of a cold run's CPU time
 * (figures in docs/benchmarks.md).
 */
export const TARGET_PIXELS = 4_000_000;
/** Never below 1x: a CSS pixel per image pixel keeps every label as sharp as in the SVG at 100 %. */
export const MIN_SCALE = 1;

export const NO_BROWSER_MESSAGE =
  'no Chromium or Chrome found for PNG output: run `npm ci` (it installs @sparticuz/chromium, a Chromium for Linux x64), install Chromium or Chrome, set DIAGRAMS_BROWSER or PUPPETEER_EXECUTABLE_PATH, or pass --no-png';

/** The variable that chooses the browser: `auto` (the default), `npm`, `system`, `puppeteer` or a path. */
export const BROWSER_ENV = 'DIAGRAMS_BROWSER';
const BROWSER_CHOICES = 'auto, npm, system, puppeteer or the path of a Chromium or Chrome executable';

/** Where a system Chromium or Chrome is looked for: these paths, then these names on PATH. */
const SYSTEM_BROWSERS = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
];
const SYSTEM_BROWSER_NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];

/** The flags of every launch; they decide pixels, so they are part of CAPTURE_SETTINGS. */
const LAUNCH_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-dev-shm-usage',
  '--font-render-hinting=none',
  '--in-process-gpu',
];

/**
 * What decides the pixels of a capture besides the SVG and the browser: the scale policy and the
 * launch flags. Part of the recorded source of every PNG, so that a change here re-renders the PNGs
 * on `generate` and makes `check` report the committed ones out of date.
 * Not in it, because they do not change what is drawn: the browser itself (PNG bytes may differ
 * between browsers, so the recorded source stays the same on every machine), how puppeteer talks
 * to it (a pipe), and the process model and library path of the npm Chromium (see ready).
 */
export const CAPTURE_SETTINGS = `scale ${DEFAULT_SCALE}x to ${TARGET_PIXELS} px in quarter steps, at least ${MIN_SCALE}x, at most ${MAX_PIXELS} px (below 1x: the SVG drawn smaller at 1x); ${LAUNCH_ARGS.join(' ')}`;

function isExecutableFile(p: string): boolean {
  try {
    const st = statSync(p);
    return st.isFile() && (st.mode & 0o111) !== 0;
  } catch {
    return false;
  }
}

/** A browser installed by puppeteer in its cache (`~/.cache/puppeteer` or PUPPETEER_CACHE_DIR), newest first. */
function puppeteerCacheBrowser(cache: string): string | undefined {
  const layouts: [string, string[]][] = [
    ['chrome', ['chrome-linux64/chrome', 'chrome-linux/chrome']],
    ['chromium', ['chrome-linux/chrome']],
    ['chrome-headless-shell', ['chrome-headless-shell-linux64/chrome-headless-shell']],
  ];
  for (const [product, rels] of layouts) {
    const dir = join(cache, product);
    if (!existsSync(dir)) continue;
    const versions = readdirSync(dir).sort().reverse();
    for (const v of versions) {
      for (const rel of rels) {
        const p = join(dir, v, rel);
        if (isExecutableFile(p)) return p;
      }
    }
  }
  return undefined;
}

/** A browser that may be launched. */
export interface BrowserCandidate {
  /** Where it was found: `given path`, `PUPPETEER_EXECUTABLE_PATH`, `DIAGRAMS_BROWSER`, `puppeteer cache`, `system` or `npm`. */
  readonly from: string;
  /** The executable; absent for the npm Chromium until it is unpacked. */
  readonly executablePath?: string;
  /** The npm Chromium's package. */
  readonly npm?: NpmChromiumPackage;
  /** For messages: the path or the package, and where it came from. */
  readonly label: string;
}

export interface BrowserSearch {
  /** Those found, in the order to try. */
  readonly candidates: readonly BrowserCandidate[];
  /** Every place looked at, with what was there ("found" or why not): for the error message. */
  readonly tried: readonly string[];
}

/** What findBrowsers looks at; the defaults are the real machine (tests replace them). */
export interface BrowserProbe {
  readonly systemPaths?: readonly string[];
  /** The npm Chromium's package, or why it is unavailable. */
  readonly npm?: () => NpmChromiumPackage | { readonly unavailable: string };
}

function pathCandidate(from: string, p: string): BrowserCandidate {
  return { from, executablePath: p, label: `${p} (${from})` };
}

function systemSearch(env: NodeJS.ProcessEnv, probe: BrowserProbe, tried: string[]): BrowserCandidate[] {
  const found: BrowserCandidate[] = [];
  const add = (p: string): void => {
    if (!found.some((c) => c.executablePath === p)) found.push(pathCandidate('system', p));
  };
  for (const p of probe.systemPaths ?? SYSTEM_BROWSERS) {
    const ok = isExecutableFile(p);
    tried.push(`system ${p}: ${ok ? 'found' : 'not found'}`);
    if (ok) add(p);
  }
  if (probe.systemPaths === undefined) {
    const dirs = (env.PATH ?? '').split(delimiter).filter((d) => d !== '');
    const onPath = dirs.flatMap((d) => SYSTEM_BROWSER_NAMES.map((n) => join(d, n))).filter(isExecutableFile);
    tried.push(`system ${SYSTEM_BROWSER_NAMES.join(', ')} on PATH: ${onPath.length > 0 ? `found ${onPath[0]}` : 'not found'}`);
    onPath.forEach(add);
  }
  return found;
}

function cacheSearch(env: NodeJS.ProcessEnv, tried: string[]): BrowserCandidate[] {
  const cache = env.PUPPETEER_CACHE_DIR ?? join(homedir(), '.cache', 'puppeteer');
  const p = puppeteerCacheBrowser(cache);
  tried.push(`puppeteer cache ${cache}: ${p ? `found ${p}` : 'no browser'}`);
  return p ? [pathCandidate('puppeteer cache', p)] : [];
}

function npmSearch(probe: BrowserProbe, tried: string[]): BrowserCandidate[] {
  const pkg = (probe.npm ?? locateNpmChromium)();
  if ('unavailable' in pkg) {
    tried.push(`npm ${NPM_CHROMIUM_PACKAGE}: ${pkg.unavailable}`);
    return [];
  }
  tried.push(`npm ${NPM_CHROMIUM_PACKAGE} ${pkg.version}: found`);
  return [{ from: 'npm', npm: pkg, label: `${NPM_CHROMIUM_PACKAGE} ${pkg.version} (npm)` }];
}

function noBrowser(tried: readonly string[], details: { subject?: string; expected?: string } = {}): GeneratorError {
  return new GeneratorError('environment', `${NO_BROWSER_MESSAGE}; tried: ${tried.join('; ')}`, details);
}

function explicitPath(from: string, p: string, subject: string): BrowserSearch {
  const tried = [`${from} ${capped(p)}: ${isExecutableFile(p) ? 'found' : 'not an executable file'}`];
  if (isExecutableFile(p)) return { candidates: [pathCandidate(from, p)], tried };
  throw noBrowser(tried, { subject, expected: 'the path of a Chromium or Chrome executable' });
}

/**
 * The browsers to try, in order:
 * - an explicit path (`explicit`), else
 * - PUPPETEER_EXECUTABLE_PATH when set (only it), else
 * - DIAGRAMS_BROWSER: `npm` (only the npm Chromium), `system` (only a system Chromium or Chrome),
 *   `puppeteer` (only puppeteer's cache) or a path; unset or `auto`:
 * - puppeteer's cache, then a system Chromium or Chrome, then the Chromium of the optional npm
 *   package @sparticuz/chromium.
 * A path that is given and not an executable is an error, never passed over. Throws a
 * GeneratorError kind 'environment' listing every place looked at when none is found.
 */
export function findBrowsers(explicit?: string, env: NodeJS.ProcessEnv = process.env, probe: BrowserProbe = {}): BrowserSearch {
  if (explicit !== undefined) return explicitPath('given path', explicit, explicit);
  const given = env.PUPPETEER_EXECUTABLE_PATH;
  if (given !== undefined && given !== '') return explicitPath('PUPPETEER_EXECUTABLE_PATH', given, `PUPPETEER_EXECUTABLE_PATH=${capped(given)}`);
  const tried: string[] = ['PUPPETEER_EXECUTABLE_PATH: not set'];
  const choice = (env[BROWSER_ENV] ?? '').trim();
  let candidates: BrowserCandidate[];
  if (choice === '' || choice === 'auto') {
    candidates = [...cacheSearch(env, tried), ...systemSearch(env, probe, tried), ...npmSearch(probe, tried)];
  } else if (choice === 'npm') {
    candidates = npmSearch(probe, tried);
  } else if (choice === 'system') {
    candidates = systemSearch(env, probe, tried);
  } else if (choice === 'puppeteer') {
    candidates = cacheSearch(env, tried);
  } else if (choice.includes('/') || choice.includes(sep)) {
    return explicitPath(BROWSER_ENV, choice, `${BROWSER_ENV}=${capped(choice)}`);
  } else {
    throw new GeneratorError('usage', 'unknown browser choice', { subject: `${BROWSER_ENV}=${capped(choice)}`, expected: BROWSER_CHOICES });
  }
  if (candidates.length === 0) throw noBrowser(tried, choice === '' || choice === 'auto' ? {} : { subject: `${BROWSER_ENV}=${choice}` });
  return { candidates, tried };
}

/** The first browser findBrowsers would try (see there). */
export function findBrowser(explicit?: string, env: NodeJS.ProcessEnv = process.env, probe: BrowserProbe = {}): BrowserCandidate {
  return findBrowsers(explicit, env, probe).candidates[0]!;
}

/**
 * The label of the browser a run would try first, for the render cache's key (PNG bytes may
 * differ between browsers). Cheap: no unpack, no launch. '' when none is found.
 */
export function browserIdentity(env: NodeJS.ProcessEnv = process.env): string {
  try {
    return findBrowser(undefined, env).label;
  } catch {
    return '';
  }
}

/** The first line of an error's message, without the subject it starts with and the "expected" it ends with. */
function reasonOf(e: unknown, subject: string): string {
  let m = ((e as Error).message ?? String(e)).split('\n')[0] ?? '';
  if (m.startsWith(`${subject}: `)) m = m.slice(subject.length + 2);
  return m.replace(/ \(expected [^()]*(\([^()]*\)[^()]*)*\)$/, '');
}

function capped(s: string, max = 200): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

/** Width and height of an SVG from its outer viewBox (or width/height attributes). */
export function svgSize(svg: string): { width: number; height: number } {
  const open = /<svg\b[^>]*>/.exec(svg);
  if (!open) throw new GeneratorError('render', 'not an SVG document: no <svg> element', { expected: 'an SVG from D2' });
  const vb = /\bviewBox="\s*([-\d.]+)[\s,]+([-\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)\s*"/.exec(open[0]);
  if (vb) return { width: Math.ceil(Number(vb[3])), height: Math.ceil(Number(vb[4])) };
  const w = /\bwidth="([\d.]+)"/.exec(open[0]);
  const h = /\bheight="([\d.]+)"/.exec(open[0]);
  if (w && h) return { width: Math.ceil(Number(w[1])), height: Math.ceil(Number(h[1])) };
  throw new GeneratorError('render', 'the SVG has neither a viewBox nor width and height', { expected: 'an SVG from D2' });
}

/**
 * The device scale for an image: `preferred` (2) while the image stays within `targetPixels`, else
 * the scale that meets it rounded to the nearest quarter (Chromium captures at 1.5x faster than at
 * 1.48x), not below MIN_SCALE; in every case low enough to stay within `maxPixels` (rounded down to
 * 1/100 there, so that the product stays under the limit).
 */
export function scaleFor(
  width: number,
  height: number,
  preferred = DEFAULT_SCALE,
  targetPixels = TARGET_PIXELS,
  maxPixels = MAX_PIXELS,
): number {
  const area = Math.max(1, width * height);
  const exact = (pixels: number): number => Math.sqrt(pixels / area);
  let scale = preferred;
  if (area * preferred * preferred > targetPixels) {
    scale = Math.min(preferred, Math.max(MIN_SCALE, Math.round(exact(targetPixels) * 4) / 4));
  }
  if (area * scale * scale > maxPixels) scale = Math.floor(exact(maxPixels) * 100) / 100;
  return scale;
}

/**
 * The page size (CSS pixels) and device scale of a capture of a `width` x `height` diagram at
 * `scaleFor`'s scale. Below 1x (a diagram over MAX_PIXELS at 1x) the SVG is drawn smaller, at 1x,
 * instead of captured at a device scale below 1: Chromium's captures at a device scale below 1 are
 * not the same from run to run (rows of raster tiles differ), at 1x and above they are.
 */
export function captureGeometry(width: number, height: number): { width: number; height: number; deviceScaleFactor: number } {
  const scale = scaleFor(width, height);
  if (scale >= 1) return { width, height, deviceScaleFactor: scale };
  return { width: Math.max(1, Math.floor(width * scale)), height: Math.max(1, Math.floor(height * scale)), deviceScaleFactor: 1 };
}

/** Sets the outer <svg>'s width and height from its viewBox (D2 gives only a viewBox). */
function sizedSvg(svg: string, width: number, height: number): string {
  const body = svg.replace(/^\s*<\?xml[^>]*\?>\s*/, '');
  return body.replace(/<svg\b([^>]*)>/, (_m, attrs: string) => {
    const cleaned = attrs.replace(/\s(width|height)="[^"]*"/g, '');
    return `<svg${cleaned} width="${width}" height="${height}">`;
  });
}

export interface PngLaunchOptions {
  /** The browser executable; else findBrowsers chooses (DIAGRAMS_BROWSER, PUPPETEER_EXECUTABLE_PATH, ...). */
  readonly executablePath?: string;
  /** The variables that choose the browser (default process.env). */
  readonly env?: NodeJS.ProcessEnv;
  /** What the browser search looks at (tests replace the system paths and the npm package). */
  readonly probe?: BrowserProbe;
  /**
   * Browsers (processes) rendering at the same time, 1 to 8 (default 1), one page each. Pages of
   * one browser do not render faster together (its one compositor captures in turn); separate
   * browsers do, on idle cores, at a launch each (docs/benchmarks.md). Every page is set up alike, so a PNG does not depend on the browser
   * that rendered it.
   */
  readonly browsers?: number;
}

interface Launched {
  readonly browser: Browser;
  readonly page: Page;
  readonly userDataDir: string;
}

/** A candidate made ready to launch: the npm Chromium unpacked, with what its launch needs. */
interface Ready {
  readonly candidate: BrowserCandidate;
  readonly executablePath: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly headless: true | 'shell';
  readonly extraArgs: readonly string[];
}

async function ready(candidate: BrowserCandidate): Promise<Ready> {
  if (candidate.npm === undefined) return { candidate, executablePath: candidate.executablePath!, headless: true, extraArgs: [] };
  const npm = await installNpmChromium(candidate.npm);
  return {
    candidate,
    executablePath: npm.executablePath,
    env: { ...process.env, ...npm.env },
    // A headless-shell build. Without a zygote (the process that forks renderers) it runs two
    // processes fewer; what it draws is the same.
    headless: 'shell',
    extraArgs: ['--no-zygote'],
  };
}

/** Prefix of the browser profile directories, in the temp dir. */
export const PROFILE_PREFIX = 'diagrams-chromium-';
/** The file in a profile directory that names its owner: `{"pid", "host", "browserPid"}`. */
export const OWNER_FILE = 'diagrams-owner.json';
/** A profile without an owner file is left alone this long (its launch may be writing it). */
const UNOWNED_GRACE_MS = 60_000;

/** Browsers launched by this process and not closed yet, with their profiles. */
const live = new Map<string, { browser?: Browser }>();

function writeOwner(dir: string, browserPid?: number): void {
  writeFileSync(join(dir, OWNER_FILE), JSON.stringify({ pid: process.pid, host: hostname(), ...(browserPid !== undefined ? { browserPid } : {}) }));
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** SIGKILL to a browser and the processes of its group (puppeteer starts it as a group leader). */
function killBrowser(pid: number): void {
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, 'SIGKILL');
    } catch {
      // gone already, or not a group
    }
  }
}

/** Whether `pid` is a browser using `profile` (its command line names the profile; Linux only, else false). */
function usesProfile(pid: number, profile: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(profile);
  } catch {
    return false;
  }
}

/**
 * Removes the profiles in `dir` left by runs that are gone: owner on this host and not running (its
 * browser, if still running with that profile, is killed first), or no owner file and older than a
 * minute. Returns the directories removed. Never fails: a profile it cannot read or remove stays.
 */
export function removeStaleProfiles(dir: string = tmpdir()): string[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.startsWith(PROFILE_PREFIX));
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const profile = join(dir, name);
    if (live.has(profile)) continue;
    let owner: { pid?: unknown; host?: unknown; browserPid?: unknown } | undefined;
    try {
      owner = JSON.parse(readFileSync(join(profile, OWNER_FILE), 'utf8')) as typeof owner;
    } catch {
      owner = undefined;
    }
    try {
      if (owner === undefined) {
        if (Date.now() - statSync(profile).mtimeMs < UNOWNED_GRACE_MS) continue;
      } else {
        if (owner.host !== hostname() || typeof owner.pid !== 'number' || isAlive(owner.pid)) continue;
        if (typeof owner.browserPid === 'number' && isAlive(owner.browserPid) && usesProfile(owner.browserPid, profile)) killBrowser(owner.browserPid);
      }
      rmSync(profile, { recursive: true, force: true });
      removed.push(profile);
    } catch {
      // left for a later run
    }
  }
  return removed;
}

/**
 * Kills every browser this process launched and removes their profiles, synchronously: for a
 * signal handler, when there is no time to close them politely.
 */
export function closeBrowsersNow(): void {
  for (const [profile, l] of live) {
    const pid = l.browser?.process()?.pid;
    if (pid !== undefined) killBrowser(pid);
    rmSync(profile, { recursive: true, force: true });
    live.delete(profile);
  }
}

async function launchOne(r: Ready): Promise<Launched> {
  removeStaleProfiles();
  const userDataDir = await mkdtemp(join(tmpdir(), PROFILE_PREFIX));
  const entry: { browser?: Browser } = {};
  live.set(userDataDir, entry);
  writeOwner(userDataDir);
  const { default: puppeteer } = await import('puppeteer-core');
  let browser: Browser;
  try {
    browser = await puppeteer.launch({
      executablePath: r.executablePath,
      headless: r.headless,
      userDataDir,
      args: [...LAUNCH_ARGS, ...r.extraArgs],
      // Over a pipe the browser sees its end close when this process dies, however it dies, and exits.
      pipe: true,
      ...(r.env !== undefined ? { env: r.env } : {}),
      timeout: 60_000,
    });
    entry.browser = browser;
    const browserPid = browser.process()?.pid;
    if (browserPid !== undefined) writeOwner(userDataDir, browserPid);
  } catch (e) {
    live.delete(userDataDir);
    await rm(userDataDir, { recursive: true, force: true });
    throw new GeneratorError('environment', `could not start the browser for PNG output: ${(e as Error).message}`, {
      subject: r.candidate.label,
      expected: 'a working Chromium or Chrome (or pass --no-png)',
    });
  }
  try {
    // The first tab (about:blank) is the page.
    const page = (await browser.pages())[0] ?? (await browser.newPage());
    return { browser, page, userDataDir };
  } catch (e) {
    await closeOne({ browser, userDataDir });
    throw new GeneratorError('environment', `could not open a browser page for PNG output: ${(e as Error).message}`, {
      subject: r.candidate.label,
      expected: 'a working Chromium or Chrome (or pass --no-png)',
    });
  }
}

/**
 * Launches the first candidate that starts. With one candidate its error is the error; with
 * several, one that fails to start is passed over, and when none starts the error lists them all.
 */
async function launchFirst(search: BrowserSearch): Promise<{ ready: Ready; launched: Launched }> {
  const failures: string[] = [];
  for (const candidate of search.candidates) {
    try {
      const r = await ready(candidate);
      return { ready: r, launched: await launchOne(r) };
    } catch (e) {
      if (search.candidates.length === 1) throw e;
      failures.push(`${candidate.label}: did not start: ${capped(reasonOf(e, candidate.label))}`);
    }
  }
  throw new GeneratorError('environment', `no browser for PNG output started; tried: ${[...search.tried, ...failures].join('; ')}`, {
    expected: 'a working Chromium or Chrome, chosen with DIAGRAMS_BROWSER or PUPPETEER_EXECUTABLE_PATH (or pass --no-png)',
  });
}

async function closeOne(l: { readonly browser: Browser; readonly userDataDir: string }): Promise<void> {
  try {
    await l.browser.close().catch(() => undefined);
  } finally {
    live.delete(l.userDataDir);
    await rm(l.userDataDir, { recursive: true, force: true });
  }
}

export class PngRenderer {
  private closed = false;
  /** Pages not rendering now, and renders waiting for one. */
  private readonly free: Page[];
  private readonly waiting: ((page: Page) => void)[] = [];
  /** Renders accepted and not settled (close waits for them). */
  private readonly running = new Set<Promise<unknown>>();

  /** `widen` calls under way (close waits for them: a browser that starts after close is closed). */
  private readonly widening = new Set<Promise<unknown>>();

  private constructor(
    private readonly launched: Launched[],
    /** What launched the first browser, for `widen`. */
    private readonly ready: Ready,
    /** The browser executable in use. */
    readonly executablePath: string,
    /** Where it was found. */
    readonly browser: BrowserCandidate,
  ) {
    this.free = launched.map((l) => l.page);
  }

  /** Browsers launched (and not closed). */
  get browsers(): number {
    return this.closed ? 0 : this.launched.length;
  }

  /** Renders waiting for a browser. */
  get queued(): number {
    return this.waiting.length;
  }

  /**
   * Launches one more browser of the same executable when at least `atLeast` renders wait, and
   * gives it the waiting renders in turn: for a run whose other work is done (D2 closed, a core
   * free) while many PNGs remain. Resolves to whether it launched one; a browser that fails to start
   * is not an error (the others go on).
   */
  async widen(atLeast: number): Promise<boolean> {
    if (this.closed || this.waiting.length < atLeast || this.launched.length >= 8) return false;
    const op = this.addBrowser();
    this.widening.add(op);
    try {
      return await op;
    } finally {
      this.widening.delete(op);
    }
  }

  private async addBrowser(): Promise<boolean> {
    let l: Launched;
    try {
      l = await launchOne(this.ready);
    } catch {
      return false;
    }
    if (this.closed) {
      await closeOne(l);
      return false;
    }
    this.launched.push(l);
    const next = this.waiting.shift();
    if (next !== undefined) next(l.page);
    else this.free.push(l.page);
    return true;
  }

  static async launch(opts: PngLaunchOptions = {}): Promise<PngRenderer> {
    const count = opts.browsers ?? 1;
    if (!Number.isInteger(count) || count < 1 || count > 8) {
      throw new GeneratorError('usage', `invalid number of browsers: ${count}`, { subject: 'browsers', expected: 'an integer from 1 to 8' });
    }
    const search = findBrowsers(opts.executablePath, opts.env ?? process.env, opts.probe);
    // The first launch picks the browser; the others start together with the one that started.
    const first = await launchFirst(search);
    const results = await Promise.allSettled(Array.from({ length: count - 1 }, () => launchOne(first.ready)));
    const ok = [first.launched, ...results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []))];
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      await Promise.all(ok.map(closeOne));
      throw failed.reason;
    }
    return new PngRenderer(ok, first.ready, first.ready.executablePath, first.ready.candidate);
  }

  /**
   * Renders an SVG to PNG bytes at 2x (lower for a large diagram, see scaleFor). Up to `browsers`
   * renders run at once, one per browser; further calls wait for a free one, in call order.
   */
  render(svg: string): Promise<Buffer> {
    if (this.closed) return Promise.reject(new GeneratorError('render', 'the PNG renderer is closed'));
    const job = (async () => {
      const page = this.free.pop() ?? (await new Promise<Page>((r) => this.waiting.push(r)));
      try {
        return await this.renderOn(page, svg);
      } finally {
        const next = this.waiting.shift();
        if (next !== undefined) next(page);
        else this.free.push(page);
      }
    })();
    this.running.add(job);
    void job.then(
      () => this.running.delete(job),
      () => this.running.delete(job),
    );
    return job;
  }

  private async renderOn(page: Page, svg: string): Promise<Buffer> {
    const { width: w, height: h } = svgSize(svg);
    const { width, height, deviceScaleFactor } = captureGeometry(w, h);
    await page.setViewport({ width, height, deviceScaleFactor });
    const html =
      '<!DOCTYPE html><html><head><meta charset="utf-8"><style>html,body{margin:0;padding:0;background:#fff}svg{display:block}</style></head><body>' +
      sizedSvg(svg, width, height) +
      '</body></html>';
    await page.setContent(html, { waitUntil: 'load' });
    await page.evaluate('document.fonts.ready.then(() => true)');
    const shot = await page.screenshot({
      type: 'png',
      clip: { x: 0, y: 0, width, height },
      omitBackground: false,
      captureBeyondViewport: false,
    });
    return stripAncillaryChunks(Buffer.from(shot));
  }

  /** Closes the browsers and removes their temporary profiles. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([...this.running, ...this.widening]);
    await Promise.all(this.launched.map(closeOne));
  }
}

// ─── PNG chunks ─────────────────────────────────────────────────────────────────────

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

interface Chunk {
  readonly type: string;
  readonly data: Buffer;
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (let i = 0; i < buf.length; i++) c = CRC_TABLE[(c ^ buf[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export function isPng(buf: Buffer): boolean {
  return buf.length >= 8 && buf.subarray(0, 8).equals(PNG_SIGNATURE);
}

function parseChunks(png: Buffer): Chunk[] {
  if (!isPng(png)) throw new GeneratorError('render', 'not a PNG: bad signature', { expected: 'PNG bytes' });
  const chunks: Chunk[] = [];
  let off = 8;
  while (off + 12 <= png.length) {
    const len = png.readUInt32BE(off);
    const type = png.toString('latin1', off + 4, off + 8);
    if (off + 12 + len > png.length) throw new GeneratorError('render', `truncated PNG chunk ${type}`, { expected: 'PNG bytes' });
    chunks.push({ type, data: png.subarray(off + 8, off + 8 + len) });
    off += 12 + len;
    if (type === 'IEND') break;
  }
  return chunks;
}

function encodeChunks(chunks: readonly Chunk[]): Buffer {
  const parts: Buffer[] = [PNG_SIGNATURE];
  for (const c of chunks) {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(c.data.length, 0);
    head.write(c.type, 4, 'latin1');
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), c.data])), 0);
    parts.push(head, c.data, crc);
  }
  return Buffer.concat(parts);
}

/** Width and height from the IHDR chunk. */
export function pngSize(png: Buffer): { width: number; height: number } {
  const ihdr = parseChunks(png).find((c) => c.type === 'IHDR');
  if (!ihdr) throw new GeneratorError('render', 'PNG without IHDR', { expected: 'PNG bytes' });
  return { width: ihdr.data.readUInt32BE(0), height: ihdr.data.readUInt32BE(4) };
}

/** Keeps only the chunks that carry the image (no time, no text, no colour-profile metadata). */
export function stripAncillaryChunks(png: Buffer): Buffer {
  const keep = new Set(['IHDR', 'PLTE', 'tRNS', 'IDAT', 'IEND']);
  return encodeChunks(parseChunks(png).filter((c) => keep.has(c.type)));
}

/** Returns a copy of `png` with a tEXt chunk `key` = `value` (replacing one of the same key), placed before IDAT. */
export function withPngTextChunk(png: Buffer, key: string, value: string): Buffer {
  if (!/^[\x20-\x7e\xa1-\xff]{1,79}$/.test(key) || key.startsWith(' ') || key.endsWith(' ')) {
    throw new GeneratorError('usage', `invalid PNG text keyword ${JSON.stringify(key)}`, {
      expected: '1-79 Latin-1 printable characters, no leading or trailing space',
    });
  }
  const chunks = parseChunks(png).filter((c) => !(c.type === 'tEXt' && textKey(c.data) === key));
  const text: Chunk = { type: 'tEXt', data: Buffer.concat([Buffer.from(key, 'latin1'), Buffer.from([0]), Buffer.from(value, 'latin1')]) };
  const firstIdat = chunks.findIndex((c) => c.type === 'IDAT');
  const at = firstIdat < 0 ? chunks.length - 1 : firstIdat;
  return encodeChunks([...chunks.slice(0, at), text, ...chunks.slice(at)]);
}

function textKey(data: Buffer): string {
  const z = data.indexOf(0);
  return data.toString('latin1', 0, z < 0 ? data.length : z);
}

/** The value of the tEXt (or zTXt) chunk `key`, or undefined. */
export function readPngTextChunk(png: Buffer, key: string): string | undefined {
  for (const c of parseChunks(png)) {
    if ((c.type === 'tEXt' || c.type === 'zTXt') && textKey(c.data) === key) {
      const z = c.data.indexOf(0);
      if (c.type === 'tEXt') return c.data.toString('latin1', z + 1);
      return inflateSync(c.data.subarray(z + 2)).toString('latin1');
    }
  }
  return undefined;
}

/** Exposed for tests: a tiny valid PNG (1x1 white). */
export function tinyPng(): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(1, 0);
  ihdr.writeUInt32BE(1, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  return encodeChunks([
    { type: 'IHDR', data: ihdr },
    { type: 'IDAT', data: deflateSync(Buffer.from([0, 255, 255, 255])) },
    { type: 'IEND', data: Buffer.alloc(0) },
  ]);
}
