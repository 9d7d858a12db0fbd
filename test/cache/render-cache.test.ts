import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cacheKey, RenderCache } from '../../diagrams/cache/index.ts';

let dir: string;
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cache-'));
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

async function findEntry(root: string): Promise<string> {
  const [sub] = await fs.readdir(path.join(root, 'svg'));
  const [f] = await fs.readdir(path.join(root, 'svg', sub!));
  return path.join(root, 'svg', sub!, f!);
}

describe('RenderCache', () => {
  it('keys depend on every part and on where parts split', () => {
    expect(cacheKey('a', 'b')).toBe(cacheKey('a', 'b'));
    expect(cacheKey('ab', 'c')).not.toBe(cacheKey('a', 'bc'));
    expect(cacheKey('x', 'd2 0.1.33')).not.toBe(cacheKey('x', 'd2 0.1.34'));
  });

  it('returns what was put, and nothing for an unknown key', async () => {
    const c = new RenderCache(dir);
    const k = cacheKey('src');
    expect(await c.get('svg', k)).toBeUndefined();
    await c.put('svg', k, Buffer.from('<svg/>'));
    expect((await c.get('svg', k))?.toString()).toBe('<svg/>');
    expect(c.stats).toMatchObject({ hits: 1, misses: 1 });
  });

  it('ignores a corrupt entry, and a later put rewrites it', async () => {
    const c = new RenderCache(dir);
    const k = cacheKey('src');
    await c.put('svg', k, Buffer.from('<svg>full</svg>'));
    const file = await findEntry(dir);
    const raw = await fs.readFile(file);
    await fs.writeFile(file, raw.subarray(0, raw.length - 3)); // truncated
    expect(await c.get('svg', k)).toBeUndefined();
    expect(c.stats.corrupt).toBe(1);
    await c.put('svg', k, Buffer.from('<svg>full</svg>'));
    expect((await c.get('svg', k))?.toString()).toBe('<svg>full</svg>');
  });

  it('is a no-op when disabled', async () => {
    const c = new RenderCache(undefined);
    await c.put('png', 'k', Buffer.from('x'));
    expect(await c.get('png', 'k')).toBeUndefined();
  });
});
