/**
 * Reads estate.json documents for the change review: the files committed under a docs directory
 * (`--base-docs`, by default the generator's own `--out`), or documents built in memory by the same
 * pipeline. Either way each document goes through `parseEstateDoc`, which checks the schema version
 * and the shape of every part the comparison reads, and fails with the file, the JSON path and what
 * is accepted. Parts the comparison does not read are not checked.
 */

import { promises as fs } from 'node:fs';
import path from 'node:path';
import { SEVERITIES, type Severity } from '../compliance/types.ts';
import type { Certainty } from '../estate/model.ts';
import { describeInput, GeneratorError, quoteInput } from '../errors.ts';
import { ESTATE_JSON_NAME, ESTATE_JSON_SCHEMA_VERSION } from '../json/estate-json.ts';
import type { DocFinding, DocKey, DocParameter, DocPolicy, DocPrincipal, DocRead, DocSecret, DocVia, EstateDoc } from './types.ts';
import { GENERATOR } from '../util/generator.ts';

const CERTAINTIES: readonly Certainty[] = ['certain', 'conditional', 'unknown'];
const STATUSES = ['met', 'not met', 'not applicable'] as const;

type Obj = Record<string, unknown>;

/** Field readers that fail naming the document, the JSON path and what is accepted. */
class Fields {
  constructor(private readonly origin: string) {}

  fail(jsonPath: string, found: unknown, expected: string): never {
    throw new GeneratorError('input', `not an estate.json this version reads: found ${describeInput(found)}`, { subject: this.origin, jsonPath, expected });
  }
  obj(v: unknown, at: string): Obj {
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : this.fail(at, v, 'an object');
  }
  str(o: Obj, k: string, at: string): string {
    const v = o[k];
    return typeof v === 'string' ? v : this.fail(`${at}.${k}`, v, 'a string');
  }
  optStr(o: Obj, k: string, at: string): string | undefined {
    const v = o[k];
    return v === undefined || v === null ? undefined : typeof v === 'string' ? v : this.fail(`${at}.${k}`, v, 'a string or nothing');
  }
  bool(o: Obj, k: string, at: string): boolean {
    const v = o[k];
    return typeof v === 'boolean' ? v : this.fail(`${at}.${k}`, v, 'true or false');
  }
  optNum(o: Obj, k: string, at: string): number | undefined {
    const v = o[k];
    return v === undefined || v === null ? undefined : typeof v === 'number' && Number.isFinite(v) ? v : this.fail(`${at}.${k}`, v, 'a number or nothing');
  }
  arr(o: Obj, k: string, at: string, optional = false): unknown[] {
    const v = o[k];
    if (v === undefined && optional) return [];
    return Array.isArray(v) ? v : this.fail(`${at}.${k}`, v, 'an array');
  }
  strs(o: Obj, k: string, at: string, optional = false): string[] {
    return this.arr(o, k, at, optional).map((x, i) => (typeof x === 'string' ? x : this.fail(`${at}.${k}[${i}]`, x, 'a string')));
  }
  oneOf<T extends string>(o: Obj, k: string, at: string, accepted: readonly T[]): T {
    const v = o[k];
    return typeof v === 'string' && (accepted as readonly string[]).includes(v) ? (v as T) : this.fail(`${at}.${k}`, v, `one of ${accepted.join(', ')}`);
  }
  list<T>(o: Obj, k: string, at: string, item: (x: Obj, at: string) => T, optional = false): T[] {
    return this.arr(o, k, at, optional).map((x, i) => item(this.obj(x, `${at}.${k}[${i}]`), `${at}.${k}[${i}]`));
  }
}

function via(f: Fields, o: Obj, at: string): DocVia {
  const sid = f.optStr(o, 'sid', at);
  const group = f.optStr(o, 'group', at);
  return { kind: f.str(o, 'kind', at), name: f.str(o, 'name', at), ref: f.str(o, 'ref', at), ...(sid !== undefined ? { sid } : {}), ...(group !== undefined ? { group } : {}) };
}

