/**
 * Building and querying the ResourceGraph.
 *
 * `buildGraph` is the one place where raw resource rows (from a state export, a checkpoint, a preview
 * or a program run under mocks) become a ResourceGraph: validated, redacted, sorted, deeply frozen.
 * Readers parse their format and hand the rows over as they are (no copies); everything here builds
 * new values and never mutates its input.
 *
 * Invariants of the result (see ./types.ts): resources sorted by URN and unique; every `parent` is a
 * live resource; every edge's `from` and `to` are live resources (an edge to something outside the
 * live graph, e.g. a default provider a v0 checkpoint never recorded, is dropped, while the resource
 * keeps its `provider` field); edges unique and sorted by (kind, from, to, property).
 */

import { GeneratorError, describeInput, quoteInput } from '../errors.ts';
import { UNKNOWN_MARKER, isSecretId, newRedactionContext, pathSegment, redactProperties, referenceNames, type RedactionContext } from './redact.ts';
import {
  GRAPH_SCHEMA_VERSION,
  REDACTED,
  UNKNOWN,
  type Edge,
  type EdgeKind,
  type GraphSource,
  type JsonObject,
  type PlaintextSecret,
  type PlannedOp,
  type Resource,
  type ResourceGraph,
} from './types.ts';

/**
 * One resource row as a reader found it. Fields are `unknown` on purpose: rows are the parsed JSON
 * itself, validated here.
 */
export interface RawResource {
  readonly urn?: unknown;
  readonly type?: unknown;
  readonly custom?: unknown;
  readonly id?: unknown;
  readonly parent?: unknown;
  /** `<providerURN>::<id>` as in state files, or a bare provider URN. */
  readonly provider?: unknown;
  readonly protect?: unknown;
  readonly retainOnDelete?: unknown;
  readonly external?: unknown;
  readonly inputs?: unknown;
  readonly outputs?: unknown;
  readonly dependencies?: unknown;
  readonly propertyDependencies?: unknown;
  readonly additionalSecretOutputs?: unknown;
  readonly plannedOp?: unknown;
  /** Old copy awaiting deletion: not live, kept in metadata. */
  readonly delete?: unknown;
  /** Deleted before its replacement was created: not live, kept in metadata. */
  readonly pendingReplacement?: unknown;
  /** JSON path of this row in its file, for error messages (else `<resourcesPath>[i]`). */
  readonly jsonPath?: string;
}

export interface GraphInput {
  /** Project and stack names; when absent, taken from the first URN (`urn:pulumi:<stack>::<project>::...`). */
  readonly project?: string;
  readonly stack?: string;
  /** JSON paths `project` and `stack` were read from, for error messages (default `$`). */
  readonly projectPath?: string;
  readonly stackPath?: string;
  readonly source: GraphSource;
  /** Manifest time; zero times (`0001-01-01...`) and empty strings are treated as absent. */
  readonly deployedAt?: string;
  readonly pulumiVersion?: string;
  /** The stack's configured `aws:region` when the source carries its config (a preview). */
  readonly region?: string;
  readonly resources: readonly RawResource[];
  /** JSON path of the resources array, for error messages, e.g. `$.deployment.resources`. */
  readonly resourcesPath?: string;
  /** Pending operations as `<type> <urn>`. */
  readonly pendingOperations?: readonly string[];
  /** As recorded; `b64` also makes every envelope's ciphertext count as plain text (it is base64, not encrypted). */
  readonly secretsProvider?: string;
  /**
   * The caller owns `resources` outright (a fresh JSON.parse result nobody else sees): inputs and
   * outputs are redacted and frozen in place instead of copied. Default false: the input is not touched.
   */
  readonly adoptInput?: boolean;
}

const PLANNED_OPS: ReadonlySet<string> = new Set<PlannedOp>([
  'create',
  'update',
  'replace',
  'delete',
  'same',
  'read',
  'import',
  'refresh',
  'discard',
]);

const EDGE_KIND_ORDER: Readonly<Record<EdgeKind, number>> = { parent: 0, dependency: 1, property: 2, provider: 3 };

