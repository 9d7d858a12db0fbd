/**
 * Exit 4: an error that is not a GeneratorError is a bug. The CLI runs in-process (main() is what
 * the process entry calls) with one stage of the pipeline replaced by a failing one through
 * vi.mock, so that no test-only switch is needed in the product.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { main } from '../../diagrams/cli.ts';
import { CORPUS_DIR } from '../corpus.ts';
import { snapshot, tempDir } from '../fixtures/tree.ts';

const bug = vi.hoisted(() => ({ on: false, message: "Cannot read properties of undefined (reading 'arn')" }));

vi.mock('../../diagrams/json/estate-json.ts', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../diagrams/json/estate-json.ts')>();
  return {
    ...real,
    estateJson: (...args: Parameters<typeof real.estateJson>) => {
      if (bug.on) throw new TypeError(bug.message);
      return real.estateJson(...args);
    },
    // What `generate` writes (check compares estateJson's text).
    estateJsonBytes: (...args: Parameters<typeof real.estateJsonBytes>) => {
      if (bug.on) throw new TypeError(bug.message);
      return real.estateJsonBytes(...args);
    },
  };
});

const STATE = `${CORPUS_DIR}/pulumi-aws-kms-key-export.json`;
let dir: string;
let stderr: string[];
const env = process.env.DIAGRAMS_CACHE_DIR;

beforeAll(() => {
  process.env.DIAGRAMS_CACHE_DIR = 'off';
});
afterAll(() => {
  if (env === undefined) delete process.env.DIAGRAMS_CACHE_DIR;
  else process.env.DIAGRAMS_CACHE_DIR = env;
});
beforeEach(async () => {
  dir = await tempDir('cli-internal-');
  bug.on = false;
  bug.message = "Cannot read properties of undefined (reading 'arn')";
  stderr = [];
  vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => (stderr.push(String(s)), true));
});
afterEach(async () => {
  vi.restoreAllMocks();
  await fs.rm(dir, { recursive: true, force: true });
});

const args = (cmd: string, out: string) => [cmd, '--state', STATE, '--out', out, '--format', 'md,json', '--quiet'];

describe('an internal error', () => {
  it('exits 4 with a message that says it is a bug, and writes nothing', async () => {
    const out = path.join(dir, 'out');
    expect(await main(args('generate', out))).toBe(0);
    const before = await snapshot(out);
    bug.on = true;
    expect(await main(args('generate', out))).toBe(4);
    expect(stderr.join('')).toBe("diagrams: internal error (a bug: please report it with this message): Cannot read properties of undefined (reading 'arn')\n");
    expect(await snapshot(out)).toEqual(before);
    // Into a new directory: not even the directory is created.
    expect(await main(args('generate', path.join(dir, 'new')))).toBe(4);
    expect(await fs.readdir(dir)).toEqual(['out']);
  });

  it('exits 4 in check mode too', async () => {
    const out = path.join(dir, 'out');
    expect(await main(args('generate', out))).toBe(0);
    bug.on = true;
    expect(await main(args('check', out))).toBe(4);
    expect(stderr.join('')).toMatch(/^diagrams: internal error \(a bug: please report it with this message\): /);
  });

  it('quotes at most a line of about 200 characters of the error', async () => {
    bug.on = true;
    bug.message = `${'x'.repeat(5_000_000)}\nsecond line`;
    expect(await main(args('generate', path.join(dir, 'out')))).toBe(4);
    const text = stderr.join('');
    expect(text).toBe(`diagrams: internal error (a bug: please report it with this message): ${'x'.repeat(200)}…\n`);
  });
});
