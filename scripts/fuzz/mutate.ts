/**
 * Mutations. A case is a pure function of (seed, case number, seed files): `makeCase` picks a seed
 * file and one to three operators; document operators edit the parsed JSON (as a `tree.ts` document),
 * byte operators then edit the serialized bytes.
 */

import { gzipSync } from 'node:zlib';
import { ARCHIVE_SIG, ASSET_SIG, SECRET_SIG, SIG_KEY, UNKNOWN_MARKER } from '../../diagrams/graph/redact.ts';
import { hugeString, namePayload, STACK_PAYLOADS } from './payloads.ts';
import { Rng } from './rng.ts';
import { DUPS, isObj, Raw, rowArray, rowsOf, serialize, setSlot, slots, type Node, type Obj, type Slot } from './tree.ts';

export type InputKind = 'state' | 'preview';

export interface SeedFile {
  readonly name: string;
  readonly kind: InputKind;
  readonly bytes: Buffer;
  /** Seeds of one program run: a case may document them together with the mutated one. */
  readonly group?: string;
}

export interface FuzzCase {
  readonly index: number;
  readonly seed: SeedFile;
  readonly ops: readonly string[];
  readonly bytes: Buffer;
  /** The seeds of the same group documented with it (unmutated). */
  readonly companions: readonly SeedFile[];
  /** The case holds secret envelopes whose plaintext is CANARY: no output may contain it. */
  readonly canary: boolean;
}

/** Text inside every plaintext the fuzzer puts in a secret envelope. */
export const CANARY = 'CANARY-c4n4ry-SECRET';

interface Ctx {
  readonly rng: Rng;
  readonly doc: Node;
  readonly types: readonly string[];
  canary: boolean;
  /** An object was given duplicate keys (the document needs `serialize`, not JSON.stringify). */
  dups: boolean;
}

type DocOp = (c: Ctx) => void;
type ByteOp = (rng: Rng, b: Buffer) => Buffer;

const RESOURCE_KEYS = ['urn', 'type', 'custom', 'id', 'parent', 'provider', 'protect', 'external', 'inputs', 'outputs', 'dependencies', 'propertyDependencies', 'additionalSecretOutputs', 'delete', 'pendingReplacement', 'op', 'newState', 'oldState', 'aliases', 'initErrors'];

const MISSING_URN = 'urn:pulumi:dev::proj::aws:s3/bucket:Bucket::missing';

function pickSlot(c: Ctx, filter?: (s: Slot) => boolean): Slot | undefined {
  const all = slots(c.doc);
  const xs = filter ? all.filter(filter) : all;
  return xs.length === 0 ? undefined : c.rng.pick(xs);
}

/** A slot of a resource row half of the time (its structural keys), any slot otherwise. */
function pickStructural(c: Ctx): Slot | undefined {
  const rows = rowsOf(c.doc);
  if (rows.length > 0 && c.rng.chance(0.5)) {
    const row = c.rng.pick(rows);
    const key = c.rng.chance(0.7) ? c.rng.pick(RESOURCE_KEYS) : c.rng.pick(Object.keys(row).length > 0 ? Object.keys(row) : ['urn']);
    return { parent: row, key, value: row[key], path: `row.${key}` };
  }
  return pickSlot(c);
}

function otherValue(c: Ctx, v: Node): Node {
  const choices: Node[] = [null, true, false, 0, -1, 1.5, '', 'x', [], {}, [null], { a: 1 }, new Raw('1e999'), new Raw('-0'), new Raw('9007199254740993'), new Raw(`1${'0'.repeat(400)}`), new Raw('-1e-999'), [v], { value: v }, String(typeof v === 'object' ? 'object' : v)];
  return c.rng.pick(choices.filter((x) => typeof x !== typeof v || Array.isArray(x) !== Array.isArray(v)));
}

