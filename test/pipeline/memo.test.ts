/**
 * The run memo (diagrams/pipeline/memo.ts) through generate and check, with stand-in renderers and
 * a stand-in source that counts its loads: a run with the same input files, generator and options,
 * whose outputs are as the last run left them, loads nothing and renders nothing; any change to an
 * input, an option or an output, or another run's lock, makes it do the whole run again.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { check, generate, type PipelineOptions } from '../../diagrams/pipeline/index.ts';
import { LOCK_NAME } from '../../diagrams/writer/index.ts';
import { snapshot, tempDir } from '../fixtures/tree.ts';
import { components, options, zero, type Counters } from './helpers.ts';

let dir: string;
let input: string;
beforeEach(async () => {
  dir = await tempDir('memo-');
  input = path.join(dir, 'dev.json');
  await fs.writeFile(input, '{"stand-in": "the source below ignores it; the memo hashes it"}\n');
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

/** A run from `input` (state file), counting the loads of its source and its renders. */
function counted(extra: Partial<PipelineOptions> = {}) {
  const n: Counters & { loads: number } = { ...zero(), loads: 0 };
  const base = components(n);
  const c = { ...base, loadGraphs: async (o: Parameters<typeof base.loadGraphs>[0]) => (n.loads++, base.loadGraphs(o)) };
  return { n, c, opts: options(dir, { source: { state: [input] }, ...extra }) };
}

const out = (...p: string[]) => path.join(dir, 'out', ...p);

describe('the run memo', () => {
  it('answers a second run with the same inputs, and check, without loading or rendering', async () => {
    const first = counted();
    const r1 = await generate(first.opts, first.c);
    expect(first.n).toMatchObject({ loads: 1, svgRenders: 8, pngRenders: 8 });
    const before = await snapshot(out());
    const second = counted();
    const logs: string[] = [];
    const r2 = await generate({ ...second.opts, log: (m) => logs.push(m) }, second.c);
    expect(second.n).toEqual({ ...zero(), loads: 0 });
    expect([...r2.unchanged].sort()).toEqual([...r1.written].sort());
    expect(r2.written).toEqual([]);
    // The memo keeps what --fail-on reads of each finding: rule, severity and status.
    const verdicts = (f: typeof r1.rendered.findings) => Object.fromEntries(Object.entries(f).map(([s, fs]) => [s, fs.map(({ ruleId, severity, status }) => ({ ruleId, severity, status }))]));
    expect(r2.rendered.findings).toEqual(verdicts(r1.rendered.findings));
    expect(Object.values(r2.rendered.findings).flat().some((f) => f.status === 'not-met')).toBe(true);
    expect(r2.rendered.stats).toEqual({ svgRendered: 0, pngRendered: 0, reused: 16 });
    expect(logs).toEqual([`nothing changed since the last run (the same inputs, generator and options; its ${r1.written.length} files as it left them)`]);
    expect(await snapshot(out())).toEqual(before);
    const checked = counted();
    expect((await check(checked.opts, checked.c)).problems).toEqual([]);
    expect(checked.n.loads).toBe(0);
  });

  it('runs again, and mends the outputs, when an output was edited or removed', async () => {
    const first = counted();
    await generate(first.opts, first.c);
    const page = await fs.readFile(out('prod', 'README.md'), 'utf8');
    await fs.appendFile(out('prod', 'README.md'), 'edited\n');
    const checked = counted();
    expect((await check(checked.opts, checked.c)).problems.map((p) => p.kind)).toEqual(['out-of-date']);
    expect(checked.n.loads).toBe(1);
    const edited = counted();
    await generate(edited.opts, edited.c);
    expect(edited.n.loads).toBe(1);
    expect(await fs.readFile(out('prod', 'README.md'), 'utf8')).toBe(page);
    await fs.rm(out('dev', 'parameter_store_hierarchy.png'));
    const removed = counted();
    const r = await generate(removed.opts, removed.c);
    expect(removed.n.loads).toBe(1);
    expect(r.written).toEqual(['dev/parameter_store_hierarchy.png']);
  });

  it('runs again when an input file, the formats or --out change', async () => {
    const first = counted();
    await generate(first.opts, first.c);
    await fs.appendFile(input, ' ');
    const changed = counted();
    await generate(changed.opts, changed.c);
    expect(changed.n.loads).toBe(1);
    const formats = counted({ formats: ['svg', 'md'] });
    await generate(formats.opts, formats.c);
    expect(formats.n.loads).toBe(1);
    const elsewhere = counted({ out: path.join(dir, 'elsewhere') });
    await generate(elsewhere.opts, elsewhere.c);
    expect(elsewhere.n.loads).toBe(1);
  });

  it("does not answer while a lock is there: the writer deals with it as ever (here, a dead run's, taken over)", async () => {
    const first = counted();
    await generate(first.opts, first.c);
    await fs.writeFile(out(LOCK_NAME), JSON.stringify({ pid: 2 ** 22 + 1, host: os.hostname(), started: 'then' }));
    const locked = counted();
    const logs: string[] = [];
    await generate({ ...locked.opts, log: (m) => logs.push(m) }, locked.c);
    expect(locked.n.loads).toBe(1);
    expect(logs.some((m) => m.includes('lock'))).toBe(true);
  });

  it('has no memo without a cache directory, or for a source that is not a file', async () => {
    for (const extra of [{ cacheDir: undefined }, { source: {} }, { source: { state: ['-'] } }]) {
      const first = counted(extra);
      await generate(first.opts, first.c);
      const second = counted(extra);
      await generate(second.opts, second.c);
      expect(second.n.loads, JSON.stringify(extra)).toBe(1);
    }
  });

  it('runs again when the --inject file was edited outside its section', async () => {
    const doc = path.join(dir, 'ARCH.md');
    await fs.writeFile(doc, '# Ours\n\n<!-- BEGIN_ARCHITECTURE_DOCS -->\n<!-- END_ARCHITECTURE_DOCS -->\n');
    const first = counted({ inject: doc });
    await generate(first.opts, first.c);
    const same = counted({ inject: doc });
    await generate(same.opts, same.c);
    expect(same.n.loads).toBe(0);
    await fs.appendFile(doc, 'More of ours.\n');
    const edited = counted({ inject: doc });
    await generate(edited.opts, edited.c);
    expect(edited.n.loads).toBe(1);
    expect(await fs.readFile(doc, 'utf8')).toMatch(/END_ARCHITECTURE_DOCS -->\nMore of ours\.\n$/);
  });
});
