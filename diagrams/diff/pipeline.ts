/**
 * The in-memory half of the change review: resource graphs -> estate -> findings and cost per stack
 * -> the estate.json document of each stack, built by the same functions `generate` writes
 * estate.json with, then read back through `parseEstateDoc` like a committed file. The diagrams list
 * of a document is left empty: drawing the views is not needed to compare two estates.
 */

import type { Estate } from '../estate/model.ts';
import { Store } from '../estate/store.ts';
import type { ResourceGraph } from '../graph/types.ts';
import { estateDocument } from '../json/estate-json.ts';
import type { Components } from '../pipeline/components.ts';
import { parseEstateDoc } from './document.ts';
import type { EstateDoc } from './types.ts';

/** The pipeline stages the change review uses (tests pass stand-ins, as for generate). */
export type DiffComponents = Pick<Components, 'loadGraphs' | 'buildEstate' | 'evaluateRules' | 'estimateCost' | 'startSvg' | 'launchPng'>;

/** The estate.json document of every stack of an estate. */
export function documentsOfEstate(estate: Estate, c: Pick<DiffComponents, 'evaluateRules' | 'estimateCost'>, label: string): EstateDoc[] {
  const store = Store.of(estate);
  return estate.stacks.map((s) => {
    const doc = estateDocument({ store, stack: s.key, findings: c.evaluateRules(estate, s.key), cost: c.estimateCost(estate, s.key), views: [] });
    return parseEstateDoc(doc, `${label}: ${s.key}`);
  });
}

/** The documents of graphs loaded by a source (none for no graph). */
export function documentsOfGraphs(graphs: readonly ResourceGraph[], c: Pick<DiffComponents, 'buildEstate' | 'evaluateRules' | 'estimateCost'>, label: string): EstateDoc[] {
  if (graphs.length === 0) return [];
  return documentsOfEstate(c.buildEstate(graphs), c, label);
}
