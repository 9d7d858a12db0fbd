/**
 * Summarises a V8 CPU profile (`node --cpu-prof`): the functions with the most self time and the
 * most inclusive time, with file and line, so that a slow stage can be traced to its code.
 *
 *   npx tsx scripts/bench/profile-summary.ts <file.cpuprofile> [--top 25] [--filter diagrams/]
 */

import { readFileSync } from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
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

export function summarise(p: Profile, filter?: string): { totalMs: number; rows: Row[] } {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const key = (n: ProfileNode) => {
    const url = n.callFrame.url.replace(/^file:\/\//, '').replace(/^.*?\/(diagrams|scripts|node_modules)\//, '$1/');
    return `${n.callFrame.functionName || '(anonymous)'} ${url}:${n.callFrame.lineNumber + 1}`;
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
