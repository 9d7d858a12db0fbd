/**
 * View 2, secrets_manager_integration: "How are <env>'s secrets stored, protected and rotated?"
 * Secret groups (database, application, service) -> the rotation function and its lifecycle strip;
 * groups -> the KMS keys that encrypt them (one edge per group and key, not per secret).
 */

import type { Certainty, Estate, KmsKey, LambdaFunction, Secret, SecretCategory } from '../estate/model.ts';
import {
  certaintyMark,
  commonPrefix,
  CONDITIONAL_NOTE,
  intervalLabel,
  keyBoxText,
  keyIdName,
  keyName,
  listWithMore,
  lookup,
  MAX_LEAVES_PER_FOLDER,
  principalLine,
  roleService,
  servedLabel,
  StackContainers,
  surer,
  type Lookup,
  UNKNOWN_NOTE,
} from './common.ts';
import { byString, clip, D2Text, gridColumns, Ids, plural, q } from './d2text.ts';
import { compose, legendBlock, SECRET_CATEGORY_LABEL, secretClass, TRUST_LABEL, TYPE, type LegendEntry } from './style.ts';
import type { View, ViewInput } from './types.ts';
import { isAwsManagedKeyId } from '../estate/store.ts';

const CATEGORY_ORDER: readonly SecretCategory[] = ['database', 'application', 'service', 'other'];

interface Box {
  readonly id: string;
  readonly label: string;
  readonly aggregated: boolean;
}

interface KeyUse {
  key?: KmsKey;
  keyId?: string;
  name: string;
  id: string;
}

interface FnUse {
  fn?: LambdaFunction;
  /** The function's name (clipped), for edge labels. */
  name: string;
  label: string;
  id: string;
}

/** A group's secrets that one function rotates, and their intervals. */
interface GroupRotation {
  readonly gid: string;
  readonly use: FnUse;
  readonly days: (number | undefined)[];
}

/**
 * What the drawing's steps share: the estate and the stack, the keys and rotation functions met so
 * far (their ids given in the order they are first met), and the text, edges, legend and notes
 * being written.
 */
interface Drawing {
  readonly estate: Estate;
  readonly l: Lookup;
  readonly stack: string;
  /** A secret's name below the secrets' common prefix. */
  readonly rel: (name: string) => string;
  readonly keys: Map<string, KeyUse>;
  readonly keyIds: Ids;
  /** The containers of keys from other stacks, one per stack. */
  readonly containers: StackContainers;
  readonly fnByUrn: ReadonlyMap<string, LambdaFunction>;
  readonly fns: Map<string, FnUse>;
  readonly fnIds: Ids;
  /** Which function rotates which secrets of each group: drawn once every function is known. */
  readonly rotations: GroupRotation[];
  readonly t: D2Text;
  readonly edges: string[];
  readonly legend: LegendEntry[];
  readonly notes: string[];
  /** The certainties of the reads the boxes mark (for the legend's notes). */
  readonly marks: Set<Certainty>;
}

function secretFacts(s: Secret, showKey: boolean, keyLabel: string): string {
  const parts: string[] = [];
  parts.push(s.rotation.enabled ? intervalLabel([s.rotation.intervalDays]) : 'NOT rotated');
  if (showKey) parts.push(`key ${keyLabel}`);
  if (s.replicas.length) parts.push(`replica ${s.replicas.map((r) => r.region).join(', ')}`);
  return parts.join(' · ');
}

/** The key that encrypts a secret, met once per key. */
function keyOf(d: Drawing, s: Secret): KeyUse {
  const k = s.keyUrn ? d.l.keyByUrn.get(s.keyUrn) : undefined;
  // The AWS-managed key, however the secret names it (no key id, the alias, its ARN): one key.
  const id = k ? k.urn : s.keyId === undefined || s.keyId === '' || isAwsManagedKeyId(s.keyId) ? 'aws-managed' : `id:${s.keyId}`;
  let use = d.keys.get(id);
  if (!use) {
    use = { ...(k ? { key: k } : {}), ...(s.keyId !== undefined ? { keyId: s.keyId } : {}), name: k ? keyName(k) : keyIdName(s.keyId, 'aws/secretsmanager'), id: d.keyIds.id(id) };
    d.keys.set(id, use);
  }
  return use;
}

