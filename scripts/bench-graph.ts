/**
 * Benchmark of the state reader: generates `pulumi stack export` files of about 1,000 and 10,000
 * resources in a temp dir (scripts/bench/synthetic.ts), then, for each, runs a child process that
 * loads the file several times with `readStateFile` (read + JSON.parse + validate + redact + sort +
 * freeze) and reports the median time and the child's peak memory (maxRSS).
 *
 *   npx tsx scripts/bench-graph.ts [--runs 5]
 *
 * Target: 10,000 resources under 1 s and 500 MB. Exits 1 when the target is missed.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SELF = fileURLToPath(import.meta.url);

async function child(file: string, runs: number): Promise<void> {
  const { readStateFile } = await import('../diagrams/sources/state.ts');
  const times: number[] = [];
  let resources = 0;
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    const g = await readStateFile(file);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    resources = g.resources.length;
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)]!;
  const maxRssMb = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(JSON.stringify({ resources, median, min: times[0], max: times[times.length - 1], maxRssMb }) + '\n');
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const runsArg = args.indexOf('--runs');
  const runs = runsArg >= 0 ? Number(args[runsArg + 1]) : 5;
  if (args[0] === '--child') return child(args[1]!, runs);

  const { syntheticExport } = await import('./bench/synthetic.ts');
  const dir = mkdtempSync(join(tmpdir(), 'bench-graph-'));
  let failed = false;
  try {
    for (const target of [1_000, 10_000]) {
      // Roughly: each parameter is one row, each secret a few (secret, version, rotation).
      const doc = syntheticExport({ parameters: Math.round(target * 0.7), secrets: Math.round(target * 0.1), services: Math.max(3, Math.round(target / 500)) });
      const file = join(dir, `export-${target}.json`);
      writeFileSync(file, JSON.stringify(doc));
      const out = execFileSync(process.execPath, ['--import', 'tsx', SELF, '--child', file, '--runs', String(runs)], { encoding: 'utf8' });
      const r = JSON.parse(out.trim().split('\n').pop()!) as { resources: number; median: number; min: number; max: number; maxRssMb: number };
      const mb = statSync(file).size / 1024 / 1024;
      const ok = r.resources < 5_000 || (r.median < 1000 && r.maxRssMb < 500);
      failed ||= !ok;
      console.log(
        `${String(r.resources).padStart(6)} resources (${mb.toFixed(1)} MB): parse median ${r.median.toFixed(0)} ms (min ${r.min.toFixed(0)}, max ${r.max.toFixed(0)}, ${runs} runs), peak RSS ${r.maxRssMb.toFixed(0)} MB${ok ? '' : '  <- over target (1 s, 500 MB)'}`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (failed) process.exitCode = 1;
}

await main();