/** Per document (its parameters and secrets lists): name -> URN per kind, and the members of each folder asked for. */
interface DocIndex {
  readonly urns: { readonly parameter: ReadonlyMap<string, string>; readonly secret: ReadonlyMap<string, string> };
  readonly folders: Map<string, readonly { name: string; urn: string }[]>;
}
const docIndexes = new WeakMap<object, DocIndex>();

function docIndex(doc: Pick<EstateDoc, 'parameters' | 'secrets'>): DocIndex {
  let ix = docIndexes.get(doc);
  if (ix === undefined) {
    const urns = { parameter: new Map(doc.parameters.map((x) => [x.name, x.urn])), secret: new Map(doc.secrets.map((x) => [x.name, x.urn])) };
    docIndexes.set(doc, (ix = { urns, folders: new Map() }));
  }
  return ix;
}

/** The resources of a folder in a document: parameters or secrets named under it (of its class, for parameters); computed once per document and folder. */
function folderMembers(doc: Pick<EstateDoc, 'parameters' | 'secrets'>, kind: 'parameter' | 'secret', folder: string, secure: boolean | undefined): readonly { name: string; urn: string }[] {
  const ix = docIndex(doc);
  const key = `${kind}\u0000${secure === undefined ? '' : String(secure)}\u0000${folder}`;
  let members = ix.folders.get(key);
  if (members === undefined) {
    members = kind === 'secret' ? doc.secrets.filter((x) => x.name.startsWith(folder)) : doc.parameters.filter((x) => x.name.startsWith(folder) && (secure === undefined || (x.type === 'SecureString') === secure));
    ix.folders.set(key, members);
  }
  return members;
}

/** One access item (keys): a named resource. */
function read(f: Fields, o: Obj, at: string): DocRead {
  const stack = f.optStr(o, 'stack', at);
  return { name: f.str(o, 'name', at), urn: f.str(o, 'urn', at), ...(stack !== undefined ? { stack } : {}), certainty: f.oneOf(o, 'certainty', at, CERTAINTIES), via: f.list(o, 'via', at, (x, a) => via(f, x, a)) };
}

/**
 * One access group (parameters, secrets): its names, and its folders expanded to their members
 * against this document's resources; a folder of another stack is kept for `expandFolders`.
 */
function group(f: Fields, o: Obj, at: string, kind: 'parameter' | 'secret', own: Pick<EstateDoc, 'parameters' | 'secrets'>): DocRead[] {
  const stack = f.optStr(o, 'stack', at);
  const common = { ...(stack !== undefined ? { stack } : {}), certainty: f.oneOf(o, 'certainty', at, CERTAINTIES), via: f.list(o, 'via', at, (x, a) => via(f, x, a)) };
  const urns = docIndex(own).urns[kind];
  const out: DocRead[] = f.strs(o, 'names', at, true).map((name) => ({ name, urn: stack === undefined ? (urns.get(name) ?? '') : '', ...common }));
  for (const [i, fo] of f.list(o, 'folders', at, (x) => x, true).entries()) {
    const fa = `${at}.folders[${i}]`;
    const folder = f.str(fo, 'folder', fa);
    const secure = kind === 'parameter' ? (typeof fo.secure === 'boolean' ? fo.secure : f.fail(`${fa}.secure`, fo.secure, 'true or false')) : undefined;
    if (stack === undefined) for (const m of folderMembers(own, kind, folder, secure)) out.push({ name: m.name, urn: m.urn, ...common });
    else out.push({ name: `${folder}*`, urn: '', ...common, folder: { kind, path: folder, ...(secure !== undefined ? { secure } : {}) } });
  }
  return out;
}