/** The container a key is drawn in: the stack's own keys, or those from another stack. */
function keyContainer(d: Drawing, u: KeyUse): string {
  return u.key && u.key.stack !== d.stack ? d.containers.id(u.key.stack) : 'keys';
}

/** The function that rotates a secret (none when it does not rotate), met once per function. */
function fnOf(d: Drawing, s: Secret): FnUse | undefined {
  if (!s.rotation.enabled) return undefined;
  const f = s.rotation.functionUrn ? d.fnByUrn.get(s.rotation.functionUrn) : undefined;
  const id = f ? f.urn : `arn:${s.rotation.functionArn ?? 'unknown'}`;
  let use = d.fns.get(id);
  if (!use) {
    const name = f ? f.name : (s.rotation.functionArn?.split(':').pop() ?? 'rotation function (unknown)');
    const role = f?.roleUrn ? d.l.roleByUrn.get(f.roleUrn) : undefined;
    const lines = [clip(name, 40)];
    if (f?.runtime) lines.push(f.runtime);
    if (role) lines.push(`${TRUST_LABEL[role.trust.kind]} ${clip(role.name, 34)}`);
    use = { ...(f ? { fn: f } : {}), name: clip(name, 40), label: lines.join('\n'), id: d.fnIds.id(id) };
    d.fns.set(id, use);
  }
  return use;
}

/**
 * Who outside the secret's account may read its value, as the access engine answers (its resource
 * policy and its key's policy both let them): `444455556666 *`, `any AWS account *`, with the marks
 * of the reads (their own IAM is not in the estate). Empty when the secret's account is not known
 * (then only `*` counts) or nobody outside may read it.
 */
function outsideReaders(d: Drawing, s: Secret): string[] {
  const best = new Map<string, Certainty>();
  for (const r of d.l.store.readersOf(s.urn)) {
    if (r.kind !== 'secret-value') continue;
    const p = d.l.store.findPrincipal(r.principal);
    if (!p) continue;
    // Outside the estate (named by a policy), or a principal of a loaded stack of another account.
    const account = p.external ? p.external.account : (p.role ?? p.user ?? p.group)?.account ?? /^arn:[^:]+:(?:iam|sts)::(\d{12}):/.exec(p.arn ?? '')?.[1];
    const who = p.external?.id === 'external:*' ? 'any AWS account' : account !== undefined && s.account !== undefined && account !== s.account ? account : undefined;
    if (who === undefined) continue;
    best.set(who, surer(best.get(who), (r.item as { readonly certainty: Certainty }).certainty));
  }
  return [...best].sort(byString(([w]) => (w === 'any AWS account' ? '' : w))).map(([w, c]) => {
    d.marks.add(c);
    return `${w}${certaintyMark(c)}`;
  });
}

/** A box per secret: its name below the prefix and its facts (the key too when the group has several), and who outside its account may read it. */
function secretBoxes(d: Drawing, list: readonly Secret[], showKey: boolean): Box[] {
  const ids = new Ids('s_');
  return list.map((s) => {
    const outside = outsideReaders(d, s);
    const line = outside.length ? `\nread from outside the account:\n${listWithMore(outside, 2).join(', ')}` : '';
    return { id: ids.id(d.rel(s.name)), label: `${clip(d.rel(s.name), 38)}\n${secretFacts(s, showKey, keyOf(d, s).name)}${line}`, aggregated: false };
  });
}

/**
 * How the secrets of an aggregated box rotate: `every 30 d`, `every 30 d · 4 NOT rotated`,
 * `NOT rotated`, `every 7 d · 2 interval unknown`: a secret that does not rotate, or whose interval
 * is unknown, is counted, never covered by the others' interval.
 */
function rotationSummary(ss: readonly Secret[]): string {
  const rotated = ss.filter((s) => s.rotation.enabled);
  const known = rotated.flatMap((s) => (s.rotation.intervalDays !== undefined ? [s.rotation.intervalDays] : []));
  const unknown = rotated.length - known.length;
  const not = ss.length - rotated.length;
  const parts: string[] = [];
  if (known.length) parts.push(intervalLabel(known));
  if (unknown) parts.push(known.length ? `${unknown} interval unknown` : 'rotates, interval unknown');
  if (not) parts.push(rotated.length ? `${not} NOT rotated` : 'NOT rotated');
  return parts.join(' · ');
}

