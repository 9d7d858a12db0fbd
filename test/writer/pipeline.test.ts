/** The pipeline passes on what the writer did besides writing: kept stale files, lock take-over, recovery. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ResourceGraph } from '../../diagrams/graph/types.ts';
import { generate, type Components } from '../../diagrams/pipeline.ts';
import { fakeCost, fakeFindings, fakeViews, makeEstate } from '../docs/fixture.ts';
import { tempDir } from './helpers/tree.ts';

let dir: string;
beforeEach(async () => {
  dir = await tempDir('writer-pipeline-');
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

function components(stacks: string[]): Components {
  const estate = makeEstate();
  const unused = async (): Promise<never> => {
    throw new Error('no render with --format md');
  };
  return {
    loadGraphs: async () => stacks.map((s) => ({ stack: { stack: s } }) as unknown as ResourceGraph),
    buildEstate: () => estate,
    evaluateRules: (_e, s) => fakeFindings(s),
    failsAt: () => false,
    estimateCost: (_e, s) => fakeCost(s),
    views: fakeViews,
    startSvg: unused,
    launchPng: unused,
    svgIdentity: async () => 'svg',
    pngIdentity: async () => 'png',
  };
}

describe('generate', () => {
  it('logs a stale page kept because it was edited, and a stale lock taken over', async () => {
    const out = path.join(dir, 'out');
    await generate({ source: {}, out, formats: ['md'] }, components(['dev', 'prod']));
    await fs.appendFile(path.join(out, 'dev', 'README.md'), 'my notes\n');
    await fs.writeFile(path.join(out, '.generated.lock'), JSON.stringify({ pid: 2 ** 22 + 1, host: os.hostname(), started: 'then' }));
    const lines: string[] = [];
    const r = await generate({ source: {}, out, formats: ['md'], log: (m) => lines.push(m) }, components(['prod']));
    expect(r.kept.map((k) => k.path)).toEqual(['dev/README.md']);
    expect(lines).toContain(`took over the lock ${out}/.generated.lock: its owner (pid ${2 ** 22 + 1} on ${JSON.stringify(os.hostname())}, since then) no longer runs`);
    expect(lines).toContain(`kept dev/README.md in ${out}: ${r.kept[0]!.reason}`);
    expect(await fs.readFile(path.join(out, 'dev', 'README.md'), 'utf8')).toMatch(/my notes\n$/);
  });
});
