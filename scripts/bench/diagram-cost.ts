/**
 * What one diagram costs in CPU, SVG and PNG apart: the floor under a cold run of many stacks.
 * `node --import tsx scripts/bench/diagram-cost.ts <repo> <dir of .d2 files> <limit>` renders up to
 * `limit` D2 sources (sorted by path), first every SVG with one warm D2 worker one at a time, then
 * all at once as a run asks for them (batched, render/d2.ts) (the CPU of this process, worker thread
 * included), then every PNG with one warm browser (the CPU of the browser's processes, read from
 * /proc, and of this process); it prints one JSON line:
 * `{ diagrams, svgCpuMs, svgBatchedCpuMs, pngCpuMs, pngMegapixels }`, each a mean per diagram.
 *
 * Run by scripts/bench/organisation-bench.ts, in a process of its own, after the organisation's cold
 * run: the cores are otherwise idle, so the figures are what a diagram costs, not what it waits for.
 */

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { descendants } from './measure.ts';

const [repo, dir, limitArg] = process.argv.slice(2);
if (!repo || !dir) throw new Error('usage: diagram-cost.ts <repo> <dir of .d2 files> [limit]');
const limit = Number(limitArg ?? 40);
const mod = (rel: string) => import(pathToFileURL(join(repo, rel)).href);

const sources = (readdirSync(dir, { recursive: true }) as string[])
  .filter((f) => f.endsWith('.d2'))
  .sort()
  .slice(0, limit)
  .map((f) => readFileSync(join(dir, f), 'utf8'));
if (sources.length === 0) throw new Error(`no .d2 files under ${dir}`);

/** CPU (ms) of this process, all threads. */
const ownCpu = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** CPU (ms) of this process's descendants that are alive now (utime + stime from /proc/<pid>/stat). */
const TICK_MS = 10; // USER_HZ is 100 on Linux
function childrenCpu(): number {
  let ticks = 0;
  for (const pid of descendants(process.pid)) {
    if (pid === process.pid) continue;
    try {
      const st = readFileSync(`/proc/${pid}/stat`, 'latin1');
      const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
      ticks += Number(f[11]) + Number(f[12]);
    } catch {
      // exited meanwhile
    }
  }
  return ticks * TICK_MS;
}

const { D2Renderer } = (await mod('diagrams/render/d2.ts')) as typeof import('../../diagrams/render/d2.ts');
const { PngRenderer } = (await mod('diagrams/render/png.ts')) as typeof import('../../diagrams/render/png.ts');

const d2 = await D2Renderer.start({ workers: 1 });
const svgs: string[] = [];
let svgCpu: number;
let svgBatchedCpu: number;
try {
  await d2.render(sources[0]!, 'warm-up');
  const c0 = ownCpu();
  for (const [i, s] of sources.entries()) svgs.push(await d2.render(s, `sample ${i}`));
  svgCpu = ownCpu() - c0;
  // All at once, as a run asks for them: the worker compiles them in batches (render/d2.ts).
  const c1 = ownCpu();
  await Promise.all(sources.map((s, i) => d2.render(s, `sample ${i}`)));
  svgBatchedCpu = ownCpu() - c1;
} finally {
  await d2.close();
}

const png = await PngRenderer.launch();
let pngCpu: number;
let pixels = 0;
try {
  await png.render(svgs[0]!);
  const c0 = ownCpu();
  const b0 = childrenCpu();
  for (const s of svgs) {
    const b = await png.render(s);
    pixels += b.readUInt32BE(16) * b.readUInt32BE(20); // IHDR width x height
  }
  pngCpu = ownCpu() - c0 + (childrenCpu() - b0);
} finally {
  await png.close();
}

const n = sources.length;
process.stdout.write(JSON.stringify({ diagrams: n, svgCpuMs: svgCpu / n, svgBatchedCpuMs: svgBatchedCpu / n, pngCpuMs: pngCpu / n, pngMegapixels: pixels / n / 1e6 }) + '\n');
