/**
 * The fuzz harness (scripts/fuzz.ts): a short seeded run over the corpus and the built-in program's
 * exports finds no untyped crash, broken output invariant or hang; cases are reproducible; the
 * classifier, the shrinker and the hang detection do what the report says.
 */

import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GeneratorError } from '../../diagrams/errors.ts';
import { makeCase, OPERATORS } from '../../scripts/fuzz/mutate.ts';
import { crashSignature, loadPipeline, runCase, type PipelineEnv } from '../../scripts/fuzz/pipeline.ts';
import { loadSeeds, runFuzz, type FuzzOptions } from '../../scripts/fuzz/runner.ts';
import { shrink } from '../../scripts/fuzz/shrink.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'fuzz-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const options = (over: Partial<FuzzOptions>): FuzzOptions => ({
  seed: 'vitest',
  count: 100,
  workers: 2,
  timeoutMs: 5_000,
  reproDir: path.join(tmp, 'repro'),
  renderEvery: 0,
  program: true,
  shrinkAttempts: 100,
  shrinkMs: 10_000,
  ...over,
});

describe('fuzz run', () => {
  it('a seeded run of 2,000 mutations: no untyped crash, no broken invariant, no hang; every operator ran', async () => {
    const r = await runFuzz(options({ count: 2_000, reproDir: path.join(tmp, 'short') }));
    expect(r.failures.map((f) => `${f.kind}: ${f.signature} (case ${f.firstCase})`)).toEqual([]);
    expect([r.crashes, r.invariants, r.hangs]).toEqual([0, 0, 0]);
    expect(r.mutations).toBe(2_000);
    expect(r.accepted + r.refused).toBe(2_000);
    expect(r.accepted).toBeGreaterThan(500);
    expect(r.refused).toBeGreaterThan(200);
    for (const op of OPERATORS) expect([op, r.operators[op]!.cases > 0]).toEqual([op, true]);
    expect(existsSync(path.join(tmp, 'short'))).toBe(false);
  }, 180_000);

  it('a case still running at the timeout is reported as a hang, with a reproducer', async () => {
    const dir = path.join(tmp, 'hang');
    // No case finishes in a millisecond: each one times out twice.
    const r = await runFuzz(options({ count: 2, workers: 1, timeoutMs: 1, reproDir: dir, program: false }));
    expect(r.hangs).toBeGreaterThanOrEqual(1);
    const hang = r.failures.find((f) => f.kind === 'hang')!;
    expect(hang.reproducer).toBeDefined();
    expect(readdirSync(dir).some((f) => f.startsWith('hang-') && f.endsWith('.txt'))).toBe(true);
  }, 120_000);
});

describe('fuzz cases', () => {
  it('are a function of (seed, case number): the same bytes twice, others for other numbers and seeds', async () => {
    const { seeds, types } = await loadSeeds(false);
    const a = Array.from({ length: 50 }, (_, i) => makeCase(seeds, types, 's', i));
    const b = Array.from({ length: 50 }, (_, i) => makeCase(seeds, types, 's', i));
    expect(a.map((c) => c.bytes.equals(b[c.index]!.bytes) && c.ops.join() === b[c.index]!.ops.join())).toEqual(a.map(() => true));
    const other = Array.from({ length: 50 }, (_, i) => makeCase(seeds, types, 't', i));
    expect(other.filter((c, i) => c.bytes.equals(a[i]!.bytes)).length).toBeLessThan(10);
  });
});

describe('fuzz classification', () => {
  let real: PipelineEnv | undefined;
  const envThrowing = async (e: unknown): Promise<PipelineEnv> => {
    real ??= await loadPipeline(tmp);
    return { ...real, m: { ...real.m, sources: { ...real.m.sources, loadGraphs: async () => Promise.reject(e) } } };
  };
  const aCase = { index: 0, seed: { name: 'x.json', kind: 'state' as const, bytes: Buffer.from('{}') }, ops: [], bytes: Buffer.from('{}'), companions: [], canary: false };

  it('a GeneratorError is a refusal, anything else a crash signed by its class, message and top frames', async () => {
    expect((await runCase(await envThrowing(new GeneratorError('input', 'bad')), aCase)).outcome).toBe('refused');
    const crash = await runCase(await envThrowing(new TypeError("Cannot read properties of undefined (reading 'x') at 12")), aCase);
    expect(crash.outcome).toBe('crash');
    expect(crash.detail).toMatch(/^TypeError: Cannot read properties of undefined \(reading …\) at N \| /);
    const long = await runCase(await envThrowing(new GeneratorError('input', 'x', { subject: 'a'.repeat(300), expected: 'b'.repeat(500) })), aCase);
    expect(long.outcome).toBe('refused');
  });

  it('signatures ignore columns and quoted values, keep files and lines', () => {
    const e = new RangeError('Invalid string length "abc"');
    e.stack = 'RangeError: Invalid string length "abc"\n    at f (file:///x/y/diagrams/a.ts:10:5)\n    at node:internal/foo:1:1\n    at g (/x/y/diagrams/b.ts:20:7)';
    expect(crashSignature(e)).toBe('RangeError: Invalid string length … | f (diagrams/a.ts:10) | g (diagrams/b.ts:20)');
  });
});

describe('fuzz shrinking', () => {
  it('shrinks JSON as a tree to the part that fails', async () => {
    const doc = { a: Array.from({ length: 200 }, (_, i) => ({ i, pad: 'x'.repeat(50) })), b: { c: [1, 2, { d: 'BOOM here' }] }, e: 'y'.repeat(1_000) };
    const input = Buffer.from(JSON.stringify(doc));
    const fails = async (b: Buffer) => b.toString('utf8').includes('BOOM');
    const r = await shrink(input, fails, { attempts: 2_000, ms: 20_000 });
    expect(await fails(r.bytes)).toBe(true);
    expect(r.bytes.length).toBeLessThan(30);
  });

  it('shrinks other bytes by removing chunks', async () => {
    const input = Buffer.concat([Buffer.alloc(5_000, 0x41), Buffer.from([0xff, 0xfe]), Buffer.alloc(3_000, 0x42)]);
    const fails = async (b: Buffer) => b.includes(Buffer.from([0xff, 0xfe]));
    const r = await shrink(input, fails, { attempts: 5_000, ms: 20_000 });
    expect(r.bytes).toEqual(Buffer.from([0xff, 0xfe]));
  });
});
