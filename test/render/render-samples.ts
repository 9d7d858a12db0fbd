/**
 * Throwaway look-at-it script: writes the four views (D2, SVG, PNG) for a fixture estate (test/fixtures/mono.ts), or with
 * `--real` for the built-in estate through the real pipeline, to /tmp/views-out/ with timings.
 *   npx tsx test/render/render-samples.ts [--real] [--big] [--empty] [--stack prod] [--only name] [--no-png]
 */

import { mkdirSync, writeFileSync } from 'node:fs';
import { evaluateRules } from '../../diagrams/compliance/rules/index.ts';
import type { Finding } from '../../diagrams/compliance/types.ts';
import type { Estate } from '../../diagrams/estate/model.ts';
import { D2Renderer } from '../../diagrams/render/d2.ts';
import { PngRenderer, pngSize } from '../../diagrams/render/png.ts';
import { VIEWS } from '../../diagrams/views/index.ts';
import { DIAGRAMS } from '../../diagrams/views/types.ts';
import { bigEstate, emptyEstate, monoEstate } from '../fixtures/mono.ts';

const args = process.argv.slice(2);
const flag = (f: string): boolean => args.includes(f);
const opt = (f: string): string | undefined => (args.includes(f) ? args[args.indexOf(f) + 1] : undefined);
const out = opt('--out') ?? '/tmp/views-out';
mkdirSync(out, { recursive: true });

let estate: Estate;
let stack = opt('--stack') ?? 'prod';
if (flag('--real')) {
  const { loadGraphs } = await import('../../diagrams/sources/index.ts');
  const { buildEstate } = await import('../../diagrams/estate/build/index.ts');
  estate = buildEstate(await loadGraphs({ program: '.' }));
} else if (flag('--big')) {
  estate = bigEstate();
} else if (flag('--empty')) {
  estate = emptyEstate();
  stack = 'empty';
} else {
  estate = monoEstate();
}
const findings: Finding[] = evaluateRules(estate, stack);

const t0 = performance.now();
const d2 = await D2Renderer.start();
const tStart = performance.now();
console.log(`d2 start ${(tStart - t0).toFixed(0)} ms`);
const png = flag('--no-png') ? undefined : await PngRenderer.launch();
console.log(`browser launch ${(performance.now() - tStart).toFixed(0)} ms`);
const only = opt('--only');
for (const name of DIAGRAMS) {
  if (only && !name.includes(only)) continue;
  const a = performance.now();
  const view = VIEWS[name]({ estate, stack, findings });
  const b = performance.now();
  if (view.d2 === undefined) {
    console.log(`${name}: nothing to draw (${view.absent ?? ''})`);
    continue;
  }
  const svg = await d2.render(view.d2, `${stack}/${name}`);
  const c = performance.now();
  writeFileSync(`${out}/${name}.d2`, view.d2);
  writeFileSync(`${out}/${name}.svg`, svg);
  let pngInfo = '';
  if (png) {
    const bytes = await png.render(svg);
    const d = performance.now();
    writeFileSync(`${out}/${name}.png`, bytes);
    const { width, height } = pngSize(bytes);
    pngInfo = `png ${(d - c).toFixed(0)} ms ${width}x${height} = ${((width * height) / 1e6).toFixed(1)} MP`;
  }
  console.log(`${name}: view ${(b - a).toFixed(0)} ms, d2 ${view.d2.length} B, svg ${(c - b).toFixed(0)} ms ${svg.length} B, ${pngInfo}`);
}
await png?.close();
await d2.close();
console.log(`total ${(performance.now() - t0).toFixed(0)} ms, rss ${(process.memoryUsage().rss / 1e6).toFixed(0)} MB`);
