/** The fuzz report as text. */

import type { FuzzReport } from './runner.ts';

export function formatReport(r: FuzzReport): string {
  const rate = r.seconds > 0 ? r.mutations / r.seconds : 0;
  const lines = [
    `seed ${r.seed}, cases ${r.from} to ${r.from + r.mutations - 1}: ${r.mutations} mutations of ${r.seeds} seed files in ${r.seconds.toFixed(0)} s (${rate.toFixed(1)} mutations/s)`,
    `  accepted (whole pipeline ran):  ${r.accepted}`,
    `  refused with a GeneratorError:  ${r.refused} (${Object.entries(r.refusedByKind).map(([k, n]) => `${k} ${n}`).join(', ') || 'none'})`,
    `  untyped crashes:                ${r.crashes}`,
    `  output invariants broken:       ${r.invariants}`,
    `  hangs (over the timeout):       ${r.hangs}`,
    `  slow cases (over 1 s):          ${r.slow}${r.slowest ? `; slowest case ${r.slowest.index} (${r.slowest.seedName}: ${r.slowest.ops.join('+')}) ${r.slowest.ms} ms` : ''}`,
    `  distinct failure signatures:    ${r.failures.length}`,
  ];
  for (const f of r.failures) {
    lines.push(`  - ${f.kind} x${f.count}, first case ${f.firstCase} (${f.seedName}: ${f.ops.join('+')}): ${f.signature}`);
    if (f.cases.length > 1) lines.push(`    cases ${f.cases.join(', ')}${f.count > f.cases.length ? ', …' : ''}`);
    if (f.reproducer) lines.push(`    reproducer ${f.reproducer} (${f.shrunkFrom} -> ${f.shrunkTo} bytes)`);
  }
  lines.push('  per operator (cases / accepted / refused / failed):');
  for (const [op, t] of Object.entries(r.operators)) lines.push(`    ${op.padEnd(15)} ${String(t.cases).padStart(8)} ${String(t.accepted).padStart(8)} ${String(t.refused).padStart(8)} ${String(t.failed).padStart(6)}`);
  return lines.join('\n');
}