/** Code-unit order: deterministic and locale-independent. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function compareEdges(a: Edge, b: Edge): number {
  return (
    EDGE_KIND_ORDER[a.kind] - EDGE_KIND_ORDER[b.kind] ||
    compareStrings(a.from, b.from) ||
    compareStrings(a.to, b.to) ||
    compareStrings(a.property ?? '', b.property ?? '')
  );
}

/** Parts of an engine URN: `urn:pulumi:<stack>::<project>::<parentType$...$type>::<name>`. */
export interface UrnParts {
  readonly stack: string;
  readonly project: string;
  /** The resource's own type (the last `$` segment of the qualified type). */
  readonly type: string;
  /** The full qualified type, parent types chained with `$`. */
  readonly qualifiedType: string;
  readonly name: string;
}

/** Split a URN; undefined when it is not `urn:pulumi:` shaped. Names may themselves contain `::`. */
export function parseUrn(urn: string): UrnParts | undefined {
  if (!urn.startsWith('urn:pulumi:')) return undefined;
  const a = urn.indexOf('::', 11);
  if (a < 0) return undefined;
  const b = urn.indexOf('::', a + 2);
  if (b < 0) return undefined;
  const c = urn.indexOf('::', b + 2);
  if (c < 0) return undefined;
  const qualifiedType = urn.slice(b + 2, c);
  return {
    stack: urn.slice(11, a),
    project: urn.slice(a + 2, b),
    qualifiedType,
    type: qualifiedType.slice(qualifiedType.lastIndexOf('$') + 1),
    name: urn.slice(c + 2),
  };
}

/** `<providerURN>::<id>` -> provider URN. A bare URN (no id) is returned as is. */
export function providerUrnOf(ref: string): string {
  const parsed = parseUrn(ref);
  if (parsed === undefined) return ref;
  // A provider URN has exactly 4 `::` parts; a reference has an id appended after one more `::`.
  const i = ref.lastIndexOf('::');
  const candidate = parseUrn(ref.slice(0, i));
  return candidate !== undefined && candidate.type.startsWith('pulumi:providers:') ? ref.slice(0, i) : ref;
}

function isZeroTime(t: string | undefined): boolean {
  return t === undefined || t === '' || t.startsWith('0001-01-01');
}

function inputError(subject: string, jsonPath: string, message: string, expected?: string): GeneratorError {
  return new GeneratorError('input', message, { subject, jsonPath, ...(expected ? { expected } : {}) });
}

/** What a list of strings holds, for messages: `URN` (dependencies) or `property name` (additionalSecretOutputs). */
type ListItem = 'URN' | 'property name';

/** A list of strings at `path`; `what` names it in messages (e.g. `` `dependencies` ``). */
function stringList(v: unknown, subject: string, path: string, what: string, item: ListItem = 'URN'): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw inputError(subject, path, `${what} is not a list of ${item}s (found ${describeInput(v)})`, `an array of ${item} strings`);
  const out: string[] = [];
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (typeof x !== 'string') throw inputError(subject, `${path}[${i}]`, `an item of ${what} is not a string (found ${describeInput(x)})`, `a ${item} string`);
    out.push(x);
  }
  return out;
}

/**
 * Pulumi's own limit on stack and project names (100 characters). A longer name comes from no real
 * state; refusing it here keeps a megabyte-long name away from every later stage.
 */
export const MAX_NAME_LENGTH = 100;

function checkName(what: 'stack' | 'project', name: string, subject: string, jsonPath: string): string {
  if (name.length > MAX_NAME_LENGTH) {
    throw inputError(
      subject,
      jsonPath,
      `${what} name of ${name.length} characters (${quoteInput(name, 40)})`,
      `a ${what} name of at most ${MAX_NAME_LENGTH} characters, as Pulumi allows`,
    );
  }
  return name;
}

/** A live row found by pass 1, with its JSON path, URN, type and name. */
interface LiveRow {
  readonly row: RawResource;
  readonly path: string;
  readonly urn: string;
  readonly type: string;
  readonly name: string;
}

/** The rows as pass 1 sorts them out: live ones, and the URNs of pending deletes and replacements. */
interface SortedRows {
  readonly live: LiveRow[];
  /** Live URN -> JSON path of its row. */
  readonly liveByUrn: Map<string, string>;
  readonly pendingDeletes: string[];
  readonly pendingReplacements: string[];
  // JSON paths of the first pending delete and replacement rows (names may come from their URNs).
  readonly deletePath: string | undefined;
  readonly replacementPath: string | undefined;
}

