/** The real components (diagrams/pipeline/components.ts): what keys the caches, when a program run is foreseen, PNG tagging. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { PNG_SOURCE_KEY, productionComponents } from '../../diagrams/pipeline/components.ts';
import { readPngTextChunk, tinyPng } from '../../diagrams/render/png.ts';
import { tempDir } from '../fixtures/tree.ts';

let dir: string;
beforeEach(async () => {
  dir = await tempDir('pipeline-components-');
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('productionComponents', () => {
  it('names the D2 version and renderer code in the SVG identity, and the browser as it is on disk in the PNG identity', async () => {
    const c = await productionComponents();
    expect(await c.svgIdentity()).toMatch(/^@terrastruct\/d2@\d+\.\d+\.\d+ d2\.ts:[0-9a-f]{16}$/);
    const chrome = path.join(dir, 'chrome');
    await fs.writeFile(chrome, '#!/bin/sh\n', { mode: 0o755 });
    const before = process.env.PUPPETEER_EXECUTABLE_PATH;
    try {
      process.env.PUPPETEER_EXECUTABLE_PATH = chrome;
      const one = await c.pngIdentity();
      expect(one).toMatch(/^puppeteer-core@\d+\.\d+\.\d+ png\.ts:[0-9a-f]{16} browser:/);
      expect(one).toContain(` browser:${chrome} `);
      // Upgraded in place: same path, another browser.
      await fs.writeFile(chrome, '#!/bin/sh\n# v2\n', { mode: 0o755 });
      expect(await c.pngIdentity()).not.toBe(one);
      process.env.PUPPETEER_EXECUTABLE_PATH = path.join(dir, 'missing');
      expect(await c.pngIdentity()).toMatch(/ browser:none$/);
    } finally {
      if (before === undefined) delete process.env.PUPPETEER_EXECUTABLE_PATH;
      else process.env.PUPPETEER_EXECUTABLE_PATH = before;
    }
    // The recorded source of a PNG does not depend on the machine.
    expect(await c.pngSettings!()).not.toContain(dir);
  });

  it('records the SVG hash inside a PNG', async () => {
    const c = await productionComponents();
    await c.pngSettings!(); // loads the PNG module, as a run that has a PNG to tag does
    expect(readPngTextChunk(c.tagPng!(tinyPng(), 'abc123'), PNG_SOURCE_KEY)).toBe('abc123');
  });

  it('foresees a program run only for a program source that is not cached', async () => {
    const c = await productionComponents();
    for (const source of [{ state: ['a.json'] }, { preview: ['p.json'] }, { backend: 'file://x' }, { live: true }]) expect(await c.willRunProgram!(source)).toBe(false);
    // A directory without Pulumi.<stack>.yaml: nothing to run.
    expect(await c.willRunProgram!({ program: dir })).toBe(false);
    await fs.writeFile(path.join(dir, 'Pulumi.yaml'), 'name: p\nruntime: nodejs\n');
    await fs.writeFile(path.join(dir, 'Pulumi.dev.yaml'), 'config: {}\n');
    expect(await c.willRunProgram!({ program: dir })).toBe(true);
  });
});