/** A box per name prefix (the first segment below the common prefix) with counts, and "+ N more prefixes". */
function prefixBoxes(d: Drawing, list: readonly Secret[]): Box[] {
  const bySeg = new Map<string, Secret[]>();
  for (const s of list) {
    const r = d.rel(s.name);
    const seg = r.includes('/') ? `${r.split('/')[0]}/` : '(top level)';
    bySeg.set(seg, [...(bySeg.get(seg) ?? []), s]);
  }
  const segs = [...bySeg.keys()].sort();
  const keep = segs.length > MAX_LEAVES_PER_FOLDER ? segs.slice(0, MAX_LEAVES_PER_FOLDER - 1) : segs;
  const ids = new Ids('a_');
  const boxes: Box[] = keep.map((seg) => {
    const ss = bySeg.get(seg)!;
    const outside = ss.filter((x) => outsideReaders(d, x).length > 0).length;
    return {
      id: ids.id(seg),
      label: `${seg}\n${plural(ss.length, 'secret')} · ${rotationSummary(ss)}${outside ? `\n${outside} read from outside the account` : ''}`,
      aggregated: true,
    };
  });
  if (keep.length < segs.length) {
    const rest = segs.slice(keep.length).flatMap((sg) => bySeg.get(sg)!);
    boxes.push({ id: 'a_more', label: `+ ${plural(segs.length - keep.length, 'more prefix', 'more prefixes')}\n${plural(rest.length, 'secret')}`, aggregated: true });
  }
  return boxes;
}

/** One category's group of secrets, with its edges to the keys that encrypt them and to the rotation. */
function drawGroup(d: Drawing, cat: SecretCategory, gid: string, list: readonly Secret[]): void {
  d.legend.push({ cls: secretClass(cat) });
  const keyUses = [...new Map(list.map((s) => [keyOf(d, s).id, keyOf(d, s)])).values()].sort(byString((k) => k.name));
  const boxes = list.length <= MAX_LEAVES_PER_FOLDER ? secretBoxes(d, list, keyUses.length > 1) : prefixBoxes(d, list);
  const unrotated = list.filter((s) => !s.rotation.enabled).length;
  const head = `${SECRET_CATEGORY_LABEL[cat]} (${list.length})${unrotated ? ` · ${unrotated} NOT rotated` : ''}`;
  d.t.block(`${gid}: ${q(head)}`, (b) => {
    b.line(`class: group`);
    b.line(`grid-columns: ${gridColumns(boxes.length, 3)}`);
    b.line('grid-gap: 10');
    for (const x of boxes) b.line(`${x.id}: ${q(x.label)} { class: ${x.aggregated ? 'secret-aggregate' : secretClass(cat)} }`);
  });
  for (const k of keyUses) {
    const n = list.filter((s) => keyOf(d, s).id === k.id).length;
    d.edges.push(`${gid} -> ${keyContainer(d, k)}.${k.id}: ${q(n === list.length ? 'encrypted by' : `${n} encrypted by`)} { class: caption }`);
  }
  // By function, and apart where the interval is unknown (intervalLabel leaves unknowns out).
  const byFn = new Map<string, GroupRotation>();
  for (const s of list) {
    const f = fnOf(d, s);
    if (!f) continue;
    const key = `${f.id}${s.rotation.intervalDays === undefined ? ' ?' : ''}`;
    const cur = byFn.get(key) ?? { gid, use: f, days: [] };
    cur.days.push(s.rotation.intervalDays);
    byFn.set(key, cur);
  }
  d.rotations.push(...[...byFn.entries()].sort(byString(([k]) => k)).map(([, r]) => r));
}

/** `every 30 d`, `every 7-30 d`, or `(interval unknown)`: what follows "rotates" on an edge. */
function rotatesLabel(days: readonly (number | undefined)[]): string {
  return days.some((x) => x !== undefined) ? `rotates ${intervalLabel(days)}` : 'rotates (interval unknown)';
}

/**
 * The edges from each group to the rotation container, one per distinct label. They end at the
 * container, not at a function (edges into the functions' grid cells cross the groups' boxes and
 * their labels overlap), so with several functions each label names the function(s):
 * `rotates every 30 d by rotate-db`, or `by the 3 functions` when it is all of them.
 */
