/**
 * Access changes of one stack pair, per principal: reads of parameters, secrets and keys (and writes
 * of secrets: rotation) gained and lost, each with its certainty and what grants it; reads whose
 * certainty changed; and the principal's own changes that explain them (trust, policies, boundary,
 * groups, members, admin, completeness). Principals are matched by kind, stack and name (a role
 * keeps its identity when its Pulumi URN changes); those outside the estate by their id.
 *
 * A principal of another stack appears in a stack's estate.json with the reads of that stack's
 * resources; when its own stack is loaded on that side, its reads are reported there (in full), not
 * again here.
 */

import type { Certainty } from '../estate/model.ts';
import { compareStrings } from '../util/collections.ts';
import { foldParameters } from './fold.ts';
import type { SideIndex } from './side-index.ts';
import type { CertaintyChange, DocPrincipal, DocRead, DocVia, EstateDoc, PrincipalChange, PropertyChange, ReadChange, ReadKind, ViaRef } from './types.ts';

export interface AccessContext {
  readonly base: SideIndex;
  readonly head: SideIndex;
  /** The grants this change adds or edits: policy URNs, `<urn>#<sid>` for one statement, `grant <name>`. */
  readonly changedGrants: ReadonlySet<string>;
}

interface Entry {
  readonly p: DocPrincipal;
  readonly doc: EstateDoc;
  readonly side: SideIndex;
}

const KINDS: readonly [ReadKind, (p: DocPrincipal) => readonly DocRead[]][] = [
  ['parameter', (p) => p.reads.parameters],
  ['secret', (p) => p.reads.secrets],
  ['key', (p) => p.reads.keys],
  ['secret-write', (p) => p.rotates],
];

/** The principals of a document reported with it: its own and outside ones, and those of stacks the side does not hold. */
function entries(doc: EstateDoc | undefined, side: SideIndex): Map<string, Entry> {
  const m = new Map<string, Entry>();
  for (const p of doc?.principals ?? []) {
    if (p.stack !== undefined && p.stack !== doc!.key && side.has(p.stack)) continue;
    const id = p.stack === undefined ? `external\u0000${p.id}` : `${p.kind}\u0000${side.canonical(p.stack)}\u0000${p.name}`;
    m.set(id, { p, doc: doc!, side });
  }
  return m;
}

interface Located {
  readonly kind: ReadKind;
  readonly read: DocRead;
  /** The side's key of the resource's stack. */
  readonly stack: string;
}

/**
 * A principal's reads as the document lists them. One that is not the document's own (outside the
 * estate, or of a stack the side does not hold) is listed with each stack whose resources it
 * reaches; its reads of another stack's resources are left to that stack when the side holds it.
 */
function reads(e: Entry | undefined): Map<string, Located> {
  const m = new Map<string, Located>();
  if (e === undefined) return m;
  const own = e.p.stack === e.doc.key;
  for (const [kind, get] of KINDS) {
    for (const read of get(e.p)) {
      const stack = read.stack ?? e.doc.key;
      if (!own && stack !== e.doc.key && e.side.has(stack)) continue;
      m.set(`${kind}\u0000${e.side.canonical(stack)}\u0000${read.name}`, { kind, read, stack });
    }
  }
  return m;
}

function sensitive(x: Located, side: SideIndex): boolean {
  if (x.kind === 'secret' || x.kind === 'key') return true;
  if (x.kind === 'secret-write') return false;
  const type = side.parameterType(x.stack, x.read.name);
  // A parameter of a stack that is not loaded may be a SecureString.
  return type === undefined || type === 'SecureString' || type === 'unknown';
}

function viaRefs(via: readonly DocVia[], newlyAttached: ReadonlySet<string>, changedGrants: ReadonlySet<string>, boundaryChanged: boolean): ViaRef[] {
  return via.map((v) => ({
    kind: v.kind,
    name: v.name,
    ...(v.sid !== undefined ? { sid: v.sid } : {}),
    ...(v.group !== undefined ? { group: v.group } : {}),
    changed:
      changedGrants.has(v.ref) ||
      (v.sid !== undefined && changedGrants.has(`${v.ref}#${v.sid}`)) ||
      ((v.kind === 'resource-policy' || v.kind === 'key-policy') && changedGrants.has(v.sid !== undefined ? `${v.name}#${v.sid}` : v.name)) ||
      (v.kind === 'grant' && changedGrants.has(v.name.replace(/ on [^]*$/, ''))) ||
      (v.kind === 'identity' && (newlyAttached.has(v.ref) || newlyAttached.has(v.name))) ||
      (v.kind === 'boundary' && boundaryChanged),
  }));
}

