/**
 * Renderers: D2 -> SVG (WASM, one instance for the file) and SVG -> PNG (one browser for the file).
 */

import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GeneratorError } from '../../diagrams/errors.ts';
import { D2Renderer } from '../../diagrams/render/d2.ts';
import {
  findBrowser,
  findBrowsers,
  isPng,
  MAX_PIXELS,
  TARGET_PIXELS,
  NO_BROWSER_MESSAGE,
  PngRenderer,
  pngSize,
  readPngTextChunk,
  scaleFor,
  svgSize,
  tinyPng,
  withPngTextChunk,
} from '../../diagrams/render/png.ts';
import { VIEWS } from '../../diagrams/views/index.ts';
import { DIAGRAMS } from '../../diagrams/views/types.ts';
import { evaluateRules } from '../../diagrams/compliance/rules/index.ts';
import { monoEstate } from '../fixtures/mono.ts';

/** The npm Chromium is an optional dependency for Linux x64: there `npm ci` installs it, and these tests need it. */
const npmChromiumHere = process.platform === 'linux' && process.arch === 'x64';
const systemBrowser = (() => {
  try {
    return findBrowser(undefined, { ...process.env, DIAGRAMS_BROWSER: 'system', PUPPETEER_EXECUTABLE_PATH: '' }).executablePath;
  } catch {
    return undefined;
  }
})();

let d2: D2Renderer;
let png: PngRenderer | undefined;

beforeAll(async () => {
  d2 = await D2Renderer.start();
}, 60_000);

afterAll(async () => {
  await png?.close();
  await d2.close();
});

describe('D2Renderer', () => {
  it('renders each view of the mono estate to an SVG with its labels', async () => {
    const estate = monoEstate();
    const findings = evaluateRules(estate, 'prod');
    // Names from the estate, one line of a label each (D2 splits labels into lines).
    const expected: Record<string, string[]> = {
      parameter_store_hierarchy: ['connection-string', 'mono-repo-parameter-store-key'],
      secrets_manager_integration: ['rds/master-password', 'finishSecret'],
      application_secrets_workflow: ['Risk API', 'risk-api-prod'],
      security_compliance_controls: ['SOC 2 Type II'],
    };
    // Issued at once: the renderer must queue them and give each its own result.
    const views = DIAGRAMS.map((name) => VIEWS[name]({ estate, stack: 'prod', findings }));
    const out = await Promise.all(views.map((v) => d2.render(v.d2!, `prod/${v.name}`)));
    out.forEach((svg, i) => {
      const name = views[i]!.name;
      expect(svg).toMatch(/<svg[^>]*viewBox=/);
      for (const label of expected[name]!) expect(svg.includes(label), `${name}: ${label}`).toBe(true);
      const title = (v: (typeof views)[number]) => v.title.replace(/'/g, '&#39;');
      expect(svg.includes(title(views[i]!))).toBe(true);
      // Each result is its own diagram's: no other view's title in it.
      expect(views.filter((v) => v.name !== name && svg.includes(title(v))).map((v) => v.name)).toEqual([]);
    });
  }, 60_000);

  it('gives the same SVG bytes for the same source', async () => {
    const src = 'a -> b: x\n';
    expect(await d2.render(src, 't')).toBe(await d2.render(src, 't'));
  }, 30_000);

  it('turns a D2 compile error into a GeneratorError naming the diagram and line, and keeps working', async () => {
    const err = await d2.render('a -> b\nc: {\n  d.shape: circlex\n}\n', 'prod/broken').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GeneratorError);
    const g = err as GeneratorError;
    expect(g.kind).toBe('render');
    expect(g.details.line).toBe(3);
    expect(g.message).toContain('prod/broken');
    expect(g.message).toContain('line 3');
    expect(g.message).toContain('circlex');
    expect(await d2.render('x -> y\n', 'after')).toContain('<svg');
  }, 30_000);
});