function deepText(rng: Rng): Raw {
  const d = rng.pick([50, 999, 1000, 1001, 1002, 5_000, 20_000, 100_000]);
  const style = rng.int(4);
  if (style === 0) return new Raw(`${'['.repeat(d)}${']'.repeat(d)}`);
  if (style === 1) return new Raw(`${'{"a":'.repeat(d)}1${'}'.repeat(d)}`);
  if (style === 2) return new Raw(`${'[{"k":'.repeat(d)}"v"${'}]'.repeat(d)}`);
  // Secret envelopes inside one another.
  return new Raw(`${`{"${SIG_KEY}":"${SECRET_SIG}","plaintext":`.repeat(Math.min(d, 20_000))}"\\"x\\""${'}'.repeat(Math.min(d, 20_000))}`);
}

function stringSlot(c: Ctx, names = false): Slot | undefined {
  const nameKey = /name|description|path|key|alias|tag|stack|project|arn|id|title|rule|schedule|value|target/i;
  return pickSlot(c, (s) => typeof s.value === 'string' && (!names || typeof s.key !== 'string' || nameKey.test(s.key) || (s.value as string).startsWith('urn:pulumi:')));
}

function insertAt(rng: Rng, s: string, ins: string): string {
  const i = rng.chance(0.3) ? (rng.chance(0.5) ? 0 : s.length) : rng.int(s.length + 1);
  return `${s.slice(0, i)}${ins}${s.slice(i)}`;
}

/** The URN's name part (after the last `::`) replaced. */
function withUrnName(urn: string, name: string): string {
  const i = urn.lastIndexOf('::');
  return i < 0 ? name : `${urn.slice(0, i + 2)}${name}`;
}

/** The URN's type part (between the second and third `::`) replaced; by index, so any length is cheap. */
function withUrnType(urn: string, type: string): string {
  const a = urn.indexOf('::');
  const b = a < 0 ? -1 : urn.indexOf('::', a + 2);
  const e = b < 0 ? -1 : urn.indexOf('::', b + 2);
  return e < 0 ? urn : `${urn.slice(0, b + 2)}${type}${urn.slice(e)}`;
}

function urnsOf(c: Ctx): string[] {
  return rowsOf(c.doc).map((r) => r.urn).filter((u): u is string => typeof u === 'string');
}

function canaryPlaintext(rng: Rng): string {
  const v = rng.pick<unknown>([CANARY, { password: CANARY }, [CANARY, 1], `${CANARY}\u0000\ud800`, { nested: { deeper: CANARY } }]);
  return rng.chance(0.9) ? JSON.stringify(v) : `${CANARY} not json {`;
}

function secretEnvelope(rng: Rng): Obj {
  return rng.chance(0.8) ? { [SIG_KEY]: SECRET_SIG, plaintext: canaryPlaintext(rng) } : { [SIG_KEY]: SECRET_SIG, ciphertext: Buffer.from(CANARY).toString('base64'), plaintext: canaryPlaintext(rng) };
}

function assetEnvelope(rng: Rng): Obj {
  const inner = rng.chance(0.5) ? secretEnvelope(rng) : deepText(rng);
  if (rng.chance(0.5)) return { [SIG_KEY]: ASSET_SIG, text: rng.chance(0.5) ? CANARY : inner, hash: rng.chance(0.5) ? inner : 'abc', path: inner };
  return { [SIG_KEY]: ARCHIVE_SIG, assets: { 'a.txt': { [SIG_KEY]: ASSET_SIG, text: CANARY, [SIG_KEY + 'x']: inner }, nested: { [SIG_KEY]: ARCHIVE_SIG, assets: { b: inner } }, sig: { [SIG_KEY]: inner } }, hash: inner };
}

/** Slots inside inputs or outputs of a resource (where secrets and assets live). */
function propertySlot(c: Ctx): Slot | undefined {
  return pickSlot(c, (s) => /\.(inputs|outputs)\b/.test(s.path) || s.key === 'inputs' || s.key === 'outputs');
}

const IAM_POLICIES: readonly unknown[] = [
  { Version: '2012-10-17', Statement: { Effect: 'Allow', Action: '*', Resource: '*' } },
  { Statement: [{ Effect: 'Deny', NotAction: ['kms:*'], NotResource: 'arn:aws:kms:*:*:key/*', Principal: '*' }] },
  { Statement: [{ Effect: 'Allow', Action: [1, null, {}], Resource: [[]], Condition: { StringEquals: { 'kms:ViaService': [null, 'ssm.*'] } } }] },
  { Statement: [{ Effect: 'Maybe', Action: 'ssm:GetParameter', Resource: 'arn:aws:ssm:us-east-1:123456789012:parameter/*', Condition: 'x' }] },
  { Statement: [{ Effect: 'Allow', Principal: { AWS: ['*', 'arn:aws:iam::123456789012:root', 5] }, Action: 'secretsmanager:GetSecretValue', Resource: '*', Condition: { ArnLike: null } }] },
  { Statement: Array.from({ length: 2_000 }, (_, i) => ({ Effect: i % 2 ? 'Allow' : 'Deny', Action: `s3:Get${'*'.repeat(i % 7)}`, Resource: `arn:aws:s3:::b${i}/*` })) },
  { Statement: [{ Effect: 'Allow', Action: `${'*?'.repeat(5_000)}`, Resource: `arn:aws:*:${'*'.repeat(5_000)}` }] },
  'not json {',
  '',
  [],
  { Statement: [] },
  { Statement: null },
];

/** Document operators by name. */
export const DOC_OPS: Readonly<Record<string, DocOp>> = {
  deleteKey: (c) => {
    const s = pickStructural(c);
    if (s && !Array.isArray(s.parent)) delete (s.parent as Obj)[s.key as string];
    else if (s) (s.parent as unknown[]).splice(s.key as number, 1);
  },
  duplicateKey: (c) => {
    const s = pickStructural(c);
    if (!s || Array.isArray(s.parent)) return;
    const o = s.parent as Obj;
    (o[DUPS] ??= []).push([s.key as string, c.rng.chance(0.5) ? otherValue(c, s.value) : s.value]);
    c.dups = true;
  },
  wrongType: (c) => {
    const s = pickStructural(c);
    if (s) setSlot(s, otherValue(c, s.value));
  },
  hugeString: (c) => {
    const s = c.rng.chance(0.5) ? stringSlot(c, true) : pickStructural(c);
    if (!s) return;
    const old = typeof s.value === 'string' ? s.value : '';
    setSlot(s, old.startsWith('urn:pulumi:') && c.rng.chance(0.5) ? withUrnName(old, hugeString(c.rng)) : hugeString(c.rng));
  },
  deepNesting: (c) => {
    const s = c.rng.chance(0.5) ? propertySlot(c) : pickStructural(c);
    if (s) setSlot(s, deepText(c.rng));
  },
  deepPath: (c) => {
    const s = stringSlot(c, true);
    if (s) setSlot(s, `/${'a/'.repeat(c.rng.pick([100, 1_000, 20_000, 200_000]))}x`);
  },
  loneSurrogate: (c) => {
    const s = stringSlot(c, true);
    if (s) setSlot(s, insertAt(c.rng, s.value as string, c.rng.pick(['\ud800', '\udc00', '\udbff', '\udfff', '\ud800\ud800'])));
  },
  nul: (c) => {
    const s = stringSlot(c, c.rng.chance(0.5));
    if (s) setSlot(s, insertAt(c.rng, s.value as string, c.rng.pick(['\u0000', '\u0000\u0000', '\u0001\u0000\u001f'])));
  },
  duplicateUrn: (c) => {
    const arr = rowArray(c.doc);
    const rows = rowsOf(c.doc).filter((r) => typeof r.urn === 'string');
    if (!arr || rows.length === 0) return;
    const a = c.rng.pick(rows);
    if (c.rng.chance(0.5)) arr.splice(c.rng.int(arr.length + 1), 0, JSON.parse(serialize(a)) as unknown);
    else c.rng.pick(rows).urn = a.urn;
  },
  parentCycle: (c) => {
    const rows = rowsOf(c.doc).filter((r) => typeof r.urn === 'string');
    if (rows.length === 0) return;
    const chain = Array.from({ length: 1 + c.rng.int(3) }, () => c.rng.pick(rows));
    chain.forEach((r, i) => (r.parent = chain[(i + 1) % chain.length]!.urn));
  },
  danglingRef: (c) => {
    const rows = rowsOf(c.doc);
    if (rows.length === 0) return;
    const r = c.rng.pick(rows);
    const target = c.rng.pick([MISSING_URN, 'not-a-urn', '', 'urn:pulumi:', `${MISSING_URN}::id`, 'urn:pulumi:a::b::pulumi:providers:aws::p']);
    const field = c.rng.pick(['parent', 'provider', 'dependencies', 'propertyDependencies', 'aliases']);
    r[field] = field === 'dependencies' || field === 'aliases' ? [target] : field === 'propertyDependencies' ? { bucket: [target] } : target;
  },
  hostileName: (c) => {
    if (c.rng.chance(0.2)) {
      // A key of a map (tags, policies by name) renamed.
      const s = pickSlot(c, (x) => !Array.isArray(x.parent) && /tags|inputs|outputs/.test(x.path));
      if (s) {
        delete (s.parent as Obj)[s.key as string];
        (s.parent as Obj)[namePayload(c.rng, String(s.key))] = s.value;
      }
      return;
    }
    const s = stringSlot(c, true);
    if (!s) return;
    const old = s.value as string;
    setSlot(s, old.startsWith('urn:pulumi:') ? withUrnName(old, namePayload(c.rng, undefined)) : namePayload(c.rng, old));
  },
  hostileStack: (c) => {
    const first = urnsOf(c).find((u) => u.startsWith('urn:pulumi:'));
    const m = first === undefined ? undefined : /^urn:pulumi:(.*?)::(.*?)::/s.exec(first);
    const which = c.rng.int(3);
    const stack = which !== 1 ? namePayload(c.rng, undefined, STACK_PAYLOADS) : m?.[1] ?? 'dev';
    const project = which !== 0 ? namePayload(c.rng, undefined, STACK_PAYLOADS) : m?.[2] ?? 'proj';
    if (m) {
      const from = `urn:pulumi:${m[1]}::${m[2]}::`;
      const to = `urn:pulumi:${stack}::${project}::`;
      // A huge name goes into the first URN only (where the names are read from): the file stays small enough to build.
      const targets = to.length > 10_000 ? slots(c.doc).filter((s) => s.value === first).slice(0, 1) : slots(c.doc);
      for (const s of targets) if (typeof s.value === 'string' && s.value.includes(from)) setSlot(s, s.value.split(from).join(to));
    }
    const d = c.doc as Obj;
    if (isObj(d.checkpoint)) d.checkpoint.stack = c.rng.chance(0.5) ? `org/${project}/${stack}` : stack;
    else if (typeof d.target === 'string') d.target = stack;
  },
  secretEnvelope: (c) => {
    const s = propertySlot(c);
    if (!s) return;
    setSlot(s, secretEnvelope(c.rng));
    c.canary = true;
  },
  assetEnvelope: (c) => {
    const s = propertySlot(c);
    if (!s) return;
    setSlot(s, assetEnvelope(c.rng));
    c.canary = true;
  },
  unknownMarker: (c) => {
    const s = c.rng.chance(0.5) ? stringSlot(c) : pickStructural(c);
    if (s) setSlot(s, UNKNOWN_MARKER);
  },
  retype: (c) => {
    const rows = rowsOf(c.doc);
    if (rows.length === 0 || c.types.length === 0) return;
    const r = c.rng.pick(rows);
    const t = c.rng.pick(c.types);
    r.type = t;
    if (typeof r.urn === 'string' && c.rng.chance(0.5)) r.urn = withUrnType(r.urn, t);
    if (c.rng.chance(0.5)) DOC_OPS.wrongType!(c);
  },
  policyDocument: (c) => {
    const rows = rowsOf(c.doc);
    if (rows.length === 0) return;
    const r = c.rng.pick(rows);
    const policy = c.rng.pick(IAM_POLICIES);
    const text = typeof policy === 'string' ? policy : JSON.stringify(policy);
    for (const bag of ['inputs', 'outputs']) {
      if (!isObj(r[bag])) r[bag] = {};
      (r[bag] as Obj)[c.rng.pick(['policy', 'assumeRolePolicy', 'policyDocument', 'keyPolicy'])] = c.rng.chance(0.8) ? text : policy;
    }
  },
  dropRows: (c) => {
    const arr = rowArray(c.doc);
    if (!arr || arr.length === 0) return;
    const n = 1 + c.rng.int(Math.max(1, arr.length >> 1));
    for (let i = 0; i < n && arr.length > 0; i++) arr.splice(c.rng.int(arr.length), 1);
  },
  shuffleRows: (c) => {
    const arr = rowArray(c.doc);
    if (!arr) return;
    for (let i = arr.length - 1; i > 0; i--) {
      const j = c.rng.int(i + 1);
      [arr[i], arr[j]] = [arr[j], arr[i]];
    }
  },
  manyRows: (c) => {
    const arr = rowArray(c.doc);
    const rows = rowsOf(c.doc).filter((r) => typeof r.urn === 'string');
    if (!arr || rows.length === 0) return;
    const n = c.rng.pick([100, 1_000, 2_000]);
    const model = c.rng.pick(rows);
    const text = serialize(model);
    if (text.length > 20_000) return;
    for (let i = 0; i < n; i++) {
      const copy = JSON.parse(text) as Obj;
      copy.urn = `${String(model.urn)}-${i}`;
      arr.push(copy);
    }
  },
};

const SPECIAL_BYTES: readonly number[][] = [[0], [0xff], [0xfe, 0xff], [0xef, 0xbb, 0xbf], [0xed, 0xa0, 0x80], [0xc0, 0xaf], [0xf4, 0x90, 0x80, 0x80], [0x80], [0x22], [0x5c], [0x7b], [0x5d], [0x0d], [0x1b]];

/** Byte operators by name. */
export const BYTE_OPS: Readonly<Record<string, ByteOp>> = {
  byteFlip: (rng, b) => {
    const out = Buffer.from(b);
    const n = 1 + rng.int(8);
    for (let i = 0; i < n && out.length > 0; i++) {
      const at = rng.int(out.length);
      out[at] = rng.chance(0.5) ? out[at]! ^ (1 << rng.int(8)) : rng.int(256);
    }
    return out;
  },
  truncate: (rng, b) => b.subarray(0, rng.int(b.length)),
  insertBytes: (rng, b) => {
    const at = rng.int(b.length + 1);
    return Buffer.concat([b.subarray(0, at), Buffer.from(rng.pick(SPECIAL_BYTES)), b.subarray(at)]);
  },
  encoding: (rng, b) => {
    const text = b.toString('utf8');
    switch (rng.int(8)) {
      case 0:
        return Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
      case 1:
        return Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(text, 'utf16le').swap16()]);
      case 2:
        return Buffer.from(text, 'utf16le');
      case 3:
        return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), b]);
      case 4:
        return Buffer.concat([Buffer.from([0xff, 0xfe, 0, 0]), b]);
      case 5:
        return gzipSync(b);
      case 6: {
        const z = gzipSync(b);
        return z.subarray(0, rng.int(z.length));
      }
      default:
        return Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le').subarray(0, rng.int(text.length * 2))]);
    }
  },
};

