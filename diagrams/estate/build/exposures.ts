/**
 * Secrets outside Secrets Manager and Parameter Store: a Lambda environment variable or an ECS
 * container's plain `environment` that holds a secret (its value marked secret, or its name saying
 * so), a database master password set in the program instead of `manageMasterUserPassword`, a
 * Kubernetes Secret, a `@pulumi/random` value, and a state file that holds a secret in plain text
 * (from the reader's redaction). Each names the resource and the property path, never the value.
 * A value that refers to a secret (an ARN, a KMS alias, a parameter path, a `{{resolve:...}}`
 * reference) is not one.
 */

import { compareStrings } from '../../util/collections.ts';
import { REDACTED, UNKNOWN } from '../../graph/types.ts';
import type { JsonValue, Resource } from '../../graph/types.ts';
import type { ExposureScan, SecretExposure } from '../model.ts';
import { looksLikeReferenceName, secretLikeVariable } from '../../graph/secret-names.ts';
import { arr, bool, obj, propAny } from '../props.ts';
import { awsName, leavesStack, rows, type GraphCtx, type Row } from './context.ts';
import { DATABASE_PASSWORD_FIELDS, KUBERNETES_SECRET, RANDOM_SECRETS } from './kinds.ts';

/**
 * A value that refers to a secret rather than holding one: an ARN, a KMS alias, a Parameter Store
 * path (`/a/b`), a dynamic reference (`{{resolve:...}}`) or a Secrets Manager reference path.
 */
