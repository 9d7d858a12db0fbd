/**
 * PNGs of diagrams at and over the 60-megapixel cap are the same bytes from run to run. Slow (a
 * capture of 60 megapixels takes seconds, two browser launches): runs with DIAGRAMS_SLOW_TESTS=1 and
 * a browser (PUPPETEER_EXECUTABLE_PATH, or the machine's). The geometry test always runs.
 */

import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { captureGeometry, MAX_PIXELS, PngRenderer, pngSize, scaleFor } from '../../diagrams/render/png.ts';

/** A diagram-like SVG: boxes with text and curves over the whole area. */
function bigSvg(w: number, h: number): string {
  let body = '';
  for (let y = 0; y < h; y += 250) {
    for (let x = 0; x < w; x += 400) {
      body += `<rect x="${x + 10}" y="${y + 10}" width="360" height="200" rx="12" fill="#eef" stroke="#336" stroke-width="2"/><text x="${x + 30}" y="${y + 110}" font-family="sans-serif" font-size="18">node ${x},${y}</text><path d="M${x + 370} ${y + 110} C ${x + 390} ${y + 140}, ${x + 400} ${y + 160}, ${x + 430} ${y + 360}" stroke="#a33" fill="none"/>`;
    }
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${w} ${h}">${body}</svg>`;
}

describe('capture geometry', () => {
  it('never captures at a device scale below 1: a diagram over the cap is drawn smaller at 1x', () => {
    expect(scaleFor(9_000, 9_000)).toBeLessThan(1);
    const g = captureGeometry(9_000, 9_000);
    expect(g.deviceScaleFactor).toBe(1);
    expect(g.width * g.height).toBeLessThanOrEqual(MAX_PIXELS);
    expect(g.width * g.height).toBeGreaterThan(MAX_PIXELS * 0.97);
    expect(captureGeometry(3_000, 2_000)).toEqual({ width: 3_000, height: 2_000, deviceScaleFactor: scaleFor(3_000, 2_000) });
  });
});

describe.skipIf(process.env.DIAGRAMS_SLOW_TESTS !== '1')('PNGs near the 60-megapixel cap (DIAGRAMS_SLOW_TESTS=1)', () => {
  it('are byte-identical across renders and browser launches', async () => {
    const svg = bigSvg(9_000, 9_000);
    const hashes: string[] = [];
    for (let launch = 0; launch < 2; launch++) {
      const r = await PngRenderer.launch();
      try {
        for (let i = 0; i < 2; i++) {
          const png = await r.render(svg);
          const { width, height } = pngSize(png);
          expect(width * height).toBeLessThanOrEqual(MAX_PIXELS);
          hashes.push(createHash('sha256').update(png).digest('hex'));
        }
      } finally {
        await r.close();
      }
    }
    expect(new Set(hashes).size).toBe(1);
  }, 300_000);
});
