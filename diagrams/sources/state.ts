/**
 * State reader: `pulumi stack export` output (versions 1–4) and file-backend checkpoints (v0 bare
 * `{target, latest}`, v1–v4 `{version, checkpoint: {stack, latest}}`, with or without `features`),
 * auto-detected. Reads with one JSON.parse and hands the rows to buildGraph, which redacts.
 *
 * Must not import the Pulumi SDK (a test asserts it is never loaded on this path).
 */

import { GeneratorError, describeInput } from '../errors.ts';
import { buildGraph, parseUrn, type RawResource } from '../graph/graph.ts';
import type { ResourceGraph, SourceKind } from '../graph/types.ts';
import { parseJsonBytes, readInput, type ReadOptions } from './json.ts';

/** Export versions `pulumi stack export` has written (apitype.DeploymentSchemaVersion 1..4). */
export const EXPORT_VERSIONS: readonly number[] = [1, 2, 3, 4];
/** Checkpoint versions of the file backend (0 is the bare `{target, latest}` form). */
export const CHECKPOINT_VERSIONS: readonly number[] = [0, 1, 2, 3, 4];

export interface StateReadOptions extends ReadOptions {
  /** Source kind to record; default: `state` for exports, `checkpoint` for checkpoints. */
  readonly kind?: SourceKind;
  /** Flag named in errors (default `--state`). */
  readonly flag?: string;
  /** Name recorded as the source location and used in errors, when the path read differs from what the user gave. */
  readonly displayAs?: string;
}

/** Read a state file (path, `.json.gz`, or `-` for stdin) into a ResourceGraph. */
export async function readStateFile(location: string, opts: StateReadOptions = {}): Promise<ResourceGraph> {
  const shown = opts.displayAs ?? location;
  const bytes = await readInput(location, opts, opts.flag ?? '--state', shown);
  return parseStateBytes(bytes, shown, opts);
}

