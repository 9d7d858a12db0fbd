/**
 * Renderers: D2 -> SVG (WASM, one instance for the file) and SVG -> PNG (one browser for the file).
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GeneratorError } from '../../diagrams/errors.ts';
import { D2Renderer } from '../../diagrams/render/d2.ts';
import {
  findBrowser,
  isPng,
  MAX_PIXELS,
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
import { fixtureEstate, fixtureFindings } from '../views/fixture-estate.ts';

let d2: D2Renderer;
let png: PngRenderer | undefined;
const svgs = new Map<string, string>();

beforeAll(async () => {
  d2 = await D2Renderer.start();
}, 60_000);

afterAll(async () => {
  await png?.close();
  await d2.close();
});

describe('D2Renderer', () => {
  it('renders each view of the fixture estate to an SVG with its labels', async () => {
    const estate = fixtureEstate();
    const findings = fixtureFindings('prod');
    const expected: Record<string, string[]> = {
      parameter_store_hierarchy: ['/mono-repo/prod/', 'connection-string', 'ByPath, startup', 'read at startup: GetParametersByPath'],
      secrets_manager_integration: ['rds/master-password', 'finishSecret', 'rotates every 30 d'],
      application_secrets_workflow: ['Risk API', 'GetSecretValue (cached)', 'How a rotation reaches the services'],
      security_compliance_controls: ['Audit role cannot read secret values', 'SOC 2 Type II'],
    };
    // Issued at once: the renderer must queue them and give each its own result.
    const views = DIAGRAMS.map((name) => VIEWS[name]({ estate, stack: 'prod', findings }));
    const out = await Promise.all(views.map((v) => d2.render(v.d2, `prod/${v.name}`)));
    out.forEach((svg, i) => {
      const name = views[i]!.name;
      svgs.set(name, svg);
      expect(svg).toMatch(/<svg[^>]*viewBox=/);
      for (const label of expected[name]!) expect(svg, `${name}: ${label}`).toContain(label.replace(/&/g, '&amp;'));
      expect(svg).toContain(views[i]!.title.replace(/'/g, '&#39;'));
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

  it('scales at 2x, lowered to stay within the pixel cap', () => {
    expect(scaleFor(2000, 1500)).toBe(2);
    const s = scaleFor(6000, 6000);
    expect(s).toBeLessThan(2);
    expect(6000 * 6000 * s * s).toBeLessThanOrEqual(MAX_PIXELS);
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

describe('PngRenderer', () => {
  let browser: string | undefined;
  try {
    browser = findBrowser();
  } catch {
    browser = undefined;
  }
  it.skipIf(!browser)('renders an SVG to a PNG at 2x with no metadata chunks', async () => {
    png ??= await PngRenderer.launch();
    const svg = await d2.render('a -> b: reads\nb.shape: cylinder\n', 'small');
    const { width, height } = svgSize(svg);
    const bytes = await png.render(svg);
    expect(isPng(bytes)).toBe(true);
    const size = pngSize(bytes);
    expect(size.width).toBe(width * scaleFor(width, height));
    expect(size.height).toBe(height * scaleFor(width, height));
    expect(bytes.includes(Buffer.from('tIME'))).toBe(false);
    expect(bytes.includes(Buffer.from('tEXt'))).toBe(false);
    // The same SVG twice: the same bytes (same browser).
    expect((await png.render(svg)).equals(bytes)).toBe(true);
  }, 60_000);

  it.skipIf(!browser)('renders on several pages at once: the bytes do not depend on the page; close waits for renders in flight', async () => {
    const two = await PngRenderer.launch({ pages: 2 });
    let closed = false;
    try {
      const a = await d2.render('x -> y: one\n', 'a');
      const b = await d2.render('p: {shape: cylinder}\np -> q -> r\n', 'b');
      // Four renders on two pages: each SVG is rendered once on each page (free pages are taken in turn).
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

  it('rejects a page count out of range before looking for a browser', async () => {
    await expect(PngRenderer.launch({ pages: 0, executablePath: '/nonexistent/chromium' })).rejects.toThrow(/1 to 8/);
  });
});
