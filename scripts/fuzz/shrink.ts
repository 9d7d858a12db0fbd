/**
 * Shrinking a failing input to a small one that fails the same way. JSON input is shrunk as a tree
 * (array chunks and object keys removed, strings halved, deep chains hoisted); anything else by
 * removing byte chunks (ddmin). Bounded by a number of attempts and a time budget: the result is the
 * smallest input found that still fails.
 */

import { performance } from 'node:perf_hooks';
import { isObj, serialize, slots, type Node, type Slot } from './tree.ts';

export interface ShrinkBudget {
  readonly attempts: number;
  readonly ms: number;
}

type Check = (b: Buffer) => Promise<boolean>;

class Budget {
  used = 0;
  private readonly end: number;
  constructor(private readonly b: ShrinkBudget) {
    this.end = performance.now() + b.ms;
  }
  get left(): boolean {
    return this.used < this.b.attempts && performance.now() < this.end;
  }
}

async function shrinkBytes(start: Buffer, fails: Check, budget: Budget): Promise<Buffer> {
  let cur = start;
  for (let size = cur.length >> 1; size >= 1 && budget.left; size >>= 1) {
    for (let at = 0; at + size <= cur.length && budget.left; ) {
      const next = Buffer.concat([cur.subarray(0, at), cur.subarray(at + size)]);
      budget.used++;
      if (await fails(next)) cur = next;
      else at += size;
    }
  }
  return cur;
}

/** The node `k` levels down the first-child chain of `v`, if there is one. */
function descendant(v: Node, k: number): Node | undefined {
  let x = v;
  for (let i = 0; i < k; i++) {
    if (Array.isArray(x) && x.length > 0) x = x[0];
    else if (isObj(x) && Object.keys(x).length > 0) x = x[Object.keys(x)[0]!];
    else return undefined;
  }
  return x;
}

function chainDepth(v: Node): number {
  let d = 0;
  for (let x = v; (Array.isArray(x) && x.length > 0) || (isObj(x) && Object.keys(x).length > 0); d++) x = Array.isArray(x) ? x[0] : (x as Record<string, unknown>)[Object.keys(x)[0]!];
  return d;
}

/** Candidate edits of one slot, smallest result first. Each returns an undo. */
function edits(s: Slot): (() => () => void)[] {
  const parent = s.parent as Record<string | number, unknown>;
  const out: (() => () => void)[] = [];
  const replace = (v: Node) => () => {
    const old = parent[s.key];
    parent[s.key] = v;
    return () => void (parent[s.key] = old);
  };
  if (!Array.isArray(s.parent)) {
    out.push(() => {
      const old = parent[s.key];
      delete parent[s.key];
      return () => void (parent[s.key] = old);
    });
  }
  if (typeof s.value === 'string' && s.value.length > 8) out.push(replace(s.value.slice(0, s.value.length >> 1)));
  const depth = chainDepth(s.value);
  if (depth > 4) for (let k = depth >> 1; k >= 1; k >>= 1) out.push(replace(descendant(s.value, k)));
  if (typeof s.value === 'object' && s.value !== null) out.push(replace(null));
  return out;
}

async function shrinkArrays(doc: Node, fails: () => Promise<boolean>, budget: Budget): Promise<boolean> {
  let progress = false;
  const arrays = [doc, ...slots(doc, 50_000).map((s) => s.value)].filter((v): v is unknown[] => Array.isArray(v) && v.length > 1);
  for (const a of arrays) {
    for (let size = a.length >> 1; size >= 1 && budget.left; size >>= 1) {
      for (let at = 0; at + size <= a.length && budget.left; ) {
        const removed = a.splice(at, size);
        budget.used++;
        if (await fails()) progress = true;
        else {
          a.splice(at, 0, ...removed);
          at += size;
        }
      }
    }
  }
  return progress;
}

async function shrinkTree(doc: Node, fails: Check, budget: Budget): Promise<Buffer> {
  const check = () => fails(Buffer.from(serialize(doc), 'utf8'));
  for (let progress = true; progress && budget.left; ) {
    progress = await shrinkArrays(doc, check, budget);
    for (const s of slots(doc, 50_000)) {
      if (!budget.left) break;
      for (const edit of edits(s)) {
        if (!budget.left) break;
        const undo = edit();
        budget.used++;
        if (await check()) {
          progress = true;
          break;
        }
        undo();
      }
    }
  }
  return Buffer.from(serialize(doc), 'utf8');
}

/** The smallest input found that still `fails` (which must hold for `input`). */
export async function shrink(input: Buffer, fails: Check, b: ShrinkBudget): Promise<{ bytes: Buffer; attempts: number }> {
  const budget = new Budget(b);
  let doc: Node | undefined;
  try {
    doc = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(input)) as Node;
  } catch {
    doc = undefined;
  }
  let bytes = input;
  // The tree's own serialization must fail too: it loses duplicate keys and the input's formatting.
  const asTree = doc !== undefined && typeof doc === 'object' && doc !== null && (budget.used++, await fails(Buffer.from(serialize(doc), 'utf8')));
  if (asTree) {
    const tree = await shrinkTree(doc, fails, budget);
    if (tree.length < bytes.length) bytes = tree;
  } else bytes = await shrinkBytes(input, fails, budget);
  return { bytes, attempts: budget.used };
}