/** Operators with their weights: structure and names most, bytes less (most byte damage is refused early). */
const WEIGHTS: readonly (readonly [number, string])[] = [
  [4, 'byteFlip'],
  [2, 'truncate'],
  [2, 'insertBytes'],
  [2, 'encoding'],
  [6, 'deleteKey'],
  [4, 'duplicateKey'],
  [10, 'wrongType'],
  [3, 'hugeString'],
  [4, 'deepNesting'],
  [2, 'deepPath'],
  [4, 'loneSurrogate'],
  [3, 'nul'],
  [3, 'duplicateUrn'],
  [3, 'parentCycle'],
  [3, 'danglingRef'],
  [10, 'hostileName'],
  [6, 'hostileStack'],
  [3, 'secretEnvelope'],
  [3, 'assetEnvelope'],
  [2, 'unknownMarker'],
  [8, 'retype'],
  [4, 'policyDocument'],
  [2, 'dropRows'],
  [1, 'shuffleRows'],
  [1, 'manyRows'],
];

export const OPERATORS: readonly string[] = WEIGHTS.map(([, n]) => n);

/**
 * Case `index` of the run seeded `seed`: a seed file, one to three operators (document operators
 * first, then byte operators), the bytes, and, for a seed of a group, sometimes its companions.
 */
