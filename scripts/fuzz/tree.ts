/**
 * The JSON document a mutation works on: parsed JSON plus two kinds of node JSON.parse cannot give,
 * `Raw` (text written as it is: `1e999`, `-0`, 100,000 nested brackets) and duplicate keys (an
 * object's `DUPS` entries, written after its own keys). `serialize` writes it back as text.
 */

export class Raw {
  /** How many were made (a document made none since a count taken before is plain JSON). */
  static made = 0;
  constructor(readonly text: string) {
    Raw.made++;
  }
}

/** Extra `[key, value]` entries of an object, written after its own keys (JSON.parse keeps the last). */
export const DUPS: unique symbol = Symbol('duplicate keys');

export type Node = unknown;
export type Obj = Record<string, unknown> & { [DUPS]?: [string, unknown][] };

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Raw) && !(v instanceof Lit);
}

/** Separators and brackets on the serializer's work stack. */
class Lit {
  constructor(readonly text: string) {}
}

/** JSON text of a document, by the iterative writer: any depth, slower than JSON.stringify. */
export function serializeSlowly(root: Node): string {
  const out: string[] = [];
  const work: Node[] = [root];
  while (work.length > 0) {
    const v = work.pop();
    if (v instanceof Raw || v instanceof Lit) out.push(v.text);
    else if (Array.isArray(v)) {
      const items: Node[] = [new Lit('[')];
      v.forEach((x, i) => items.push(...(i > 0 ? [new Lit(',')] : []), x === undefined ? null : x));
      items.push(new Lit(']'));
      for (let i = items.length - 1; i >= 0; i--) work.push(items[i]);
    } else if (isObj(v)) {
      const entries = [...Object.entries(v).filter(([, x]) => x !== undefined), ...(v[DUPS] ?? [])];
      const items: Node[] = [new Lit('{')];
      entries.forEach(([k, x], i) => items.push(new Lit(`${i > 0 ? ',' : ''}${JSON.stringify(k)}:`), x));
      items.push(new Lit('}'));
      for (let i = items.length - 1; i >= 0; i--) work.push(items[i]);
    } else out.push(JSON.stringify(v) ?? 'null');
  }
  return out.join('');
}

/** A place in the document: `parent[key]` holds `value`. */
export interface Slot {
  readonly parent: Obj | unknown[];
  readonly key: string | number;
  readonly value: Node;
  /** JSON path, for the case description. */
  readonly path: string;
}

export function setSlot(s: Slot, v: Node): void {
  (s.parent as Record<string | number, unknown>)[s.key] = v;
}

/** Every slot of the document, breadth-first (iterative: any depth). At most `limit` slots. */
export function slots(root: Node, limit = 200_000): Slot[] {
  const out: Slot[] = [];
  const queue: { v: Node; path: string }[] = [{ v: root, path: '$' }];
  for (let qi = 0; qi < queue.length && out.length < limit; qi++) {
    const { v, path } = queue[qi]!;
    if (Array.isArray(v)) {
      v.forEach((x, i) => {
        out.push({ parent: v, key: i, value: x, path: `${path}[${i}]` });
        queue.push({ v: x, path: `${path}[${i}]` });
      });
    } else if (isObj(v)) {
      for (const [k, x] of Object.entries(v)) {
        out.push({ parent: v, key: k, value: x, path: `${path}.${k.length > 40 ? `${k.slice(0, 40)}…` : k}` });
        queue.push({ v: x, path: `${path}.${k.length > 40 ? `${k.slice(0, 40)}…` : k}` });
      }
    }
  }
  return out;
}

/** The resource rows of a state document or the steps (and their states) of a preview. */
export function rowsOf(doc: Node): Obj[] {
  if (!isObj(doc)) return [];
  const arrays: unknown[] = [];
  const dep = doc.deployment;
  const cp = doc.checkpoint;
  const latest = isObj(cp) ? cp.latest : doc.latest;
  if (isObj(dep)) arrays.push(dep.resources);
  if (isObj(latest)) arrays.push(latest.resources);
  const rows: Obj[] = [];
  for (const a of arrays) if (Array.isArray(a)) for (const r of a) if (isObj(r)) rows.push(r);
  if (Array.isArray(doc.steps)) {
    for (const s of doc.steps) {
      if (!isObj(s)) continue;
      rows.push(s);
      for (const k of ['newState', 'oldState']) if (isObj(s[k])) rows.push(s[k] as Obj);
    }
  }
  return rows;
}

/** The array holding the rows (resources or steps), created when the document has none. */
export function rowArray(doc: Node): unknown[] | undefined {
  if (!isObj(doc)) return undefined;
  if (isObj(doc.deployment)) return Array.isArray(doc.deployment.resources) ? doc.deployment.resources : (doc.deployment.resources = []);
  const latest = isObj(doc.checkpoint) ? doc.checkpoint.latest : doc.latest;
  if (isObj(latest)) return Array.isArray(latest.resources) ? latest.resources : (latest.resources = []);
  if (Array.isArray(doc.steps)) return doc.steps;
  return undefined;
}

const PLACEHOLDER = '\u0000fuzz-raw-7f3a\u0000';

/**
 * JSON text of a document. Through JSON.stringify, with `Raw` nodes and objects holding duplicate
 * keys written by `serializeSlowly` in place of placeholders; documents too deep for JSON.stringify
 * (parsed from 100,000 nested brackets while shrinking) entirely by `serializeSlowly`.
 */
export function serialize(root: Node): string {
  const raws: string[] = [];
  let text: string;
  try {
    text = JSON.stringify(root, function (this: unknown, _key: string, v: unknown) {
      if (v instanceof Raw) return raws.push(v.text), PLACEHOLDER;
      if (isObj(v) && v[DUPS] !== undefined) return raws.push(serializeSlowly(v)), PLACEHOLDER;
      return v;
    }) ?? 'null';
  } catch (e) {
    if (e instanceof RangeError) return serializeSlowly(root);
    throw e;
  }
  if (raws.length === 0) return text;
  let i = 0;
  return text.replace(/"\\u0000fuzz-raw-7f3a\\u0000"/g, () => raws[i++]!);
}