/** The principal's own changes: trust (who can assume it), policies, boundary, groups, members, admin, completeness. */
function principalProperties(b: DocPrincipal | undefined, h: DocPrincipal | undefined): PropertyChange[] {
  if (b === undefined || h === undefined) return [];
  const out: PropertyChange[] = [];
  const setChange = (property: string, x: readonly string[], y: readonly string[]) => {
    const removed = x.filter((v) => !y.includes(v));
    const added = y.filter((v) => !x.includes(v));
    if (removed.length || added.length) out.push({ property, ...(added.length ? { added: added.sort(compareStrings) } : {}), ...(removed.length ? { removed: removed.sort(compareStrings) } : {}) });
  };
  const one = (property: string, x: string | undefined, y: string | undefined) => {
    if (x !== y) out.push({ property, ...(x !== undefined ? { base: x } : {}), ...(y !== undefined ? { head: y } : {}) });
  };
  one('trust', b.trust?.kind, h.trust?.kind);
  setChange('trusted principals', b.trust?.principals ?? [], h.trust?.principals ?? []);
  setChange('policies', b.policies, h.policies);
  one('boundary', b.boundary, h.boundary);
  setChange('groups', b.groups, h.groups);
  setChange('members', b.members, h.members);
  one('full administrator', b.admin ? 'yes' : 'no', h.admin ? 'yes' : 'no');
  one('access fully known', b.complete ? 'yes' : 'no', h.complete ? 'yes' : 'no');
  return out;
}

function readChange(x: Located, side: SideIndex, pairStack: string, via: ViaRef[]): ReadChange {
  return {
    kind: x.kind,
    name: x.read.name,
    ...(side.canonical(x.stack) !== pairStack ? { stack: x.stack } : {}),
    certainty: x.read.certainty,
    via,
    sensitive: sensitive(x, side),
  };
}

function fold(list: ReadChange[], side: SideIndex, docKey: string): ReadChange[] {
  const params = foldParameters(
    list.filter((r) => r.kind === 'parameter'),
    (r) => r.stack ?? docKey,
    side,
  );
  const others = list.filter((r) => r.kind !== 'parameter');
  const rank = (k: ReadKind) => KINDS.findIndex(([x]) => x === k);
  return [...params, ...others.sort((x, y) => rank(x.kind) - rank(y.kind) || compareStrings(x.stack ?? '', y.stack ?? '') || compareStrings(x.name, y.name))];
}

/** One principal's change, or undefined when nothing of it changed. */
function principalChange(b: Entry | undefined, h: Entry | undefined, ctx: AccessContext, pairStack: string): PrincipalChange | undefined {
  const br = reads(b);
  const hr = reads(h);
  const properties = principalProperties(b?.p, h?.p);
  const newlyAttached = new Set(b && h ? h.p.policies.filter((x) => !b.p.policies.includes(x)) : []);
  const boundaryChanged = properties.some((p) => p.property === 'boundary');
  const gained: ReadChange[] = [];
  const lost: ReadChange[] = [];
  const certainty: CertaintyChange[] = [];
  for (const [k, y] of hr) {
    const x = br.get(k);
    if (x === undefined) gained.push(readChange(y, h!.side, pairStack, viaRefs(y.read.via, newlyAttached, ctx.changedGrants, boundaryChanged)));
    else if (x.read.certainty !== y.read.certainty) certainty.push({ kind: y.kind, name: y.read.name, ...(h!.side.canonical(y.stack) !== pairStack ? { stack: y.stack } : {}), base: x.read.certainty as Certainty, head: y.read.certainty });
  }
  for (const [k, x] of br) if (!hr.has(k)) lost.push(readChange(x, b!.side, pairStack, viaRefs(x.read.via, new Set(), new Set(), false)));
  const change = b === undefined ? 'added' : h === undefined ? 'removed' : 'changed';
  // A principal added or removed without reads is a resource change only (roles, users, groups).
  if (gained.length + lost.length + certainty.length + properties.length === 0) return undefined;
  const p = (h ?? b)!.p;
  return {
    kind: p.kind,
    name: p.name,
    ...(p.stack !== undefined ? { stack: p.stack } : {}),
    ...(p.trust !== undefined ? { trust: p.trust.kind } : {}),
    change,
    gained: h ? fold(gained, h.side, h.doc.key) : [],
    lost: b ? fold(lost, b.side, b.doc.key) : [],
    certainty: certainty.sort((x, y) => compareStrings(x.kind, y.kind) || compareStrings(x.name, y.name)),
    properties,
  };
}

const KIND_ORDER = ['role', 'user', 'group', 'account', 'service', 'any'];

/** Access changes of a stack pair (either document may be absent: a stack added or removed). */
export function compareAccess(base: EstateDoc | undefined, head: EstateDoc | undefined, ctx: AccessContext): PrincipalChange[] {
  const b = entries(base, ctx.base);
  const h = entries(head, ctx.head);
  const pairStack = `${(head ?? base)!.project}/${(head ?? base)!.stack}`;
  const out: PrincipalChange[] = [];
  for (const id of [...new Set([...b.keys(), ...h.keys()])]) {
    const c = principalChange(b.get(id), h.get(id), ctx, pairStack);
    if (c !== undefined) out.push(c);
  }
  const rank = (k: string) => (KIND_ORDER.includes(k) ? KIND_ORDER.indexOf(k) : KIND_ORDER.length);
  return out.sort((x, y) => rank(x.kind) - rank(y.kind) || compareStrings(x.stack ?? '', y.stack ?? '') || compareStrings(x.name, y.name));
}