/** Pass 1: validates each row's shape and URN, and separates the live rows (URNs unique) from pending deletes and replacements. */
function sortRows(input: GraphInput, subject: string, basePath: string): SortedRows {
  const live: LiveRow[] = [];
  const liveByUrn = new Map<string, string>();
  const pendingDeletes: string[] = [];
  const pendingReplacements: string[] = [];
  let deletePath: string | undefined;
  let replacementPath: string | undefined;
  for (let i = 0; i < input.resources.length; i++) {
    const row = input.resources[i];
    const path = (row as RawResource | undefined)?.jsonPath ?? `${basePath}[${i}]`;
    if (typeof row !== 'object' || row === null || Array.isArray(row)) {
      throw inputError(subject, path, `resource is not an object (found ${describeInput(row)})`, 'an object with a `urn`');
    }
    const urn = row.urn;
    if (typeof urn !== 'string' || urn === '') {
      const found = urn === undefined ? 'resource without a URN' : `resource URN is not a non-empty string (found ${describeInput(urn)})`;
      throw inputError(subject, `${path}.urn`, found, 'a string `urn:pulumi:<stack>::<project>::<type>::<name>`');
    }
    const parts = parseUrn(urn);
    if (parts === undefined) {
      throw inputError(subject, `${path}.urn`, `not a Pulumi URN: ${quoteInput(urn)}`, '`urn:pulumi:<stack>::<project>::<type>::<name>`');
    }
    if (row.delete === true) {
      pendingDeletes.push(urn);
      deletePath ??= path;
      continue;
    }
    if (row.pendingReplacement === true) {
      pendingReplacements.push(urn);
      replacementPath ??= path;
      continue;
    }
    const prev = liveByUrn.get(urn);
    if (prev !== undefined) {
      throw inputError(subject, `${path}.urn`, `duplicate URN ${quoteInput(urn)} (also at ${prev})`, 'each live resource once');
    }
    liveByUrn.set(urn, path);
    const type = typeof row.type === 'string' && row.type !== '' ? row.type : parts.type;
    live.push({ row, path, urn, type, name: parts.name });
  }
  return { live, liveByUrn, pendingDeletes, pendingReplacements, deletePath, replacementPath };
}

/** What pass 2 shares across the rows it normalises: the redaction, the live URNs, the edges found, provider URNs by reference. */
interface NormaliseState {
  readonly subject: string;
  readonly redaction: RedactionContext;
  readonly liveByUrn: ReadonlyMap<string, string>;
  readonly edges: Edge[];
  readonly providerCache: Map<string, string>;
}

/** Adds an edge, unless its target is not live or it is a self-edge. */
function addEdge(st: NormaliseState, kind: EdgeKind, from: string, to: string, property?: string): void {
  if (!st.liveByUrn.has(to) || from === to) return;
  st.edges.push(property === undefined ? { kind, from, to } : { kind, from, to, property });
}

/** A row's parent (checked to be a live resource), with its parent edge. */
function rowParent(st: NormaliseState, row: RawResource, path: string, urn: string): string | undefined {
  if (row.parent === undefined || row.parent === null || row.parent === '') return undefined;
  if (typeof row.parent !== 'string') throw inputError(st.subject, `${path}.parent`, `parent is not a string (found ${describeInput(row.parent)})`, 'a URN string');
  if (!st.liveByUrn.has(row.parent)) {
    throw inputError(st.subject, `${path}.parent`, `dangling parent ${quoteInput(row.parent)} of ${quoteInput(urn)}`, 'the URN of a live resource in the same file');
  }
  addEdge(st, 'parent', urn, row.parent);
  return row.parent;
}

/** A row's provider URN (from `<providerURN>::<id>` or a bare URN), with its provider edge. */
function rowProvider(st: NormaliseState, row: RawResource, urn: string): string | undefined {
  if (typeof row.provider !== 'string' || row.provider === '') return undefined;
  let provider = st.providerCache.get(row.provider);
  if (provider === undefined) {
    provider = providerUrnOf(row.provider);
    st.providerCache.set(row.provider, provider);
  }
  addEdge(st, 'provider', urn, provider);
  return provider;
}

/** A row's dependency edges and property edges (`propertyDependencies`), checked. */
function addDependencyEdges(st: NormaliseState, row: RawResource, path: string, urn: string): void {
  for (const dep of stringList(row.dependencies, st.subject, `${path}.dependencies`, '`dependencies`')) addEdge(st, 'dependency', urn, dep);
  const pd = row.propertyDependencies;
  if (pd === undefined || pd === null) return;
  if (typeof pd !== 'object' || Array.isArray(pd)) {
    throw inputError(st.subject, `${path}.propertyDependencies`, `\`propertyDependencies\` is not an object (found ${describeInput(pd)})`, 'an object of property name -> URN list');
  }
  for (const [prop, deps] of Object.entries(pd as Record<string, unknown>)) {
    const at = `${path}.propertyDependencies${pathSegment(prop)}`;
    for (const dep of stringList(deps, st.subject, at, `the \`propertyDependencies\` of ${quoteInput(prop, 40)}`)) addEdge(st, 'property', urn, dep, prop);
  }
}

