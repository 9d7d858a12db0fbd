/**
 * Secrets Manager secrets: name, category, environment, key, rotation (a SecretRotation or
 * RotationSchedule resource, or the secret's own rotation settings), replicas, recovery window,
 * versions, and the resource policy (the secret's `policy`, a SecretPolicy or a ResourcePolicy).
 */

import type { Mutable } from '../../util/collections.ts';
import { compareStrings } from '../../util/collections.ts';
import { UNKNOWN } from '../../graph/types.ts';
import type { PolicyDocument, Secret, SecretReplica, SecretRotation } from '../model.ts';
import { parsePolicyDocument } from '../iam/policy.ts';
import { arr, bool, num, obj, propAny, realString, str, tag, tagsOf } from '../props.ts';
import { arnOf, awsName, edgeTargets, entityBase, idOf, RefIndex, rows, type GraphCtx, type Row } from './context.ts';
import type { FunctionRegistry } from './functions.ts';
import type { KeyRegistry } from './keys.ts';
import { secretCategory } from './names.ts';

function rateDays(expr: string | undefined): number | undefined {
  if (!expr) return undefined;
  const m = /^rate\(\s*(\d+)\s+(day|days|hour|hours)\s*\)$/i.exec(expr.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  // Secrets Manager rotates as often as every four hours: an interval in hours is a fraction of a day.
  return m[2]!.toLowerCase().startsWith('day') ? n : n / 24;
}

/** A secret's ARN: its `arn`, else an id that is an ARN (aws-native's id is the ARN). */
function secretArn(row: Row): string | undefined {
  const a = arnOf(row.r);
  if (a !== undefined) return a;
  const id = idOf(row.r);
  return id?.startsWith('arn:') ? id : undefined;
}

export interface SecretsResult {
  readonly secrets: Secret[];
  /** Rotation functions named by an enabled rotation. */
  readonly rotationFunctions: ReadonlySet<string>;
}

/** Resolves a secret reference held in a row's properties: ARN, id or name (in the stack first), else a property edge. */
type SecretResolver = (row: Row, ...props: string[]) => string | undefined;

/** The resolver of references to the estate's secrets. */
function secretResolver(secretRows: readonly Row[]): SecretResolver {
  const refs = new RefIndex();
  for (const row of secretRows) {
    refs.add(secretArn(row), row.r.urn);
    refs.add(idOf(row.r), row.r.urn);
    refs.add(`${row.g.stack}\u0000${awsName(row.r)}`, row.r.urn);
    refs.add(awsName(row.r), row.r.urn);
  }
  const secretUrns = new Set(secretRows.map((r) => r.r.urn));
  return (row: Row, ...props: string[]): string | undefined => {
    for (const prop of props) {
      const v = str(row.r, prop);
      if (v !== undefined && v !== UNKNOWN) {
        const hit = refs.get(v) ?? refs.get(`${row.g.stack}\u0000${v}`);
        if (hit) return hit;
      }
    }
    for (const prop of props) for (const to of edgeTargets(row, prop)) if (secretUrns.has(to)) return to;
    return undefined;
  };
}

/** What other resources say about a secret, by secret URN: its rotation resource, its version count, its separate policy. */
interface SecretSidecars {
  readonly rotationOf: ReadonlyMap<string, Row>;
  readonly versionsOf: ReadonlyMap<string, number>;
  readonly policyOf: ReadonlyMap<string, { doc: PolicyDocument; urn: string }>;
}

/** Collects the rotations (the first per secret), versions and separate policies of the secrets. */
function secretSidecars(ctxs: readonly GraphCtx[], resolve: SecretResolver): SecretSidecars {
  const rotationOf = new Map<string, Row>();
  for (const row of rows(ctxs, 'secretRotation')) {
    const s = resolve(row, 'secretId');
    if (s && !rotationOf.has(s)) rotationOf.set(s, row);
  }
  const versionsOf = new Map<string, number>();
  for (const row of rows(ctxs, 'secretVersion')) {
    const s = resolve(row, 'secretId');
    if (s) versionsOf.set(s, (versionsOf.get(s) ?? 0) + 1);
  }
  const policyOf = new Map<string, { doc: PolicyDocument; urn: string }>();
  for (const row of rows(ctxs, 'secretPolicy')) {
    const s = resolve(row, 'secretArn', 'secretId');
    const value = propAny(row.r, 'policy', 'resourcePolicy');
    if (s && value !== undefined && value !== null && value !== '') policyOf.set(s, { doc: parsePolicyDocument(value), urn: row.r.urn });
  }
  return { rotationOf, versionsOf, policyOf };
}

/**
 * A secret's rotation, from its rotation resource when there is one, else its own settings; an
 * enabled rotation's function is added to `rotationFunctions`.
 */
function secretRotation(row: Row, rotRow: Row | undefined, fns: FunctionRegistry, rotationFunctions: Set<string>): SecretRotation {
  const rotation: Mutable<SecretRotation> = { enabled: false };
  const src = rotRow?.r ?? row.r;
  const rules = obj(arr(propAny(src, 'rotationRules'))[0]);
  const lambdaArn = str(src, 'rotationLambdaArn');
  const enabledFlag = bool(src, rotRow !== undefined || (lambdaArn !== undefined && lambdaArn !== ''), 'rotationEnabled');
  rotation.enabled = enabledFlag === true || (enabledFlag === 'unknown' && rotRow !== undefined);
  if (rotRow) rotation.rotationUrn = rotRow.r.urn;
  if (rules) {
    const days = typeof rules['automaticallyAfterDays'] === 'number' ? rules['automaticallyAfterDays'] : undefined;
    const expr = typeof rules['scheduleExpression'] === 'string' && rules['scheduleExpression'] !== '' ? rules['scheduleExpression'] : undefined;
    if (expr) rotation.scheduleExpression = expr;
    const interval = days && days > 0 ? days : rateDays(expr);
    if (interval !== undefined) rotation.intervalDays = interval;
  }
  if (lambdaArn !== undefined && lambdaArn !== '') rotation.functionArn = lambdaArn;
  const fnUrn = fns.resolve(rotRow ?? row, lambdaArn, 'rotationLambdaArn');
  if (fnUrn) {
    rotation.functionUrn = fnUrn;
    if (rotation.enabled) rotationFunctions.add(fnUrn);
  }
  return rotation;
}

/** A secret's replicas (those with a region), sorted by region. */
function secretReplicas(row: Row): SecretReplica[] {
  const replicas: SecretReplica[] = [];
  for (const rep of arr(propAny(row.r, 'replicas', 'replicaRegions'))) {
    const o = obj(rep);
    const rr = o && realString(o['region']);
    if (!o || !rr) continue;
    const kid = realString(o['kmsKeyId']);
    replicas.push(kid ? { region: rr, keyId: kid } : { region: rr });
  }
  return replicas.sort((a, b) => compareStrings(a.region, b.region));
}

/** One secret with its rotation, replicas, versions, environment, key, recovery window and resource policy. */
function toSecret(row: Row, side: SecretSidecars, keys: KeyRegistry, fns: FunctionRegistry, knownEnvs: ReadonlySet<string>, rotationFunctions: Set<string>): Secret {
  const name = awsName(row.r, 'name', 'namePrefix');
  const tags = tagsOf(row.r);
  const rotation = secretRotation(row, side.rotationOf.get(row.r.urn), fns, rotationFunctions);
  const replicas = secretReplicas(row);
  const s: Mutable<Secret> = Object.assign(entityBase(row, name, secretArn(row)), {
    category: secretCategory(name, tags, knownEnvs),
    rotation,
    replicas,
    versions: side.versionsOf.get(row.r.urn) ?? 0,
  });
  const segs = name.split('/').filter((x) => x !== '');
  const env = segs.find((x) => knownEnvs.has(x.toLowerCase()))?.toLowerCase() ?? row.g.environment;
  if (env) s.environment = env;
  const keyId = str(row.r, 'kmsKeyId');
  if (keyId !== undefined && keyId !== '') s.keyId = keyId;
  const keyUrn = keys.resolve(row, 'kmsKeyId');
  if (keyUrn) s.keyUrn = keyUrn;
  const rw = num(row.r, 'recoveryWindowInDays');
  if (rw !== undefined) s.recoveryWindowDays = rw;
  const strategy = tag(tags, 'RotationStrategy');
  if (strategy) s.rotationStrategy = strategy;
  const separate = side.policyOf.get(row.r.urn);
  const own = propAny(row.r, 'policy');
  if (separate) {
    s.policy = separate.doc;
    s.policyUrn = separate.urn;
  } else if (own !== undefined && own !== null && own !== '') {
    s.policy = parsePolicyDocument(own);
    s.policyUrn = row.r.urn;
  }
  return s;
}

/** The estate's secrets, and the functions their enabled rotations name. */
export function buildSecrets(ctxs: readonly GraphCtx[], keys: KeyRegistry, fns: FunctionRegistry, knownEnvs: ReadonlySet<string>): SecretsResult {
  const secretRows = rows(ctxs, 'secret');
  const side = secretSidecars(ctxs, secretResolver(secretRows));
  const rotationFunctions = new Set<string>();
  const secrets = secretRows.map((row) => toSecret(row, side, keys, fns, knownEnvs, rotationFunctions));
  return { secrets, rotationFunctions };
}
