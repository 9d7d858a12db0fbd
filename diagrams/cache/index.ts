/**
 * Content-addressed render cache for SVG and PNG (and, through the same store, program graphs).
 *
 * The key is the sha256 of everything the output depends on: the source text (D2 or SVG), the
 * renderer's identity (package versions and the renderer's own code) and its options. Each entry is
 * stored as `<sha256 of payload>\n<payload>`, so a truncated or corrupt entry is detected, ignored
 * and rewritten on the next render. The cache is an optimisation only: every failure to read or
 * write it is silent and the renderer runs instead.
 */

import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';

export const DEFAULT_CACHE_DIR = path.join('node_modules', '.cache', 'mono-repo-diagrams');

export function cacheKey(...parts: readonly string[]): string {
  const h = createHash('sha256');
  for (const p of parts) {
    // Length-prefixed so that ('ab','c') and ('a','bc') differ.
    h.update(`${Buffer.byteLength(p)}:`).update(p);
  }
  return h.digest('hex');
}

/** `graph`: program graphs (diagrams/sources/program/cache.ts); `md`: rendered Markdown pages (diagrams/pipeline/index.ts); `run`: the run memo (diagrams/pipeline/memo.ts). */
export type CacheKind = 'svg' | 'png' | 'graph' | 'md' | 'run';

export interface RenderCacheStats {
  hits: number;
  misses: number;
  corrupt: number;
}

export class RenderCache {
  readonly stats: RenderCacheStats = { hits: 0, misses: 0, corrupt: 0 };

  /** `dir` undefined disables the cache. */
  constructor(readonly dir: string | undefined) {}

  private file(kind: string, key: string): string {
    return path.join(this.dir!, kind, key.slice(0, 2), `${key}.${kind}`);
  }

  async get(kind: CacheKind, key: string): Promise<Buffer | undefined> {
    if (this.dir === undefined) return undefined;
    let raw: Buffer;
    try {
      raw = await fs.readFile(this.file(kind, key));
    } catch {
      this.stats.misses++;
      return undefined;
    }
    const nl = raw.indexOf(0x0a);
    const payload = nl === 64 ? raw.subarray(65) : undefined;
    if (payload === undefined || createHash('sha256').update(payload).digest('hex') !== raw.subarray(0, 64).toString('latin1')) {
      this.stats.corrupt++;
      this.stats.misses++;
      return undefined;
    }
    this.stats.hits++;
    return payload;
  }

  /** Whether an entry exists (not verified: a corrupt one is found by `get`). */
  async has(kind: CacheKind, key: string): Promise<boolean> {
    if (this.dir === undefined) return false;
    try {
      await fs.access(this.file(kind, key));
      return true;
    } catch {
      return false;
    }
  }

  async put(kind: CacheKind, key: string, payload: Uint8Array): Promise<void> {
    if (this.dir === undefined) return;
    const target = this.file(kind, key);
    const tmp = `${target}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      await fs.mkdir(path.dirname(target), { recursive: true });
      const digest = createHash('sha256').update(payload).digest('hex');
      await fs.writeFile(tmp, Buffer.concat([Buffer.from(`${digest}\n`, 'latin1'), Buffer.from(payload)]));
      await fs.rename(tmp, target);
    } catch {
      await fs.rm(tmp, { force: true }).catch(() => undefined);
    }
  }
}