/** A row's planned operation, checked to be one Pulumi knows. */
function rowPlannedOp(subject: string, row: RawResource, path: string): PlannedOp | undefined {
  if (row.plannedOp === undefined) return undefined;
  if (typeof row.plannedOp !== 'string' || !PLANNED_OPS.has(row.plannedOp)) {
    throw inputError(subject, `${path}.plannedOp`, `unknown planned operation ${describeInput(row.plannedOp)}`, [...PLANNED_OPS].join(', '));
  }
  return row.plannedOp as PlannedOp;
}

/** Pass 2 for one live row: its properties redacted, parent, provider and edges checked and recorded, its id; frozen. */
function normaliseRow(st: NormaliseState, { row, path, urn, type, name }: LiveRow): Resource {
  const { redaction } = st;
  const aso = row.additionalSecretOutputs === undefined ? [] : stringList(row.additionalSecretOutputs, st.subject, `${path}.additionalSecretOutputs`, '`additionalSecretOutputs`', 'property name');
  const rawId = (typeof row.id === 'string' && row.id !== '') || typeof row.id === 'number' ? String(row.id) : undefined;
  redaction.urn = urn;
  redaction.rowPath = path;
  redaction.id = rawId === UNKNOWN_MARKER ? undefined : rawId;
  redaction.idIsSecret = false;
  const inputs = redactProperties(row.inputs, { type, additionalSecretOutputs: aso, sibling: row.outputs, bag: 'inputs' }, redaction);
  const outputs = redactProperties(row.outputs, { type, additionalSecretOutputs: aso, sibling: row.inputs, bag: 'outputs' }, redaction);
  const parent = rowParent(st, row, path, urn);
  const provider = rowProvider(st, row, urn);
  addDependencyEdges(st, row, path, urn);

  // The id is secret for types whose id is their secret value, and wherever it equals a value redacted above.
  let id: string | undefined;
  if (rawId !== undefined) {
    if (isSecretId(type) || redaction.idIsSecret) {
      redaction.count++;
      id = REDACTED;
    } else {
      id = rawId === UNKNOWN_MARKER ? UNKNOWN : rawId;
    }
  }
  const plannedOp = rowPlannedOp(st.subject, row, path);

  const resource: Resource = {
    urn,
    type,
    name,
    custom: row.custom === true,
    ...(id !== undefined ? { id } : {}),
    ...(parent !== undefined ? { parent } : {}),
    ...(provider !== undefined ? { provider } : {}),
    protect: row.protect === true,
    ...(row.retainOnDelete === true ? { retainOnDelete: true as const } : {}),
    external: row.external === true,
    inputs,
    outputs,
    ...(plannedOp !== undefined ? { plannedOp } : {}),
  };
  return Object.freeze(resource);
}

/**
 * Normalise raw rows into a frozen, sorted, redacted ResourceGraph. Throws GeneratorError kind
 * 'input' naming the source, the JSON path and what was expected, for a row that is not an object, a
 * resource without a URN, a duplicate live URN, a dangling parent, a malformed list field, a value
 * nested deeper than MAX_VALUE_DEPTH (see ./types.ts), or a stack or project name longer than
 * MAX_NAME_LENGTH. Also records where the source holds secrets in plain text
 * (`metadata.plaintextSecrets`).
 */
