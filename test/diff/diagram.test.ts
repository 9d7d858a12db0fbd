/**
 * The "what changes" diagram: D2 text (golden, reviewed), gained and lost edges in their colours,
 * one box per resource, nothing for a stack whose access does not change, and a real SVG render.
 */

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { GAINED_COLOR, LOST_COLOR, whatChangesD2 } from '../../diagrams/diff/diagram.ts';
import { D2Renderer } from '../../diagrams/render/d2.ts';
import { diffSides } from '../../diagrams/diff/report.ts';
import { documents, fixture } from './scenario.ts';

const GOLDEN = path.join(import.meta.dirname, 'golden');

function diagramOf(base: Parameters<typeof fixture>, head: Parameters<typeof fixture>, stack: string): string | undefined {
  const b = documents(fixture(...base), 'b');
  const h = documents(fixture(...head), 'h');
  const s = diffSides({ label: 'b', docs: b }, { label: 'h', docs: h }).stacks.find((x) => x.stack === stack)!;
  return whatChangesD2(s, { base: b.find((d) => d.stack === stack), head: h.find((d) => d.stack === stack), others: [...h, ...b] });
}

describe('what changes', () => {
  const d2 = diagramOf(['admin', 'shared'], ['widen', 'boundary-removed'], 'prod')!;
  it('matches its golden', () => {
    const p = path.join(GOLDEN, 'prod.what_changes.d2');
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(p, d2);
    else if (!existsSync(p)) throw new Error('missing golden prod.what_changes.d2: run with UPDATE_GOLDEN=1 and review it');
    else expect(d2).toBe(readFileSync(p, 'utf8'));
  });
  it('draws gains green and losses red and dashed, one edge per principal and resource, one box per secret read or written', () => {
    const edges = d2.split('\n').filter((l) => l.includes(' -> '));
    expect(edges.filter((l) => l.includes(GAINED_COLOR)).length).toBeGreaterThan(0);
    expect(edges.filter((l) => l.includes(LOST_COLOR)).every((l) => l.includes('style.stroke-dash: 5'))).toBe(true);
    // ops loses both the read and the write of app/prod/db: one edge says both.
    expect(edges.filter((l) => l.startsWith('principals.n_p_ops -> secrets.n_secret_app_prod_db'))).toEqual([
      `principals.n_p_ops -> secrets.n_secret_app_prod_db: "read, write" { style.stroke: "${LOST_COLOR}"; style.stroke-width: 3; style.stroke-dash: 5; style.font-color: "${LOST_COLOR}"; class: caption }`,
    ]);
    expect(d2.split('\n').filter((l) => /^\s+n_secret_app_prod_db: /.test(l))).toHaveLength(1);
    expect(d2).toContain('gained: "━━▶ gained by this change"');
  });
  it('is absent for a stack whose access does not change', () => {
    expect(diagramOf([], ['rotation-removed'], 'prod')).toBeUndefined();
  });
  it('is valid D2', async () => {
    const r = await D2Renderer.start();
    try {
      const svg = await r.render(d2, 'prod/what_changes');
      expect(svg).toContain('<svg');
      expect(svg).toContain('What changes in prod');
    } finally {
      await r.close();
    }
  }, 60_000);
});