describe('PNG helpers', () => {
  it('reads the size of a D2 SVG from its viewBox', () => {
    expect(svgSize('<?xml version="1.0"?><svg xmlns="x" viewBox="0 0 255 495"><svg></svg></svg>')).toEqual({ width: 255, height: 495 });
    expect(() => svgSize('<html/>')).toThrow(GeneratorError);
  });

  it('scales at 2x up to the pixel target, then in quarter steps down to 1x, and always within the pixel cap', () => {
    // 1 MP of CSS pixels: 2x is exactly the target.
    expect(scaleFor(1250, 800)).toBe(2);
    expect(scaleFor(1250, 800) ** 2 * 1250 * 800).toBe(TARGET_PIXELS);
    // The widest built-in diagram (2520x1075): sqrt(4e6 / 2.709e6) = 1.22, to the nearest quarter 1.25.
    expect(scaleFor(2520, 1075)).toBe(1.25);
    // 1722x970: 1.54 -> 1.5.
    expect(scaleFor(1722, 970)).toBe(1.5);
    // Past 4 MP of CSS pixels: 1x, never less while under the cap.
    expect(scaleFor(2100, 2000)).toBe(1);
    expect(scaleFor(6000, 6000)).toBe(1);
    // Past the cap even at 1x: lowered below 1x to stay within it.
    const s = scaleFor(9000, 9000);
    expect(s).toBeLessThan(1);
    expect(9000 * 9000 * s * s).toBeLessThanOrEqual(MAX_PIXELS);
    // The target and the preference are parameters.
    expect(scaleFor(2520, 1075, 2, 100_000_000)).toBe(2);
    expect(scaleFor(2520, 1075, 1)).toBe(1);
  });

  it('round-trips a tEXt chunk and replaces one of the same key', () => {
    const base = tinyPng();
    const a = withPngTextChunk(base, 'source-sha256', 'abc');
    expect(isPng(a)).toBe(true);
    expect(readPngTextChunk(a, 'source-sha256')).toBe('abc');
    expect(readPngTextChunk(base, 'source-sha256')).toBeUndefined();
    const b = withPngTextChunk(a, 'source-sha256', 'def');
    expect(readPngTextChunk(b, 'source-sha256')).toBe('def');
    expect(b.length).toBe(a.length);
    expect(pngSize(b)).toEqual({ width: 1, height: 1 });
  });

  it('says how to get a browser when PUPPETEER_EXECUTABLE_PATH points nowhere', async () => {
    expect(() => findBrowser(undefined, { PUPPETEER_EXECUTABLE_PATH: '/nonexistent/chrome' })).toThrow(NO_BROWSER_MESSAGE);
    const err = await PngRenderer.launch({ executablePath: '/nonexistent/chrome' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GeneratorError);
    expect((err as GeneratorError).kind).toBe('environment');
    expect((err as GeneratorError).message).toContain('--no-png');
    expect((err as GeneratorError).message).toContain('/nonexistent/chrome');
  });
});

describe('finding the browser', () => {
  const noNpm = () => ({ unavailable: 'not installed (test)' });
  const fakePkg = () => ({ dir: '/nonexistent/npm-chromium', version: '1.2.3' });
  let tmp: string;
  let cache: string;
  let exe: string;
  let broken: string;
  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'render-test-'));
    cache = join(tmp, 'empty-cache');
    await mkdir(cache);
    exe = join(tmp, 'chromium');
    // A "browser" that exits at once: found, and fails to start.
    broken = join(tmp, 'broken-chromium');
    for (const f of [exe, broken]) await writeFile(f, '#!/bin/sh\nexit 1\n', { mode: 0o755 });
  });
  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it('when none is found, the error lists every place it looked and why each failed', () => {
    const env = { PUPPETEER_CACHE_DIR: cache, PATH: '' };
    const err = (() => {
      try {
        findBrowser(undefined, env, { systemPaths: ['/nonexistent/a', '/nonexistent/b'], npm: noNpm });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(GeneratorError);
    const msg = (err as GeneratorError).message;
    expect((err as GeneratorError).kind).toBe('environment');
    expect(msg).toContain(NO_BROWSER_MESSAGE);
    expect(msg).toContain('tried: PUPPETEER_EXECUTABLE_PATH: not set');
    expect(msg).toContain(`puppeteer cache ${cache}: no browser`);
    expect(msg).toContain('system /nonexistent/a: not found; system /nonexistent/b: not found');
    expect(msg).toContain('npm @sparticuz/chromium: not installed (test)');
    // The real search names the fixed system paths and PATH.
    const real = (() => {
      try {
        findBrowser(undefined, { ...env, DIAGRAMS_BROWSER: 'system' });
      } catch (e) {
        return (e as Error).message;
      }
      return 'found one';
    })();
    if (real !== 'found one') expect(real).toMatch(/system \/usr\/bin\/chromium: not found;.*on PATH: not found/);
  });

  it('tries puppeteer cache, system, npm in that order; PUPPETEER_EXECUTABLE_PATH and DIAGRAMS_BROWSER narrow it', () => {
    const env = { PUPPETEER_CACHE_DIR: cache, PATH: '' };
    const probe = { systemPaths: ['/nonexistent/a', exe], npm: fakePkg };
    expect(findBrowsers(undefined, env, probe).candidates.map((c) => c.label)).toEqual([`${exe} (system)`, '@sparticuz/chromium 1.2.3 (npm)']);
    expect(findBrowsers(undefined, { ...env, DIAGRAMS_BROWSER: 'npm' }, probe).candidates.map((c) => c.from)).toEqual(['npm']);
    expect(findBrowsers(undefined, { ...env, DIAGRAMS_BROWSER: 'system' }, probe).candidates.map((c) => c.executablePath)).toEqual([exe]);
    expect(findBrowsers(undefined, { ...env, DIAGRAMS_BROWSER: exe }, probe).candidates.map((c) => c.label)).toEqual([`${exe} (DIAGRAMS_BROWSER)`]);
    // PUPPETEER_EXECUTABLE_PATH comes first, whatever DIAGRAMS_BROWSER says.
    expect(findBrowsers(undefined, { ...env, DIAGRAMS_BROWSER: 'npm', PUPPETEER_EXECUTABLE_PATH: exe }, probe).candidates.map((c) => c.from)).toEqual(['PUPPETEER_EXECUTABLE_PATH']);
    // A choice that finds nothing does not fall back to the others.
    expect(() => findBrowsers(undefined, { ...env, DIAGRAMS_BROWSER: 'npm' }, { ...probe, npm: noNpm })).toThrow(/DIAGRAMS_BROWSER=npm: no Chromium.*tried: PUPPETEER_EXECUTABLE_PATH: not set; npm @sparticuz\/chromium: not installed \(test\)/);
    expect(() => findBrowsers(undefined, { ...env, DIAGRAMS_BROWSER: '/nonexistent/chrome' }, probe)).toThrow(/DIAGRAMS_BROWSER=\/nonexistent\/chrome: .*not an executable file/);
    const bad = (() => {
      try {
        findBrowsers(undefined, { ...env, DIAGRAMS_BROWSER: 'firefox' }, probe);
      } catch (e) {
        return e as GeneratorError;
      }
      return undefined;
    })();
    expect(bad?.kind).toBe('usage');
    expect(bad?.message).toBe('DIAGRAMS_BROWSER=firefox: unknown browser choice (expected auto, npm, system, puppeteer or the path of a Chromium or Chrome executable)');
  });

  it('passes over a browser that does not start for the next one; when none starts, lists them all', async () => {
    const env = { PUPPETEER_CACHE_DIR: cache, PATH: '' };
    const err = await PngRenderer.launch({ env, probe: { systemPaths: [broken, exe], npm: noNpm } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GeneratorError);
    const msg = (err as GeneratorError).message;
    expect(msg).toContain('no browser for PNG output started; tried: PUPPETEER_EXECUTABLE_PATH: not set;');
    expect(msg).toContain(`${broken} (system): did not start: could not start the browser for PNG output`);
    expect(msg).toContain(`${exe} (system): did not start:`);
    expect(msg).toContain('npm @sparticuz/chromium: not installed (test)');
  }, 60_000);

  it.runIf(npmChromiumHere)('falls through to the npm Chromium when a system browser does not start', async () => {
    const r = await PngRenderer.launch({ env: { PUPPETEER_CACHE_DIR: cache, PATH: '' }, probe: { systemPaths: [broken] } });
    try {
      expect(r.browser.from).toBe('npm');
      expect(isPng(await r.render('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 20 10"><rect width="20" height="10" fill="#00f"/></svg>'))).toBe(true);
    } finally {
      await r.close();
    }
  }, 60_000);
});

describe('PngRenderer', () => {
  it('renders an SVG to a PNG at 2x with no metadata chunks', async () => {
    png ??= await PngRenderer.launch();
    const svg = await d2.render('a -> b: reads\nb.shape: cylinder\n', 'small');
    const { width, height } = svgSize(svg);
    const bytes = await png.render(svg);
    expect(isPng(bytes)).toBe(true);
    const size = pngSize(bytes);
    expect(scaleFor(width, height)).toBe(2);
    expect(size).toEqual({ width: width * 2, height: height * 2 });
    expect(bytes.includes(Buffer.from('tIME'))).toBe(false);
    expect(bytes.includes(Buffer.from('tEXt'))).toBe(false);
    // The same SVG twice: the same bytes (same browser).
    expect((await png.render(svg)).equals(bytes)).toBe(true);
  }, 60_000);

  it('renders a large diagram at a lower scale, rounding a fractional size to the nearest pixel', async () => {
    png ??= await PngRenderer.launch();
    // As wide as the widest built-in diagram: 1.25x, 3150 x 1343.75 -> 1344.
    const svg = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 2520 1075"><rect x="10" y="10" width="2500" height="1055" fill="#eef" stroke="#000"/></svg>';
    expect(pngSize(await png.render(svg))).toEqual({ width: 3150, height: 1344 });
  }, 60_000);

  it('renders in several browsers at once: the bytes do not depend on the browser; close waits for renders in flight', async () => {
    const two = await PngRenderer.launch({ browsers: 2 });
    let closed = false;
    try {
      const a = await d2.render('x -> y: one\n', 'a');
      const b = await d2.render('p: {shape: cylinder}\np -> q -> r\n', 'b');
      // Four renders in two browsers: each SVG is rendered once in each browser (free pages are taken in turn).
      const jobs = [two.render(a), two.render(b), two.render(a), two.render(b)];
      const closing = two.close().then(() => (closed = true));
      const [a1, b1, a2, b2] = await Promise.all(jobs);
      await closing;
      expect(a1!.equals(a2!)).toBe(true);
      expect(b1!.equals(b2!)).toBe(true);
      expect(a1!.equals(b1!)).toBe(false);
      await expect(two.render(a)).rejects.toThrow(/closed/);
    } finally {
      if (!closed) await two.close();
    }
  }, 60_000);

  it('widens by a browser when enough renders wait: both take the waiting renders, the bytes do not change, close closes both', async () => {
    const r = await PngRenderer.launch();
    let closed = false;
    try {
      const a = await d2.render('x -> y: one\n', 'a');
      const alone = await r.render(a);
      const jobs = Array.from({ length: 24 }, () => r.render(a));
      expect(r.queued).toBe(23); // the first has the page
      expect(await r.widen(24)).toBe(false); // fewer wait
      expect(r.browsers).toBe(1);
      expect(await r.widen(2)).toBe(true);
      expect(r.browsers).toBe(2);
      const pngs = await Promise.all(jobs);
      expect(pngs.every((p) => p.equals(alone))).toBe(true);
      const closing = r.close();
      expect(await r.widen(0)).toBe(false); // closed: none launched
      await closing;
      closed = true;
      expect(r.browsers).toBe(0);
    } finally {
      if (!closed) await r.close();
    }
  }, 60_000);

  it.runIf(npmChromiumHere)('renders with the npm Chromium (DIAGRAMS_BROWSER=npm), the browser CI uses', async () => {
    const r = await PngRenderer.launch({ env: { ...process.env, DIAGRAMS_BROWSER: 'npm', PUPPETEER_EXECUTABLE_PATH: '' } });
    try {
      expect(r.browser.label).toMatch(/^@sparticuz\/chromium \d+\.\d+\.\d+ \(npm\)$/);
      const svg = await d2.render('a -> b: reads\n', 'npm');
      const { width, height } = svgSize(svg);
      expect(pngSize(await r.render(svg))).toEqual({ width: width * 2, height: height * 2 });
    } finally {
      await r.close();
    }
  }, 60_000);

  it.skipIf(systemBrowser === undefined)(`renders with a system browser (DIAGRAMS_BROWSER=system): ${systemBrowser ?? 'none on this machine'}`, async () => {
    const r = await PngRenderer.launch({ env: { ...process.env, DIAGRAMS_BROWSER: 'system', PUPPETEER_EXECUTABLE_PATH: '' } });
    try {
      expect(r.browser.from).toBe('system');
      const svg = await d2.render('a -> b: reads\n', 'system');
      const { width, height } = svgSize(svg);
      expect(pngSize(await r.render(svg))).toEqual({ width: width * 2, height: height * 2 });
    } finally {
      await r.close();
    }
  }, 60_000);

  it('rejects a browser count out of range before looking for a browser', async () => {
    await expect(PngRenderer.launch({ browsers: 0, executablePath: '/nonexistent/chromium' })).rejects.toThrow(/1 to 8/);
    await expect(PngRenderer.launch({ browsers: 1.5, executablePath: '/nonexistent/chromium' })).rejects.toThrow(/invalid number of browsers: 1.5/);
  });
});