function isReference(v: JsonValue | undefined, names: ReadonlySet<string>): boolean {
  return typeof v === 'string' && (/^arn:/.test(v) || /^alias\/[\w/.-]+$/.test(v) || /^\{\{resolve:/.test(v) || /^\/?aws\/reference\//.test(v) || /^\/[\w.-]+(\/[\w.-]+)+$/.test(v) || names.has(v));
}

/**
 * The names and ids of the estate's secrets and parameters, every stack's: a variable
 * (`DB_PASSWORD_SECRET=app/prod/db`) holding one names the secret the code reads at run time.
 * (The reader keeps such a value when the secret is in the same state, see `referenceNames`; one
 * naming another stack's secret was redacted there for its name, and is judged by it.)
 */
function referencedNames(ctxs: readonly GraphCtx[]): Set<string> {
  const out = new Set<string>();
  for (const kind of ['secret', 'parameter'] as const) {
    for (const { r } of rows(ctxs, kind)) {
      // A name marked secret was redacted by the reader, a preview's may be unknown: neither names anything.
      for (const v of [propAny(r, 'name'), r.id]) if (typeof v === 'string' && v !== REDACTED && v !== UNKNOWN && looksLikeReferenceName(v)) out.add(v);
    }
  }
  return out;
}

/** The name an exposure gives its resource: its AWS name (function, task family, database identifier), else the logical name. */
function resourceName(r: Resource): string {
  return awsName(r, 'name', 'functionName', 'family', 'identifier', 'clusterIdentifier', 'dbInstanceIdentifier', 'dbClusterIdentifier');
}

function exposure(row: Row, kind: SecretExposure['kind'], path: string, detail: string): SecretExposure {
  return { urn: row.r.urn, stack: row.g.stack, name: resourceName(row.r), type: row.r.type, kind, path, detail };
}

/**
 * Environment variables that hold a secret: the value redacted by the reader (marked secret, or
 * unmarked and redacted for its name: `unmarked` names those), or the name says secret.
 */
function secretVariables(vars: Readonly<Record<string, JsonValue>> | undefined, names: ReadonlySet<string>, unmarked: ReadonlyMap<string, boolean> = new Map()): { name: string; why: string }[] {
  if (vars === undefined) return [];
  const out: { name: string; why: string }[] = [];
  for (const name of Object.keys(vars).sort(compareStrings)) {
    const v = vars[name];
    if (isReference(v, names)) continue;
    if (v === REDACTED && unmarked.has(name)) {
      out.push({
        name,
        why: secretLikeVariable(name) !== undefined || /(password|passwd|secret|token|apikey|api_key|privatekey|private_key|credentials?)$/i.test(name)
          ? `its name says it is a secret, and its value is stored unmarked (plain text) in the state${unmarked.get(name) === true ? "; the value has the shape of a secret's name (a path): if it names a secret of another stack, it is a reference, not a secret (the reader judges each state alone)" : ''}`
          : 'its value holds a credential (a password in a URL, a connection string or a script), stored unmarked (plain text) in the state',
      });
    }
    else if (v === REDACTED) out.push({ name, why: 'its value is a secret (marked secret in the program or the state)' });
    else if (secretLikeVariable(name) !== undefined) out.push({ name, why: `its name says "${secretLikeVariable(name)}"` });
  }
  return out;
}

/** Property paths (without `inputs.`/`outputs.`) of a resource that the reader found unmarked in the state and redacted, each with whether its value had the shape of a name (`nameShaped`). */
function unmarkedPaths(row: Row): Map<string, boolean> {
  const out = new Map<string, boolean>();
  for (const ps of row.g.graph.metadata.plaintextSecrets) {
    if (ps.urn !== row.r.urn || ps.reason !== 'unmarked-sensitive-field') continue;
    const p = ps.path.replace(/^(?:inputs|outputs)\./, '');
    out.set(p, (out.get(p) ?? false) || ps.nameShaped === true);
  }
  return out;
}

function lambdaExposures(row: Row, names: ReadonlySet<string>): SecretExposure[] {
  const env = obj(arr(propAny(row.r, 'environment'))[0]);
  const vars = obj(env?.['variables']);
  const prefix = 'environment.variables.';
  const unmarked = new Map([...unmarkedPaths(row)].filter(([p]) => p.startsWith(prefix)).map(([p, shaped]) => [p.slice(prefix.length), shaped] as const));
  return secretVariables(vars, names, unmarked).map((v) => exposure(row, 'lambda-environment', `environment.variables.${v.name}`, `environment variable ${v.name}: ${v.why}`));
}

function containerDefinitions(r: Resource): readonly JsonValue[] {
  const raw = propAny(r, 'containerDefinitions');
  if (typeof raw === 'string') {
    try {
      const parsed = JSON.parse(raw) as unknown;
      return Array.isArray(parsed) ? (parsed as JsonValue[]) : [];
    } catch {
      return [];
    }
  }
  return arr(raw);
}

function ecsExposures(row: Row, names: ReadonlySet<string>): SecretExposure[] {
  const out: SecretExposure[] = [];
  const unmarkedValues = unmarkedPaths(row);
  containerDefinitions(row.r).forEach((c, i) => {
    const o = obj(c);
    if (!o) return;
    const cname = typeof o['name'] === 'string' ? o['name'] : `#${i}`;
    const vars: Record<string, JsonValue> = {};
    const unmarked = new Map<string, boolean>();
    arr(o['environment']).forEach((e, j) => {
      const kv = obj(e);
      const n = kv?.['name'];
      if (!kv || typeof n !== 'string') return;
      vars[n] = kv['value'] ?? null;
      const shaped = unmarkedValues.get(`containerDefinitions[${i}].environment[${j}].value`);
      if (shaped !== undefined) unmarked.set(n, shaped);
    });
    for (const v of secretVariables(vars, names, unmarked)) {
      out.push(exposure(row, 'ecs-environment', `containerDefinitions[${cname}].environment.${v.name}`, `container ${cname}, plain environment variable ${v.name}: ${v.why}; use \`secrets\` with valueFrom`));
    }
  });
  return out;
}

function databaseExposures(row: Row, fields: readonly string[]): SecretExposure[] {
  if (bool(row.r, false, 'manageMasterUserPassword') === true) return [];
  const out: SecretExposure[] = [];
  for (const f of fields) {
    const v = propAny(row.r, f);
    if (v === undefined || v === null || v === '') continue;
    out.push(exposure(row, 'database-password', f, `master password set in the program (\`${f}\`) instead of \`manageMasterUserPassword: true\` (Secrets Manager)`));
  }
  return out;
}

/** A Kubernetes Secret's data in the state: marked secret there, or unmarked (plain text); or no data at all. */
function kubernetesExposure(row: Row): SecretExposure {
  const how = 'kept in the Pulumi state; use the External Secrets or Secrets Store CSI driver with Secrets Manager';
  const fields = (['data', 'stringData'] as const).filter((f) => {
    const v = propAny(row.r, f);
    return v !== undefined && v !== null && v !== '' && !(obj(v) !== undefined && Object.keys(obj(v)!).length === 0);
  });
  if (fields.length === 0) return exposure(row, 'kubernetes-secret', 'data (empty)', `Kubernetes Secret without data ${how}`);
  const unmarked = unmarkedPaths(row);
  const marked = fields.every((f) => propAny(row.r, f) === REDACTED && !unmarked.has(f));
  return exposure(row, 'kubernetes-secret', fields.join(', '), `Kubernetes Secret ${fields.join(' and ')} ${marked ? '(marked secret)' : 'stored unmarked (plain text)'} ${how}`);
}

function scanned(row: Row, scope: ExposureScan['scope']): ExposureScan {
  return { urn: row.r.urn, stack: row.g.stack, name: exposure(row, 'random-value', '', '').name, type: row.r.type, scope };
}

/** Every exposure of the estate, sorted by stack, resource name, path, and the resources scanned for them. */
export function buildExposures(ctxs: readonly GraphCtx[]): { exposures: SecretExposure[]; scans: ExposureScan[] } {
  const out: SecretExposure[] = [];
  const scans: ExposureScan[] = [];
  const names = referencedNames(ctxs);
  for (const row of rows(ctxs, 'function')) {
    scans.push(scanned(row, 'environment'));
    out.push(...lambdaExposures(row, names));
  }
  for (const row of rows(ctxs, 'taskDefinition')) {
    scans.push(scanned(row, 'environment'));
    out.push(...ecsExposures(row, names));
  }
  for (const g of ctxs) {
    for (const r of g.graph.resources) {
      if (leavesStack(r)) continue;
      const row = { r, g };
      const db = DATABASE_PASSWORD_FIELDS[r.type];
      if (db) {
        scans.push(scanned(row, 'database'));
        out.push(...databaseExposures(row, db));
      }
      else if (r.type === KUBERNETES_SECRET) out.push(kubernetesExposure(row)); else if (RANDOM_SECRETS[r.type]) {
        const { fields, secretOutput } = RANDOM_SECRETS[r.type]!;
        // The provider marks it secret, unless this state holds it unmarked (the reader found it in plain text).
        const marked = secretOutput && !g.graph.metadata.plaintextSecrets.some((ps) => ps.urn === r.urn && ps.reason === 'unmarked-sensitive-field');
        out.push(exposure(row, 'random-value', fields.join(', '), marked
          ? 'a generated secret value kept in the Pulumi state (encrypted there as a secret output): anyone who can export the state with --show-secrets reads it'
          : secretOutput
            ? 'a generated secret value stored unmarked in this Pulumi state, in plain text: anyone who can read the state reads it'
            : 'a generated value kept in the Pulumi state in plain text (the provider does not mark it secret): anyone who can read the state reads it'));
      }
    }
    for (const ps of g.graph.metadata.plaintextSecrets) {
      const r = g.byUrn.get(ps.urn);
      out.push({
        urn: ps.urn,
        stack: g.stack,
        name: r ? resourceName(r) : ps.urn.slice(ps.urn.lastIndexOf('::') + 2),
        type: r?.type ?? 'unknown',
        kind: 'plaintext-in-state',
        path: ps.path,
        detail: ps.reason === 'plaintext-envelope' ? 'the state file holds this secret in plain text (exported with --show-secrets, or a plaintext secrets provider)' : 'a field that is secret by the resource schema, its name or its content is stored unmarked (plain text) in the state',
      });
    }
  }
  return {
    exposures: out.sort((a, b) => compareStrings(a.stack, b.stack) || compareStrings(a.name, b.name) || compareStrings(a.path, b.path) || compareStrings(a.urn, b.urn)),
    scans: scans.sort((a, b) => compareStrings(a.stack, b.stack) || compareStrings(a.name, b.name) || compareStrings(a.urn, b.urn)),
  };
}