export function makeCase(seeds: readonly SeedFile[], types: readonly string[], seed: string, index: number): FuzzCase {
  const rng = new Rng(`${seed}:${index}`);
  const file = rng.pick(seeds);
  const count = rng.chance(0.7) ? 1 : 2 + rng.int(2);
  const ops = Array.from({ length: count }, () => rng.weighted(WEIGHTS));
  // A canary case is checked for leaks: nothing may edit its envelopes after they are placed.
  const canaryAt = ops.findIndex((o) => o === 'secretEnvelope' || o === 'assetEnvelope');
  const chosen = canaryAt >= 0 ? [...ops.slice(0, canaryAt).filter((o) => o in DOC_OPS), ops[canaryAt]!] : ops;
  const docOps = chosen.filter((o) => o in DOC_OPS);
  const byteOps = chosen.filter((o) => o in BYTE_OPS);
  let bytes = file.bytes;
  let canary = false;
  if (docOps.length > 0) {
    const ctx: Ctx = { rng, doc: JSON.parse(file.bytes.toString('utf8')) as Node, types, canary: false, dups: false };
    const raws = Raw.made;
    for (const o of docOps) DOC_OPS[o]!(ctx);
    bytes = Buffer.from(Raw.made === raws && !ctx.dups ? JSON.stringify(ctx.doc) : serialize(ctx.doc), 'utf8');
    canary = ctx.canary;
  }
  for (const o of byteOps) bytes = BYTE_OPS[o]!(rng, bytes);
  const companions = file.group !== undefined && rng.chance(0.25) ? seeds.filter((s) => s.group === file.group && s !== file) : [];
  return { index, seed: file, ops: [...docOps, ...byteOps], bytes, companions, canary };
}