/** Folders of other stacks' resources expanded against those stacks' documents, where the side holds them. */
export function expandFolders(docs: readonly EstateDoc[]): EstateDoc[] {
  const byKey = new Map(docs.map((d) => [d.key, d]));
  const expand = (reads: readonly DocRead[]): DocRead[] =>
    reads.flatMap((r) => {
      const target = r.folder !== undefined && r.stack !== undefined ? byKey.get(r.stack) : undefined;
      if (r.folder === undefined || target === undefined) return [r];
      const { folder: _folder, ...rest } = r;
      return folderMembers(target, r.folder.kind, r.folder.path, r.folder.secure).map((m) => ({ ...rest, name: m.name, urn: m.urn }));
    });
  if (!docs.some((d) => d.principals.some((p) => [...p.reads.parameters, ...p.reads.secrets, ...p.rotates].some((r) => r.folder !== undefined)))) return [...docs];
  return docs.map((d) => ({
    ...d,
    principals: d.principals.map((p) => ({ ...p, reads: { parameters: expand(p.reads.parameters), secrets: expand(p.reads.secrets), keys: p.reads.keys }, rotates: expand(p.rotates) })),
  }));
}

function principal(f: Fields, o: Obj, at: string, own: Pick<EstateDoc, 'parameters' | 'secrets'>): DocPrincipal {
  const reads = f.obj(o.reads, `${at}.reads`);
  const groups = (from: Obj, k: string, kind: 'parameter' | 'secret', a: string, optional = false) => f.list(from, k, a, (x, xa) => group(f, x, xa, kind, own), optional).flat();
  const trust = o.trust === undefined ? undefined : f.obj(o.trust, `${at}.trust`);
  const arn = f.optStr(o, 'arn', at);
  const stack = f.optStr(o, 'stack', at);
  const boundary = f.optStr(o, 'boundary', at);
  return {
    id: f.str(o, 'id', at),
    kind: f.str(o, 'kind', at),
    name: f.str(o, 'name', at),
    ...(arn !== undefined ? { arn } : {}),
    ...(stack !== undefined ? { stack } : {}),
    ...(trust ? { trust: { kind: f.str(trust, 'kind', `${at}.trust`), principals: f.strs(trust, 'principals', `${at}.trust`) } } : {}),
    policies: f.strs(o, 'policies', at, true),
    ...(boundary !== undefined ? { boundary } : {}),
    groups: [...f.strs(o, 'groups', at, true), ...f.strs(o, 'otherGroups', at, true)],
    members: f.strs(o, 'members', at, true),
    admin: f.bool(o, 'admin', at),
    complete: f.bool(o, 'complete', at),
    reads: { parameters: groups(reads, 'parameters', 'parameter', `${at}.reads`), secrets: groups(reads, 'secrets', 'secret', `${at}.reads`), keys: f.list(reads, 'keys', `${at}.reads`, (x, a) => read(f, x, a)) },
    rotates: groups(o, 'rotates', 'secret', at, true),
  };
}

function parameter(f: Fields, o: Obj, at: string): DocParameter {
  const key = f.optStr(o, 'key', at);
  const environment = f.optStr(o, 'environment', at);
  return { name: f.str(o, 'name', at), urn: f.str(o, 'urn', at), type: f.str(o, 'type', at), tier: f.str(o, 'tier', at), ...(key !== undefined ? { key } : {}), ...(environment !== undefined ? { environment } : {}), protect: f.bool(o, 'protect', at) };
}

function secret(f: Fields, o: Obj, at: string): DocSecret {
  const rot = f.obj(o.rotation, `${at}.rotation`);
  const ra = `${at}.rotation`;
  const interval = f.optNum(rot, 'intervalDays', ra);
  const fn = f.optStr(rot, 'function', ra);
  const recovery = f.optNum(o, 'recoveryWindowDays', at);
  const environment = f.optStr(o, 'environment', at);
  return {
    name: f.str(o, 'name', at),
    urn: f.str(o, 'urn', at),
    category: f.str(o, 'category', at),
    key: f.str(o, 'key', at),
    rotation: { enabled: f.bool(rot, 'enabled', ra), label: f.str(rot, 'label', ra), ...(interval !== undefined ? { intervalDays: interval } : {}), ...(fn !== undefined ? { function: fn } : {}) },
    replicas: f.strs(o, 'replicas', at, true),
    ...(recovery !== undefined ? { recoveryWindowDays: recovery } : {}),
    ...(o.policy !== undefined ? { policy: f.arr(o, 'policy', at) } : {}),
    protect: f.bool(o, 'protect', at),
    ...(environment !== undefined ? { environment } : {}),
  };
}

