/**
 * A preview as two sides, for the change review (`diff --preview <file>` alone): the base is each
 * step's old state, the head its new state, and each URN's step is kept with the engine's op (the
 * strongest of the URN's steps, as in ./preview.ts) and Pulumi's own `detailedDiff` (property
 * paths and kinds), `diffReasons` and `replaceReasons` (property names). A `same`, `read` or
 * `refresh` step without an old state keeps its new state on both sides; a delete has no head
 * state, a create no base state. Values are redacted by buildGraph as for every source; the
 * property paths Pulumi names are names, never values, and are capped in length.
 *
 * Must not import the Pulumi SDK.
 */

import { capText, describeInput, GeneratorError } from '../errors.ts';
import { buildGraph, parseUrn, type RawResource } from '../graph/graph.ts';
import type { PlannedOp, ResourceGraph } from '../graph/types.ts';
import { parseJsonBytes, readInput, type ReadOptions } from './json.ts';
import { OP_RANK, OPS, rowFromState } from './preview.ts';

export interface PreviewStepChange {
  readonly urn: string;
  readonly type: string;
  readonly name: string;
  readonly op: PlannedOp;
  readonly detailedDiff: readonly { readonly path: string; readonly kind: string }[];
  readonly diffReasons: readonly string[];
  readonly replaceReasons: readonly string[];
}

export interface PreviewSides {
  /** One graph per stack that has old states (none for a stack the preview creates). */
  readonly base: readonly ResourceGraph[];
  /** One graph per stack that has new states (none for a stack the preview deletes whole). */
  readonly head: readonly ResourceGraph[];
  readonly steps: readonly PreviewStepChange[];
}

const PATH_LIMIT = 200;
/** Ops whose step leaves the resource as it is: the one state stands for both sides. */
const UNCHANGED: ReadonlySet<PlannedOp> = new Set(['same', 'read', 'refresh']);
/** Ops after which the resource is gone. */
const GONE: ReadonlySet<PlannedOp> = new Set(['delete', 'discard']);

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

interface Acc {
  op: PlannedOp;
  old?: { state: Record<string, unknown>; path: string };
  new?: { state: Record<string, unknown>; path: string };
  diff: Map<string, string>;
  diffReasons: Set<string>;
  replaceReasons: Set<string>;
}

function names(v: unknown, location: string, jsonPath: string): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new GeneratorError('input', `not a list of property names: ${describeInput(v)}`, { subject: location, jsonPath, expected: 'an array of strings' });
  return v.map((x: unknown, i) => {
    if (typeof x !== 'string') throw new GeneratorError('input', `not a property name: ${describeInput(x)}`, { subject: location, jsonPath: `${jsonPath}[${i}]`, expected: 'a string' });
    return capText(x, PATH_LIMIT);
  });
}

function detailedDiff(v: unknown, location: string, jsonPath: string): [string, string][] {
  if (v === undefined || v === null) return [];
  if (!isObject(v)) throw new GeneratorError('input', `detailedDiff is ${describeInput(v)}`, { subject: location, jsonPath, expected: 'an object of property paths to {kind, inputDiff}' });
  return Object.entries(v).map(([k, d]) => {
    if (!isObject(d) || (d.kind !== undefined && typeof d.kind !== 'string')) {
      throw new GeneratorError('input', `detailedDiff entry is ${describeInput(d)}`, { subject: location, jsonPath: `${jsonPath}[${JSON.stringify(capText(k, 40))}]`, expected: '{"kind": "update" | "add" | "delete" | ..., "inputDiff": true | false}' });
    }
    return [capText(k, PATH_LIMIT), typeof d.kind === 'string' ? capText(d.kind, 40) : 'update'];
  });
}