export function buildGraph(input: GraphInput): ResourceGraph {
  const subject = input.source.location;
  const basePath = input.resourcesPath ?? '$.resources';
  const redaction = newRedactionContext({
    inPlace: input.adoptInput === true,
    ...(input.secretsProvider !== undefined ? { secretsProvider: input.secretsProvider } : {}),
    subject,
  });

  // Pass 1: validate rows, separate live ones.
  const rows = sortRows(input, subject, basePath);
  const { live, pendingDeletes, pendingReplacements } = rows;
  redaction.references = referenceNames(live);

  // Pass 2: normalise resources and edges.
  const st: NormaliseState = { subject, redaction, liveByUrn: rows.liveByUrn, edges: [], providerCache: new Map() };
  const resources: Resource[] = [];
  let stackOutputs: JsonObject = Object.freeze({});
  for (const l of live) {
    const resource = normaliseRow(st, l);
    resources.push(resource);
    if (resource.type === 'pulumi:pulumi:Stack' && resource.parent === undefined) stackOutputs = resource.outputs;
  }

  resources.sort((a, b) => compareStrings(a.urn, b.urn));
  const sortedEdges = st.edges.sort(compareEdges);
  // Unique edges (sorted, so duplicates are adjacent), each frozen.
  const edges = sortedEdges.filter((e, i) => i === 0 || compareEdges(sortedEdges[i - 1]!, e) !== 0).map((e) => Object.freeze(e));

  const first = live[0]?.urn ?? pendingDeletes[0] ?? pendingReplacements[0];
  const fromUrn = first !== undefined ? parseUrn(first) : undefined;
  const firstPath = `${live[0]?.path ?? rows.deletePath ?? rows.replacementPath ?? basePath}.urn`;
  const project = checkNamed('project', nonEmpty(input.project), input.projectPath, fromUrn?.project, firstPath, subject) ?? '(unknown project)';
  const stack = checkNamed('stack', nonEmpty(input.stack), input.stackPath, fromUrn?.stack, firstPath, subject) ?? '(unknown stack)';
  // A program run under mocks holds no state: its values are placeholders, not secrets in a file.
  const plaintextSecrets: readonly PlaintextSecret[] =
    input.source.kind === 'program'
      ? []
      : redaction.plaintext.sort((a, b) => compareStrings(a.urn, b.urn) || compareStrings(a.path, b.path)).map((p) => Object.freeze(p));

  const graph: ResourceGraph = {
    schemaVersion: GRAPH_SCHEMA_VERSION,
    stack: Object.freeze({
      project,
      stack,
      source: Object.freeze({ ...input.source }),
      ...(!isZeroTime(input.deployedAt) ? { deployedAt: input.deployedAt } : {}),
      ...(nonEmpty(input.pulumiVersion) !== undefined ? { pulumiVersion: input.pulumiVersion } : {}),
      ...(nonEmpty(input.region) !== undefined ? { region: input.region } : {}),
      resourceCount: resources.length,
      outputs: stackOutputs,
    }),
    resources: Object.freeze(resources),
    edges: Object.freeze(edges),
    metadata: Object.freeze({
      pendingDeletes: Object.freeze([...new Set(pendingDeletes)].sort(compareStrings)),
      pendingReplacements: Object.freeze([...new Set(pendingReplacements)].sort(compareStrings)),
      pendingOperations: Object.freeze([...(input.pendingOperations ?? [])].sort(compareStrings)),
      ...(nonEmpty(input.secretsProvider) !== undefined ? { secretsProvider: input.secretsProvider } : {}),
      redactedValues: redaction.count,
      plaintextSecrets: Object.freeze(plaintextSecrets),
    }),
  };
  return Object.freeze(graph);
}

function nonEmpty(s: string | undefined): string | undefined {
  return s === undefined || s === '' ? undefined : s;
}

/** The given name (checked, at `givenPath`), else the one from the first URN (checked, at `urnPath`). */
function checkNamed(
  what: 'stack' | 'project',
  given: string | undefined,
  givenPath: string | undefined,
  fromUrn: string | undefined,
  urnPath: string,
  subject: string,
): string | undefined {
  if (given !== undefined) return checkName(what, given, subject, givenPath ?? '$');
  return fromUrn === undefined ? undefined : checkName(what, fromUrn, subject, urnPath);
}

/**
 * Deep-freeze a graph built elsewhere (e.g. parsed back from JSON). Returns the same object.
 * Graphs from `buildGraph` are frozen already.
 */
export function freezeGraph(graph: ResourceGraph): ResourceGraph {
  deepFreeze(graph);
  return graph;
}

function deepFreeze(v: unknown): void {
  if (typeof v !== 'object' || v === null || Object.isFrozen(v)) return;
  Object.freeze(v);
  for (const x of Object.values(v)) deepFreeze(x);
}

// ─── Lookups ──────────────────────────────────────────────────────────────────────

