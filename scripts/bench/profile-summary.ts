/**
 * Summarises a V8 CPU profile (`node --cpu-prof`): the functions with the most self time and the
 * most inclusive time, with file and line, so that a slow stage can be traced to its code.
 *
 *   npx tsx scripts/bench/profile-summary.ts <file.cpuprofile> [--top 25] [--filter diagrams/]
 *
 * tsx loads TypeScript with esbuild's whitespace minifier, so every frame of a `.ts` file sits on
 * line 1 of the code V8 ran; the line shown is the source line, found by transforming the file the
 * same way (esbuild, `minifyWhitespace`, `keepNames`) and reading the column through the source map.
 * A file that changed since the profile was taken maps wrongly.
 */

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { transformSync } from 'esbuild';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface Row {
  readonly fn: string;
  readonly selfMs: number;
  readonly totalMs: number;
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** The source line (0-based) of each generated column of line 0, from a source map's `mappings`. */
function firstLineColumns(mappings: string): { col: number; line: number }[] {
  const out: { col: number; line: number }[] = [];
  const line0 = mappings.split(';')[0] ?? '';
  let col = 0;
  let srcLine = 0;
  for (const seg of line0.split(',')) {
    const values: number[] = [];
    let shift = 0;
    let value = 0;
    for (const ch of seg) {
      const digit = B64.indexOf(ch);
      value += (digit & 31) << shift;
      if (digit & 32) shift += 5;
      else {
        values.push(value & 1 ? -(value >>> 1) : value >>> 1);
        shift = 0;
        value = 0;
      }
    }
    if (values.length === 0) continue;
    col += values[0]!;
    if (values.length >= 3) srcLine += values[2]!;
    out.push({ col, line: srcLine });
  }
  return out;
}

const lineMaps = new Map<string, { col: number; line: number }[] | undefined>();

/** The 1-based source line of a frame: mapped through the source map for tsx-loaded `.ts` files. */
function sourceLine(cf: CallFrame): number {
  if (cf.lineNumber !== 0 || !cf.url.startsWith('file://') || !cf.url.endsWith('.ts')) return cf.lineNumber + 1;
  if (!lineMaps.has(cf.url)) {
    try {
      const file = fileURLToPath(cf.url);
      const r = transformSync(readFileSync(file, 'utf8'), { loader: 'ts', format: 'esm', sourcemap: 'external', minifyWhitespace: true, keepNames: true, sourcefile: file });
      lineMaps.set(cf.url, firstLineColumns((JSON.parse(r.map) as { mappings: string }).mappings));
    } catch {
      lineMaps.set(cf.url, undefined);
    }
  }
  const cols = lineMaps.get(cf.url);
  if (!cols || cols.length === 0) return 1;
  let lo = 0;
  let hi = cols.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (cols[mid]!.col <= cf.columnNumber) lo = mid;
    else hi = mid - 1;
  }
  return cols[lo]!.line + 1;
}

export function summarise(p: Profile, filter?: string): { totalMs: number; rows: Row[] } {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const key = (n: ProfileNode) => {
    const url = n.callFrame.url.replace(/^file:\/\//, '').replace(/^.*?\/(diagrams|scripts|node_modules)\//, '$1/');
    return `${n.callFrame.functionName || '(anonymous)'} ${url}:${sourceLine(n.callFrame)}`;
  };
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  let totalMs = 0;
  for (let i = 0; i < p.samples.length; i++) {
    const dt = (p.timeDeltas[i] ?? 0) / 1000;
    totalMs += dt;
    let n = byId.get(p.samples[i]!);
    if (!n) continue;
    self.set(key(n), (self.get(key(n)) ?? 0) + dt);
    const seen = new Set<string>();
    while (n) {
      const k = key(n);
      if (!seen.has(k)) {
        total.set(k, (total.get(k) ?? 0) + dt);
        seen.add(k);
      }
      const pid = parent.get(n.id);
      n = pid === undefined ? undefined : byId.get(pid);
    }
  }
  const rows = [...total.keys()]
    .filter((k) => !filter || k.includes(filter))
    .map((fn) => ({ fn, selfMs: self.get(fn) ?? 0, totalMs: total.get(fn) ?? 0 }));
  return { totalMs, rows };
}

const args = process.argv.slice(2);
if (args[0]) {
  const top = args.includes('--top') ? Number(args[args.indexOf('--top') + 1]) : 25;
  const filter = args.includes('--filter') ? args[args.indexOf('--filter') + 1] : undefined;
  const { totalMs, rows } = summarise(JSON.parse(readFileSync(args[0], 'utf8')) as Profile, filter);
  const line = (r: Row) => `${r.selfMs.toFixed(0).padStart(8)} ${r.totalMs.toFixed(0).padStart(8)}  ${r.fn}`;
  process.stdout.write(`profile: ${totalMs.toFixed(0)} ms sampled\n\n    self    total  (ms) by self time\n`);
  for (const r of [...rows].sort((a, b) => b.selfMs - a.selfMs).slice(0, top)) process.stdout.write(line(r) + '\n');
  process.stdout.write(`\n    self    total  (ms) by total time\n`);
  for (const r of [...rows].sort((a, b) => b.totalMs - a.totalMs).slice(0, top)) process.stdout.write(line(r) + '\n');
}