function accumulate(doc: Record<string, unknown>, location: string): Map<string, Acc> {
  const expected = '`pulumi preview --json` output `{"config", "steps": [...], "changeSummary"}`';
  if (!Array.isArray(doc.steps)) throw new GeneratorError('input', 'no `steps` array', { subject: location, jsonPath: '$.steps', expected });
  const byUrn = new Map<string, Acc>();
  doc.steps.forEach((step: unknown, i: number) => {
    const at = `$.steps[${i}]`;
    if (!isObject(step)) throw new GeneratorError('input', 'step is not an object', { subject: location, jsonPath: at, expected: '{op, urn, oldState, newState}' });
    if (typeof step.op !== 'string' || !(step.op in OPS)) throw new GeneratorError('input', `unknown step op ${describeInput(step.op)}`, { subject: location, jsonPath: `${at}.op`, expected: Object.keys(OPS).join(', ') });
    const op = OPS[step.op];
    if (op === undefined) return;
    const oldState = isObject(step.oldState) ? step.oldState : undefined;
    const newState = isObject(step.newState) ? step.newState : undefined;
    const urn = typeof step.urn === 'string' ? step.urn : typeof (newState ?? oldState)?.urn === 'string' ? ((newState ?? oldState)!.urn as string) : undefined;
    if (urn === undefined) throw new GeneratorError('input', 'step without a URN', { subject: location, jsonPath: `${at}.urn`, expected: 'a URN string' });
    const acc: Acc = byUrn.get(urn) ?? { op, diff: new Map(), diffReasons: new Set(), replaceReasons: new Set() };
    if (OP_RANK[op] > OP_RANK[acc.op]) acc.op = op;
    if (oldState && acc.old === undefined) acc.old = { state: oldState, path: `${at}.oldState` };
    if (newState && acc.new === undefined) acc.new = { state: newState, path: `${at}.newState` };
    for (const [p, k] of detailedDiff(step.detailedDiff, location, `${at}.detailedDiff`)) acc.diff.set(p, k);
    for (const r of names(step.diffReasons, location, `${at}.diffReasons`)) acc.diffReasons.add(r);
    for (const r of names(step.replaceReasons, location, `${at}.replaceReasons`)) acc.replaceReasons.add(r);
    byUrn.set(urn, acc);
  });
  return byUrn;
}

function graphs(rows: Map<string, RawResource[]>, location: string): ResourceGraph[] {
  return [...rows.values()].map((r) => buildGraph({ source: { kind: 'preview', location, format: 'preview' }, resources: r, resourcesPath: '$.steps' }));
}

/** The two sides of a parsed preview document (not modified). */
export function previewSidesOf(doc: unknown, location: string): PreviewSides {
  if (!isObject(doc)) throw new GeneratorError('input', 'wrong top-level shape for a preview', { subject: location, jsonPath: '$', expected: '`pulumi preview --json` output' });
  const byUrn = accumulate(doc, location);
  const base = new Map<string, RawResource[]>();
  const head = new Map<string, RawResource[]>();
  const steps: PreviewStepChange[] = [];
  const put = (m: Map<string, RawResource[]>, urn: string, row: RawResource) => {
    const u = parseUrn(urn);
    const k = u === undefined ? '' : `${u.project}\u0000${u.stack}`;
    (m.get(k) ?? m.set(k, []).get(k)!).push(row);
  };
  for (const [urn, a] of byUrn) {
    const unchanged = UNCHANGED.has(a.op);
    const old = a.old ?? (unchanged ? a.new : undefined);
    const now = GONE.has(a.op) ? undefined : (a.new ?? (unchanged ? a.old : undefined));
    if (old) put(base, urn, rowFromState(urn, old.state, old.path));
    if (now) put(head, urn, rowFromState(urn, now.state, now.path));
    const u = parseUrn(urn);
    const type = typeof (a.new ?? a.old)?.state.type === 'string' ? ((a.new ?? a.old)!.state.type as string) : (u?.type ?? '');
    steps.push({
      urn,
      type,
      name: u?.name ?? urn,
      op: a.op,
      detailedDiff: [...a.diff].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)).map(([path, kind]) => ({ path, kind })),
      diffReasons: [...a.diffReasons].sort(),
      replaceReasons: [...a.replaceReasons].sort(),
    });
  }
  return { base: graphs(base, location), head: graphs(head, location), steps };
}

/** Reads a `pulumi preview --json` file as two sides. */
export async function readPreviewSides(location: string, opts: ReadOptions = {}): Promise<PreviewSides> {
  const bytes = await readInput(location, opts, '--preview');
  return previewSidesOf(parseJsonBytes(bytes, location), location);
}