function indexOfUrn(graph: ResourceGraph, urn: string): number {
  const rs = graph.resources;
  let lo = 0;
  let hi = rs.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const c = compareStrings(rs[mid]!.urn, urn);
    if (c === 0) return mid;
    if (c < 0) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/** The resource with this URN; throws GeneratorError naming the URN and the stack when it is absent. */
export function getResource(graph: ResourceGraph, urn: string): Resource {
  const i = indexOfUrn(graph, urn);
  if (i < 0) {
    throw new GeneratorError('input', `no resource ${urn} in stack ${graph.stack.project}/${graph.stack.stack}`, {
      subject: graph.stack.source.location,
      expected: 'the URN of a live resource of this graph',
    });
  }
  return graph.resources[i]!;
}

/** The resource with this URN, or undefined. For the rare caller that handles absence itself. */
export function findResource(graph: ResourceGraph, urn: string): Resource | undefined {
  const i = indexOfUrn(graph, urn);
  return i < 0 ? undefined : graph.resources[i];
}

export function hasResource(graph: ResourceGraph, urn: string): boolean {
  return indexOfUrn(graph, urn) >= 0;
}

/** Direct children (sorted by URN). Throws when `urn` is not in the graph. */
export function childrenOf(graph: ResourceGraph, urn: string): readonly Resource[] {
  getResource(graph, urn);
  return graph.resources.filter((r) => r.parent === urn);
}

/** The parent resource, or undefined for a root. Throws when `urn` is not in the graph. */
export function parentOf(graph: ResourceGraph, urn: string): Resource | undefined {
  const r = getResource(graph, urn);
  return r.parent === undefined ? undefined : getResource(graph, r.parent);
}

/** Ancestors from the parent up to the root. */
export function ancestorsOf(graph: ResourceGraph, urn: string): readonly Resource[] {
  const out: Resource[] = [];
  const seen = new Set<string>([urn]);
  let p = parentOf(graph, urn);
  while (p !== undefined && !seen.has(p.urn)) {
    out.push(p);
    seen.add(p.urn);
    p = p.parent === undefined ? undefined : getResource(graph, p.parent);
  }
  return out;
}

/** The provider resource, or undefined when none is recorded or it is outside the graph. */
export function providerOf(graph: ResourceGraph, urn: string): Resource | undefined {
  const r = getResource(graph, urn);
  return r.provider === undefined ? undefined : findResource(graph, r.provider);
}

/** Edges leaving `urn` (what it depends on / its parent / its provider), optionally of one kind. */
export function edgesFrom(graph: ResourceGraph, urn: string, kind?: EdgeKind): readonly Edge[] {
  return graph.edges.filter((e) => e.from === urn && (kind === undefined || e.kind === kind));
}

/** Edges arriving at `urn` (what depends on it / its children / users of a provider). */
export function edgesTo(graph: ResourceGraph, urn: string, kind?: EdgeKind): readonly Edge[] {
  return graph.edges.filter((e) => e.to === urn && (kind === undefined || e.kind === kind));
}

/** URNs `urn` depends on through dependency or property edges, sorted and unique. */
export function dependenciesOf(graph: ResourceGraph, urn: string): readonly string[] {
  const s = new Set<string>();
  for (const e of graph.edges) if (e.from === urn && (e.kind === 'dependency' || e.kind === 'property')) s.add(e.to);
  return [...s].sort(compareStrings);
}

/** URNs that depend on `urn` through dependency or property edges, sorted and unique. */
export function dependentsOf(graph: ResourceGraph, urn: string): readonly string[] {
  const s = new Set<string>();
  for (const e of graph.edges) if (e.to === urn && (e.kind === 'dependency' || e.kind === 'property')) s.add(e.from);
  return [...s].sort(compareStrings);
}

/** Resources of a type token (exact match), sorted by URN. */
export function resourcesOfType(graph: ResourceGraph, type: string): readonly Resource[] {
  return graph.resources.filter((r) => r.type === type);
}

/** The root `pulumi:pulumi:Stack` resource, if the state has one. */
export function stackResource(graph: ResourceGraph): Resource | undefined {
  return graph.resources.find((r) => r.type === 'pulumi:pulumi:Stack' && r.parent === undefined);
}

/** Count of resources by type token, keys sorted. */
export function typeCounts(graph: ResourceGraph): Readonly<Record<string, number>> {
  const m = new Map<string, number>();
  for (const r of graph.resources) m.set(r.type, (m.get(r.type) ?? 0) + 1);
  return Object.freeze(Object.fromEntries([...m.entries()].sort((a, b) => compareStrings(a[0], b[0]))));
}
