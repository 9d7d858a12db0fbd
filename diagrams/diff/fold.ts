/**
 * Folding parameter reads to folders: when a principal gains (or loses) the read of every parameter
 * of a folder of a stack, alike (same certainty), the folder is one entry, `/app/prod/db/*` with the
 * count, instead of one line per parameter. The top-most such folder is used; a folder of a single
 * parameter is not folded; a stack that is not loaded on the side is never folded (its folders are
 * not known). The entry's grants are the union of its parameters' grants.
 */

import { compareStrings } from '../util/collections.ts';
import { foldersOf, type SideIndex } from './side-index.ts';
import type { ReadChange, ViaRef } from './types.ts';

function unionVia(items: readonly ReadChange[]): ViaRef[] {
  const m = new Map<string, ViaRef>();
  for (const it of items) {
    for (const v of it.via) {
      const k = `${v.kind}\u0000${v.name}\u0000${v.sid ?? ''}\u0000${v.group ?? ''}`;
      const prev = m.get(k);
      m.set(k, prev === undefined ? v : { ...prev, changed: prev.changed || v.changed });
    }
  }
  return [...m.values()];
}

/**
 * `items`: parameter reads of one principal, one direction (gained or lost), each named by its path;
 * `stackOf` the stack key the side knows each one's stack by; `side` the side whose folders count.
 * Returns the folded list, sorted by name.
 */
export function foldParameters(items: readonly ReadChange[], stackOf: (r: ReadChange) => string, side: SideIndex): ReadChange[] {
  const groups = new Map<string, ReadChange[]>();
  for (const it of items) {
    const k = `${stackOf(it)}\u0000${it.certainty}`;
    const g = groups.get(k);
    if (g) g.push(it);
    else groups.set(k, [it]);
  }
  const out: ReadChange[] = [];
  for (const group of groups.values()) {
    const totals = side.folders(stackOf(group[0]!));
    if (totals === undefined || group.length < 2) {
      out.push(...group);
      continue;
    }
    const changed = new Map<string, number>();
    for (const it of group) for (const f of foldersOf(it.name)) changed.set(f, (changed.get(f) ?? 0) + 1);
    const whole = (f: string) => (totals.get(f) ?? 0) >= 2 && changed.get(f) === totals.get(f);
    const byFolder = new Map<string, ReadChange[]>();
    for (const it of group) {
      const f = foldersOf(it.name).find(whole);
      if (f === undefined) out.push(it);
      else (byFolder.get(f) ?? byFolder.set(f, []).get(f)!).push(it);
    }
    for (const [f, folded] of byFolder) {
      const first = folded[0]!;
      out.push({ ...first, name: `${f}*`, count: folded.length, via: unionVia(folded), sensitive: folded.some((x) => x.sensitive) });
    }
  }
  return out.sort((a, b) => compareStrings(a.stack ?? '', b.stack ?? '') || compareStrings(a.name, b.name));
}