function rotationEdges(d: Drawing): void {
  const several = d.fns.size > 1;
  const byEdge = new Map<string, { gid: string; interval: string; fns: Map<string, FnUse> }>();
  for (const r of d.rotations) {
    const interval = rotatesLabel(r.days);
    const key = `${r.gid}\u0000${interval}`;
    const cur = byEdge.get(key) ?? { gid: r.gid, interval, fns: new Map() };
    cur.fns.set(r.use.id, r.use);
    byEdge.set(key, cur);
  }
  for (const { gid, interval, fns } of byEdge.values()) {
    // Every function (one per environment, say): their names would say nothing the boxes do not.
    const names = [...fns.values()].map((f) => f.name).sort();
    const by = !several ? '' : fns.size === d.fns.size ? ` by the ${fns.size} functions` : ` by ${listWithMore(names, 3).join(', ')}`;
    d.edges.push(`${gid} -> rotation: ${q(interval + by)} { class: caption }`);
  }
}

/** The rotation machinery, once: the function(s) above the lifecycle strip, and who else can re-stage secrets. */
function drawRotation(d: Drawing, secrets: readonly Secret[]): void {
  const { estate, l, t } = d;
  if (!d.fns.size) {
    t.line(`rotation: ${q('No rotation function: no secret rotates automatically')} { class: warn }`);
    return;
  }
  rotationEdges(d);
  const fns = [...d.fns.values()].sort(byString((f) => f.id));
  t.block(`rotation: ${q('Rotation')}`, (b) => {
    b.line('class: group');
    b.line('icon: ${icon_lambda}');
    // A one-column grid: the function(s) above the lifecycle strip (ELK ignores a container's
    // own direction).
    b.line('grid-columns: 1');
    b.line('vertical-gap: 50');
    if (fns.length === 1) {
      b.line(`${fns[0]!.id}: ${q(fns[0]!.label)} { class: function }`);
      lifecycleStrip(b);
      b.line(`${fns[0]!.id} -> lifecycle: ${q('runs each step')} { class: caption }`);
    } else {
      // Several functions side by side in a cell of their own, with one edge to the strip: stacked,
      // each one's edge ran through the boxes below it.
      b.block('functions: ""', (c) => {
        // Rows first: D2 then fills row by row (columns first, it fills column by column and
        // stretches a short column's boxes to the height of the others).
        const cols = gridColumns(fns.length, 3);
        c.line(`grid-rows: ${Math.ceil(fns.length / cols)}`);
        c.line(`grid-columns: ${cols}`);
        c.line('grid-gap: 30');
        c.line('style.opacity: 0');
        for (const f of fns) c.line(`${f.id}: ${q(f.label)} { class: function }`);
      });
      lifecycleStrip(b);
      b.line(`functions -> lifecycle: ${q('each runs each step')} { class: caption }`);
    }
  });
  d.legend.push({ cls: 'function' });
  // Which other roles can re-stage secrets (the functions' own roles are in their boxes): a note.
  const writing = l.store.principalsWith(secrets.map((s) => s.urn), ['secret-write']);
  const own = new Set(fns.flatMap((f) => (f.fn?.roleUrn !== undefined ? [f.fn.roleUrn] : [])));
  const writers = [...writing]
    .filter((id) => !own.has(id))
    .map((id) => {
      const p = l.store.principal(id);
      return p.role ? (roleService(estate, l, p.role)?.name ?? p.name) : `${p.name} (${principalLine(p)})`;
    });
  const named = [...new Set(writers)].sort();
  if (named.length) d.notes.push(`besides the rotation functions, these can write or re-stage secret versions: ${listWithMore(named, 6).join(', ')}`);
}

/** The steps of each rotation, with the version stages they move. */
function lifecycleStrip(b: D2Text): void {
  b.block(`lifecycle: ${q('Each rotation (version stages)')}`, (c) => {
    c.line('class: group');
    c.line(`style.font-size: ${TYPE.heading}`);
    c.line('grid-rows: 1');
    c.line('grid-gap: 30');
    c.line(`create: ${q('createSecret\nnew version\nAWSPENDING')} { class: step }`);
    c.line(`set: ${q('setSecret\nin the database\nor service')} { class: step }`);
    c.line(`test: ${q('testSecret\nlog in with\nAWSPENDING')} { class: step }`);
    c.line(`finish: ${q('finishSecret\nAWSPENDING\n→ AWSCURRENT')} { class: step }`);
    c.line(`retire: ${q('old version\nretired\n→ AWSPREVIOUS')} { class: step }`);
    c.line('create -> set -> test -> finish -> retire');
  });
}