export function parseStateBytes(bytes: Buffer, location: string, opts: Pick<StateReadOptions, 'kind'> = {}): ResourceGraph {
  // The parsed document is ours alone: redact it in place rather than copy it.
  return graphFromStateDocument(parseJsonBytes(bytes, location), location, { ...opts, adopt: true });
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function shapeError(location: string, jsonPath: string, message: string, expected: string): GeneratorError {
  return new GeneratorError('input', message, { subject: location, jsonPath, expected });
}

const SHAPES =
  'a `pulumi stack export` document `{"version": 3, "deployment": {...}}` or a checkpoint `{"version": N, "checkpoint": {"stack", "latest"}}` / `{"target", "latest"}`';

function describe(v: unknown): string {
  if (v === undefined) return 'none';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (isObject(v)) {
    // Keys are not echoed: input text never reaches a message.
    const n = Object.keys(v).length;
    return n === 0 ? 'an empty object' : `an object with ${n} key${n === 1 ? '' : 's'} and no \`deployment\`, \`checkpoint\` or \`target\``;
  }
  return `a ${typeof v}`;
}

function checkVersion(location: string, doc: Record<string, unknown>, accepted: readonly number[], what: string): number {
  const v = doc.version;
  if (typeof v !== 'number' || !Number.isInteger(v)) {
    throw shapeError(location, '$.version', `${what} without a numeric version (${describe(v)})`, `one of ${accepted.join(', ')}`);
  }
  if (!accepted.includes(v)) {
    throw shapeError(location, '$.version', `unknown ${what} version ${v}`, `one of ${accepted.join(', ')}`);
  }
  return v;
}

/** The part of a deployment/snapshot both formats share. */
interface Snapshot {
  readonly manifestTime?: string;
  readonly manifestVersion?: string;
  readonly secretsProvider?: string;
  readonly secretsProviderState?: Record<string, unknown>;
  /** JSON path of `secretsProviderState`. */
  readonly secretsProviderStatePath: string;
  readonly resources: readonly RawResource[];
  readonly resourcesPath: string;
  readonly pendingOperations: readonly string[];
}

function readSnapshot(location: string, snap: unknown, path: string): Snapshot {
  if (snap === undefined || snap === null) {
    return { resources: [], resourcesPath: `${path}.resources`, pendingOperations: [], secretsProviderStatePath: `${path}.secrets_providers.state` };
  }
  if (!isObject(snap)) throw shapeError(location, path, `expected an object, found ${describe(snap)}`, 'an object with `resources`');
  const resources = snap.resources;
  if (resources !== undefined && resources !== null && !Array.isArray(resources)) {
    throw shapeError(location, `${path}.resources`, `expected an array, found ${describe(resources)}`, 'an array of resources');
  }
  const manifest = isObject(snap.manifest) ? snap.manifest : undefined;
  const sp = isObject(snap.secrets_providers) ? snap.secrets_providers : undefined;
  const pending: string[] = [];
  const po = snap.pending_operations;
  if (Array.isArray(po)) {
    po.forEach((op, i) => {
      if (!isObject(op)) throw shapeError(location, `${path}.pending_operations[${i}]`, `expected an object, found ${describe(op)}`, '{resource, type}');
      const r = isObject(op.resource) ? op.resource : {};
      pending.push(`${typeof op.type === 'string' ? op.type : 'unknown'} ${typeof r.urn === 'string' ? r.urn : '(no urn)'}`);
    });
  }
  // v0/v1 checkpoints keep the time on `latest` itself.
  const time = typeof manifest?.time === 'string' ? manifest.time : typeof snap.time === 'string' ? snap.time : undefined;
  return {
    ...(time !== undefined ? { manifestTime: time } : {}),
    ...(typeof manifest?.version === 'string' ? { manifestVersion: manifest.version } : {}),
    ...(typeof sp?.type === 'string' ? { secretsProvider: sp.type } : {}),
    ...(isObject(sp?.state) ? { secretsProviderState: sp.state } : {}),
    secretsProviderStatePath: `${path}.secrets_providers.state`,
    resources: (resources ?? []) as RawResource[],
    resourcesPath: `${path}.resources`,
    pendingOperations: pending,
  };
}

/**
 * Names from a checkpoint's `stack` (`org/project/stack`, `project/stack`? or plain `stack`): the
 * last `/`-separated part is the stack; with exactly three parts the middle one is the project.
 * Looks at the separators only around the end (never splits the whole string).
 */
function splitStackName(name: string): { project?: string; stack: string } {
  const last = name.lastIndexOf('/');
  const stack = name.slice(last + 1);
  const second = last > 0 ? name.lastIndexOf('/', last - 1) : -1;
  if (second < 0) return { stack };
  const third = second > 0 ? name.lastIndexOf('/', second - 1) : -1;
  return third < 0 ? { project: name.slice(second + 1, last), stack } : { stack };
}

/**
 * Turn a parsed state document into a graph. Exported for the live reader and tests. `adopt`: the
 * caller hands the document over (it is redacted and frozen in place); otherwise it is not touched.
 */
export function graphFromStateDocument(doc: unknown, location: string, opts: Pick<StateReadOptions, 'kind'> & { adopt?: boolean } = {}): ResourceGraph {
  if (!isObject(doc)) throw shapeError(location, '$', `wrong top-level shape: ${describe(doc)}`, SHAPES);

  let snapshot: Snapshot;
  let format: string;
  let kind: SourceKind;
  let declaredStack: string | undefined;
  let declaredPath = '$';

  if ('deployment' in doc) {
    const v = checkVersion(location, doc, EXPORT_VERSIONS, 'stack export');
    if (!isObject(doc.deployment)) {
      throw shapeError(location, '$.deployment', `expected an object, found ${describe(doc.deployment)}`, 'the deployment object of `pulumi stack export`');
    }
    snapshot = readSnapshot(location, doc.deployment, '$.deployment');
    format = `export v${v}`;
    kind = 'state';
  } else if ('checkpoint' in doc) {
    const v = checkVersion(location, doc, CHECKPOINT_VERSIONS.filter((x) => x > 0), 'checkpoint');
    const cp = doc.checkpoint;
    if (!isObject(cp)) throw shapeError(location, '$.checkpoint', `expected an object, found ${describe(cp)}`, 'a checkpoint `{stack, latest}`');
    declaredStack = typeof cp.stack === 'string' ? cp.stack : typeof cp.target === 'string' ? cp.target : undefined;
    declaredPath = typeof cp.stack === 'string' ? '$.checkpoint.stack' : '$.checkpoint.target';
    snapshot = readSnapshot(location, cp.latest, '$.checkpoint.latest');
    format = `checkpoint v${v}`;
    kind = 'checkpoint';
  } else if ('target' in doc || ('latest' in doc && !('steps' in doc))) {
    if (doc.version !== undefined && doc.version !== 0) {
      throw shapeError(location, '$.version', `unknown checkpoint version ${describeInput(doc.version)} for a bare {target, latest} checkpoint`, 'no version, or 0');
    }
    declaredStack = typeof doc.target === 'string' ? doc.target : undefined;
    declaredPath = '$.target';
    snapshot = readSnapshot(location, doc.latest, '$.latest');
    format = 'checkpoint v0';
    kind = 'checkpoint';
  } else if (Array.isArray(doc.steps)) {
    throw shapeError(location, '$', 'this is `pulumi preview --json` output, not a state file', 'a state export or checkpoint here; pass previews with --preview');
  } else {
    throw shapeError(location, '$', `wrong top-level shape: ${describe(doc)}`, SHAPES);
  }

  // Names: the Stack resource's URN, else the checkpoint's declared stack, else any URN (buildGraph),
  // else a service secrets provider's recorded project/stack.
  // Each name with the JSON path it was read from, for errors about it.
  let project: string | undefined;
  let stack: string | undefined;
  let projectPath: string | undefined;
  let stackPath: string | undefined;
  const rows = snapshot.resources;
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    if (isObject(r) && r.type === 'pulumi:pulumi:Stack' && typeof r.urn === 'string' && r.delete !== true) {
      const p = parseUrn(r.urn);
      if (p) {
        project = p.project;
        stack = p.stack;
        projectPath = stackPath = `${snapshot.resourcesPath}[${i}].urn`;
        break;
      }
    }
  }
  if (declaredStack !== undefined && declaredStack !== '') {
    const d = splitStackName(declaredStack);
    if (stack === undefined) [stack, stackPath] = [d.stack, declaredPath];
    if (project === undefined && d.project !== undefined) [project, projectPath] = [d.project, declaredPath];
  }
  const anyUrn = rows.find((r) => isObject(r) && typeof r.urn === 'string');
  if (anyUrn === undefined && snapshot.secretsProviderState !== undefined) {
    const s = snapshot.secretsProviderState;
    if (typeof s.project === 'string' && project === undefined) [project, projectPath] = [s.project, `${snapshot.secretsProviderStatePath}.project`];
    if (typeof s.stack === 'string' && stack === undefined) [stack, stackPath] = [s.stack, `${snapshot.secretsProviderStatePath}.stack`];
  }

  return buildGraph({
    ...(project !== undefined ? { project, ...(projectPath !== undefined ? { projectPath } : {}) } : {}),
    ...(stack !== undefined ? { stack, ...(stackPath !== undefined ? { stackPath } : {}) } : {}),
    source: { kind: opts.kind ?? kind, location, format },
    ...(snapshot.manifestTime !== undefined ? { deployedAt: snapshot.manifestTime } : {}),
    ...(snapshot.manifestVersion !== undefined ? { pulumiVersion: snapshot.manifestVersion } : {}),
    resources: snapshot.resources,
    resourcesPath: snapshot.resourcesPath,
    pendingOperations: snapshot.pendingOperations,
    ...(snapshot.secretsProvider !== undefined ? { secretsProvider: snapshot.secretsProvider } : {}),
    adoptInput: opts.adopt === true,
  });
}