function key(f: Fields, o: Obj, at: string): DocKey {
  const rot = f.obj(o.rotation, `${at}.rotation`);
  const enabled = rot.enabled === 'unknown' ? 'unknown' : f.bool(rot, 'enabled', `${at}.rotation`);
  const period = f.optNum(rot, 'periodDays', `${at}.rotation`);
  const stack = f.optStr(o, 'stack', at);
  const window = f.optNum(o, 'deletionWindowDays', at);
  return {
    name: f.str(o, 'name', at),
    urn: f.str(o, 'urn', at),
    ...(stack !== undefined ? { stack } : {}),
    rotation: { enabled, ...(period !== undefined ? { periodDays: period } : {}) },
    multiRegion: f.bool(o, 'multiRegion', at),
    replicas: f.strs(o, 'replicas', at, true),
    ...(window !== undefined ? { deletionWindowDays: window } : {}),
    protect: f.bool(o, 'protect', at),
    grants: f.list(o, 'grants', at, (g, a) => ({ name: f.str(g, 'name', a), grantee: f.str(g, 'grantee', a), operations: f.strs(g, 'operations', a) }), true),
    ...(o.policy !== undefined ? { policy: f.arr(o, 'policy', at) } : {}),
  };
}

function policy(f: Fields, o: Obj, at: string): DocPolicy {
  return { name: f.str(o, 'name', at), urn: f.str(o, 'urn', at), kind: f.str(o, 'kind', at), attachedTo: f.strs(o, 'attachedTo', at, true), boundaryOf: f.strs(o, 'boundaryOf', at, true), unknown: f.bool(o, 'unknown', at), statements: f.arr(o, 'statements', at) };
}

function finding(f: Fields, o: Obj, at: string): DocFinding {
  return {
    id: f.str(o, 'id', at),
    title: f.str(o, 'title', at),
    severity: f.oneOf<Severity>(o, 'severity', at, SEVERITIES),
    status: f.oneOf(o, 'status', at, STATUSES),
    resources: f.list(o, 'resources', at, (r, a) => ({ name: f.str(r, 'name', a), urn: f.str(r, 'urn', a), status: f.oneOf(r, 'status', a, ['met', 'not met'] as const), detail: f.str(r, 'detail', a) })),
  };
}

function resourceTypes(f: Fields, o: Obj): Record<string, number> | undefined {
  if (o.resourceTypes === undefined) return undefined;
  const t = f.obj(o.resourceTypes, '$.resourceTypes');
  return Object.fromEntries(Object.keys(t).map((k) => [k, f.optNum(t, k, '$.resourceTypes') ?? f.fail(`$.resourceTypes.${k}`, t[k], 'a number')]));
}

