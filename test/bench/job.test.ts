/** Whole-job figures of the benchmark (scripts/bench/job.ts): round-by-round ratios, and the history kept across reports. */
import { describe, expect, it } from 'vitest';
import { earlierRuns, pairRatios, type Paired } from '../../scripts/bench/job.ts';

const paired = (ours: [number, number?][], native: [number, number?][]): Paired => ({
  sources: 2,
  load: [1, 1],
  series: [
    { label: 'ours', samples: ours.map(([wallMs, cpuMs]) => ({ wallMs, ...(cpuMs !== undefined ? { cpuMs } : {}) })) },
    { label: 'native', samples: native.map(([wallMs, cpuMs]) => ({ wallMs, ...(cpuMs !== undefined ? { cpuMs } : {}) })) },
  ],
});

describe('bench: paired rounds', () => {
  it('takes the ratio round by round, so a slow round slows both sides of it alike', () => {
    // Round 2 ran under load (both three times slower): per-round ratios stay 0.5, 0.5, 0.25.
    const r = pairRatios(paired([[100], [300], [50]], [[200], [600], [200]]), 'ours', 'native');
    expect([r.runs, r.median, r.min, r.max]).toEqual([3, 0.5, 0.25, 0.5]);
  });

  it('pairs only rounds where both sides have the figure, and none when a side is missing', () => {
    const p = paired([[100, 40], [100], [100, 90]], [[200, 80], [200, 80]]);
    expect(pairRatios(p, 'ours', 'native', true)).toMatchObject({ runs: 1, median: 0.5 });
    expect(pairRatios(p, 'ours', 'before').runs).toBe(0);
  });
});

describe('bench: earlier runs', () => {
  const report = (date: string, carried: string) =>
    [
      '# Benchmarks',
      '',
      `Run date: ${date}`,
      '',
      '| Load average at start (1/5/15 min) | 1.08 / 1.90 / 2.18 |',
      '',
      '## Targets',
      '',
      '| Target | Figure (median) | Limit | Result |',
      '|---|---|---|---|',
      '| Warm, nothing changed | 796 ms | < 2 s | met |',
      '| `check` | 3.2 s | < 3 s | **NOT MET** |',
      '',
      '## End to end',
      '',
      '| Run | Time |',
      '| cold | 15 s |',
      '',
      ...(carried ? ['## Earlier runs', '', 'text', '', carried, ''] : []),
      '## How it is measured',
    ].join('\n');

  it("turns the replaced report's targets into one entry, newest first, followed by the entries it carried", () => {
    expect(earlierRuns(report('2026-11-29', '- 2026-11-01, load 0.5: older.'))).toEqual([
      '- 2026-11-29, load at start 1.08 / 1.90 / 2.18: Warm, nothing changed: 796 ms (met); `check`: 3.2 s (**NOT MET**).',
      '- 2026-11-01, load 0.5: older.',
    ]);
  });

  it('gives nothing without a report, and no entry for a report without targets', () => {
    expect(earlierRuns(undefined)).toEqual([]);
    expect(earlierRuns('# Benchmarks\n\nRun date: 2026-11-29\n')).toEqual([]);
  });
});
