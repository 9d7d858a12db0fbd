/** Diagrams: each view with its question and purpose, linked as SVG/PNG/D2, or one sentence saying what is absent. */

import { linkTarget, md } from '../escape.ts';
import type { DiagramsSection } from '../model.ts';
import type { PageContext } from './context.ts';

export function diagramsSection(c: PageContext): DiagramsSection {
  const f = c.input.formats;
  const diagrams = c.input.views.map((v) => {
    const drawn = v.d2 !== undefined;
    return {
      name: v.name,
      title: md(v.title),
      purpose: md(v.purpose),
      drawn,
      absent: md(v.absent ?? ''),
      hasSvg: drawn && f.svg,
      svg: linkTarget(`${v.name}.svg`),
      hasPng: drawn && f.png,
      png: linkTarget(`${v.name}.png`),
      hasD2: drawn && f.d2,
      d2: linkTarget(`${v.name}.d2`),
    };
  });
  return { diagrams, hasDiagrams: diagrams.length > 0 };
}