/** An estate.json document (parsed JSON) as the comparison reads it; `origin` names it in errors. */
export function parseEstateDoc(value: unknown, origin: string): EstateDoc {
  const f = new Fields(origin);
  const o = f.obj(value, '$');
  if (o.schemaVersion !== ESTATE_JSON_SCHEMA_VERSION) {
    throw new GeneratorError('input', `estate.json schema version ${describeInput(o.schemaVersion)} is not one this version reads`, {
      subject: origin,
      jsonPath: '$.schemaVersion',
      expected: `schemaVersion ${ESTATE_JSON_SCHEMA_VERSION}: regenerate the docs with this version (\`npm run diagrams\` with json in --format) or compare with another base (--base-ref, --base-state)`,
    });
  }
  if (o.generator !== GENERATOR) f.fail('$.generator', o.generator, `"${GENERATOR}" (an estate.json written by this generator)`);
  const cost = o.cost === null || o.cost === undefined ? undefined : f.optNum(f.obj(o.cost, '$.cost'), 'total', '$.cost');
  const types = resourceTypes(f, o);
  const environment = f.optStr(o, 'environment', '$');
  const own = { parameters: f.list(o, 'parameters', '$', (x, a) => parameter(f, x, a)), secrets: f.list(o, 'secrets', '$', (x, a) => secret(f, x, a)) };
  return {
    origin,
    key: f.str(o, 'key', '$'),
    project: f.str(o, 'project', '$'),
    stack: f.str(o, 'stack', '$'),
    ...(environment !== undefined ? { environment } : {}),
    ...(types !== undefined ? { resourceTypes: types } : {}),
    parameters: own.parameters,
    secrets: own.secrets,
    keys: f.list(o, 'keys', '$', (x, a) => key(f, x, a)),
    policies: f.list(o, 'policies', '$', (x, a) => policy(f, x, a)),
    principals: f.list(o, 'principals', '$', (x, a) => principal(f, x, a, own)),
    findings: f.list(o, 'findings', '$', (x, a) => finding(f, x, a)),
    ...(cost !== undefined ? { cost } : {}),
  };
}

const DOCS_EXPECTED = `the --out directory of \`npm run diagrams\` generated with json in --format: ${'<stack>'}/${ESTATE_JSON_NAME} (or <project>/<stack>/${ESTATE_JSON_NAME}) per stack`;

/** Regular files named estate.json one or two directories below `root` (no symbolic link followed, no dot-directory). */
async function findDocs(root: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (dir: string, depth: number): Promise<void> => {
    const entries = await fs.readdir(dir, { withFileTypes: true });
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const p = path.join(dir, e.name);
      if (e.isDirectory() && depth < 2) await walk(p, depth + 1);
      else if (e.isFile() && e.name === ESTATE_JSON_NAME && depth > 0) found.push(p);
    }
  };
  await walk(root, 0);
  return found.sort();
}

/** Reads and checks one estate.json file; `shown` names it in errors. */
export async function readEstateDocFile(file: string, shown: string): Promise<EstateDoc> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    throw new GeneratorError('input', `cannot read it: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { subject: shown, expected: 'a readable estate.json' });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new GeneratorError('input', `not valid JSON: ${(e as Error).message}`, { subject: shown, expected: 'an estate.json written by `npm run diagrams`' });
  }
  return parseEstateDoc(value, shown);
}

/** The committed estate.json files of a docs directory, each checked; at least one. `shown`: the directory as the user gave it. */
export async function readDocsDir(dir: string, shown: string = dir): Promise<EstateDoc[]> {
  const flag = `--base-docs ${shown}`;
  const st = await fs.stat(dir).catch(() => undefined);
  if (st === undefined || !st.isDirectory()) {
    throw new GeneratorError('input', st === undefined ? 'no such directory' : 'not a directory', { subject: flag, expected: DOCS_EXPECTED });
  }
  const files = await findDocs(dir);
  if (files.length === 0) {
    throw new GeneratorError('input', `no ${ESTATE_JSON_NAME} in the directory (docs generated without json in --format?)`, { subject: flag, expected: DOCS_EXPECTED });
  }
  const docs: EstateDoc[] = [];
  for (const file of files) docs.push(await readEstateDocFile(file, path.relative(process.cwd(), file) || file));
  const seen = new Map<string, string>();
  for (const d of docs) {
    const k = `${d.project}/${d.stack}`;
    const prev = seen.get(k);
    if (prev !== undefined) throw new GeneratorError('input', `stack ${quoteInput(k)} has two estate.json files (${prev} and ${d.origin})`, { subject: flag, expected: 'each stack once' });
    seen.set(k, d.origin);
  }
  return docs;
}
