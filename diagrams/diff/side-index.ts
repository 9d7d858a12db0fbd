/**
 * Lookups over one side's documents that the access comparison needs: which stacks the side holds
 * (by the stack key its documents use), the type of a parameter, and how many parameters each
 * folder of a stack holds (for folding). Built once per side; folder counts on first use.
 */

import type { EstateDoc } from './types.ts';

/** The folders of a parameter path, top-most first: `/a/b/c` -> `/a/`, `/a/b/`. */
export function foldersOf(name: string): string[] {
  const out: string[] = [];
  for (let i = name.indexOf('/', 1); i > 0; i = name.indexOf('/', i + 1)) out.push(name.slice(0, i + 1));
  return out;
}

export class SideIndex {
  private readonly byKey = new Map<string, EstateDoc>();
  private readonly types = new Map<string, Map<string, string>>();
  private readonly folderCounts = new Map<string, Map<string, number>>();

  constructor(readonly docs: readonly EstateDoc[]) {
    for (const d of docs) this.byKey.set(d.key, d);
  }

  has(stackKey: string): boolean {
    return this.byKey.has(stackKey);
  }

  /** `project/stack` of a loaded stack key; the key itself otherwise. */
  canonical(stackKey: string): string {
    const d = this.byKey.get(stackKey);
    return d === undefined ? stackKey : `${d.project}/${d.stack}`;
  }

  /** The type of a parameter of a loaded stack; undefined when the stack or parameter is not loaded. */
  parameterType(stackKey: string, name: string): string | undefined {
    let m = this.types.get(stackKey);
    if (m === undefined) {
      m = new Map((this.byKey.get(stackKey)?.parameters ?? []).map((p) => [p.name, p.type]));
      this.types.set(stackKey, m);
    }
    return m.get(name);
  }

  /** Parameters per folder of a loaded stack; undefined when the stack is not loaded. */
  folders(stackKey: string): ReadonlyMap<string, number> | undefined {
    const doc = this.byKey.get(stackKey);
    if (doc === undefined) return undefined;
    let m = this.folderCounts.get(stackKey);
    if (m === undefined) {
      m = new Map();
      for (const p of doc.parameters) for (const f of foldersOf(p.name)) m.set(f, (m.get(f) ?? 0) + 1);
      this.folderCounts.set(stackKey, m);
    }
    return m;
  }
}