/** The keys, in a container for the stack's own and one per other stack. */
function drawKeys(d: Drawing): void {
  const keyGroups = new Map<string, KeyUse[]>();
  for (const k of d.keys.values()) keyGroups.set(keyContainer(d, k), [...(keyGroups.get(keyContainer(d, k)) ?? []), k]);
  for (const [container, list] of [...keyGroups].sort(byString(([c]) => c))) {
    const external = container !== 'keys';
    const stackName = list[0]!.key?.stack ?? '';
    d.t.block(`${container}: ${q(external ? `KMS keys from stack ${stackName}` : 'KMS keys')}`, (b) => {
      b.line(`class: ${external ? 'external' : 'group'}`);
      b.line('icon: ${icon_kms}');
      for (const k of list.sort(byString((k) => k.name))) {
        b.line(`${k.id}: ${q(keyBoxText(k.name, k.key, k.keyId))} { class: key }`);
      }
    });
  }
  d.legend.push({ cls: 'key' });
}

export function secretsManagerIntegration(input: ViewInput): View {
  const { estate, stack } = input;
  const secrets = lookup(estate).store.inStack(estate.secrets, stack).sort(byString((s) => s.name));
  const l = lookup(estate);
  const env = servedLabel(l.store, stack, secrets);
  const title = `How are the secrets of ${env} stored, protected and rotated?`;
  const purpose = `The Secrets Manager secrets of ${env} by category, the KMS keys that encrypt them, and the rotation function with its lifecycle.`;
  if (secrets.length === 0) {
    return { name: 'secrets_manager_integration', title, purpose, d2: undefined, absent: `Stack ${stack} has no Secrets Manager secrets; this diagram would show them by category with their keys and rotation.` };
  }
  const prefix = commonPrefix(secrets.map((s) => s.name));
  const d: Drawing = {
    estate,
    l,
    stack,
    rel: (name) => (name.startsWith(prefix) ? name.slice(prefix.length) : name) || name,
    keys: new Map(),
    keyIds: new Ids('k_'),
    containers: new StackContainers(),
    fnByUrn: new Map(estate.functions.map((f) => [f.urn, f])),
    fns: new Map(),
    fnIds: new Ids('fn_'),
    rotations: [],
    t: new D2Text(),
    edges: [],
    legend: [],
    notes: [],
    marks: new Set(),
  };

  const groupIds = new Ids('g_');
  const cats = CATEGORY_ORDER.filter((c) => secrets.some((s) => s.category === c));
  for (const cat of cats) drawGroup(d, cat, groupIds.id(cat), secrets.filter((s) => s.category === cat));
  if (cats.some((cat) => secrets.filter((s) => s.category === cat).length > MAX_LEAVES_PER_FOLDER)) {
    d.legend.push({ cls: 'secret-aggregate' });
    d.notes.push(`groups of more than ${MAX_LEAVES_PER_FOLDER} secrets are drawn by name prefix with counts`);
  }
  drawRotation(d, secrets);
  drawKeys(d);
  for (const e of d.edges.sort()) d.t.line(e);

  if (d.marks.size) d.notes.push('read from outside the account: its policy and its key\'s let them; their own account\'s IAM decides the rest');
  if (d.marks.has('conditional')) d.notes.push(CONDITIONAL_NOTE);
  if (d.marks.has('unknown')) d.notes.push(UNKNOWN_NOTE);
  d.notes.unshift(prefix ? `${plural(secrets.length, 'secret')} under ${prefix}` : secrets.length === 1 ? '1 secret' : `${secrets.length} secrets, no common prefix`);
  legendBlock(d.t, 'legend', { legend: d.legend, notes: d.notes, noteWidth: 40 });
  const d2 = compose({ title, direction: 'right', layout: 'elk', pad: 20 }, d.t);
  return { name: 'secrets_manager_integration', title, purpose, d2 };
}
