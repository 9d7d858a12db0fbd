/**
 * Messages stay bounded whatever the input: GeneratorError caps what it quotes and escapes control
 * characters; the backend reader quotes a megabyte-long `--stack` capped.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GeneratorError, QUOTE_LIMIT, describeInput, quoteInput } from '../../diagrams/errors.ts';
import { findBackendStack } from '../../diagrams/sources/backend.ts';
import { rejection, tempDir } from './helpers.ts';

const dir = tempDir('e3-bounded-');
const MB5 = 5_000_000;
const BOUND = 2_000;

async function timed<T>(f: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const t0 = performance.now();
  const value = await f();
  return { value, ms: performance.now() - t0 };
}

describe('bounded messages', () => {
  it('a 5 MB --stack for a file backend: refused quickly, message bounded', async () => {
    const backend = join(dir, 'backend');
    mkdirSync(join(backend, '.pulumi', 'stacks', 'proj'), { recursive: true });
    writeFileSync(join(backend, '.pulumi', 'stacks', 'proj', 'dev.json'), '{}');
    for (const unit of ['|', '\\', 'a/']) {
      const name = unit.repeat(MB5 / unit.length);
      const { value: e, ms } = await timed(() => rejection(findBackendStack(backend, name)));
      expect(ms).toBeLessThan(5_000); // the old validation took 8-12 s; linear now (milliseconds)
      expect(e.message).toContain('in the backend');
      expect(e.message).toContain('one of the stacks that exist: proj/dev');
      expect(e.message.length).toBeLessThan(BOUND);
    }
  });

  it('GeneratorError caps subject, JSON path, expected and message whatever the caller passes', () => {
    const huge = 'x'.repeat(MB5);
    const e = new GeneratorError('input', `bad ${huge}`, { subject: huge, jsonPath: huge, expected: huge });
    expect(e.message.length).toBeLessThan(BOUND);
    expect(e.details.subject!.length).toBe(QUOTE_LIMIT + 1);
    expect(e.details.subject!.endsWith('…')).toBe(true);
    expect(e.details.jsonPath!.length).toBe(QUOTE_LIMIT + 1);
  });

  it('control characters and lone surrogates are escaped in every part of a message', () => {
    const e = new GeneratorError('input', 'bad \u001b[2J\u0000 value\nnext line', { subject: 'f\u001b.json', jsonPath: '$.a\ud800', expected: 'x\u0007' });
    expect(e.message).toBe('f\\u001b.json at $.a\\ud800: bad \\u001b[2J\\u0000 value\nnext line (expected x\\u0007)');
  });

  it('quoteInput and describeInput never print more than their limit, nor walk a value', () => {
    expect(quoteInput('y'.repeat(MB5)).length).toBeLessThan(QUOTE_LIMIT + 4);
    expect(quoteInput('ab\ud83d\ude80cd', 3)).toBe('"ab…"');
    let deep: unknown = 'leaf';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(describeInput(deep)).toBe('an array of 1 item');
    expect(describeInput({ a: 1 })).toBe('an object');
    expect(describeInput('z'.repeat(1000))).toBe(`"${'z'.repeat(40)}…"`);
    expect(describeInput(undefined)).toBe('nothing');
  });
});
