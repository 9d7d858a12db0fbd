/**
 * Scope B of the differential test: every principal x resource pair of an estate. For each pair the
 * simulator's input is rebuilt from the estate's entities, independently of the engine's input
 * builder (diagrams/estate/build/access.ts): the identity policies attached to the principal
 * (its own, its groups', AWS-managed ones from the raw snapshot), its boundary, the secret's
 * resource policy or the key's policy (the AWS default when the key has none; the AWS-managed keys'
 * published policies for aws/ssm and aws/secretsmanager), and a request context with what the
 * estate says of the principal and the resource. A read is composed as the engine composes it:
 *
 * - parameter value: GetParameter | GetParameters | GetParameterHistory on it, or
 *   GetParametersByPath on a folder above it; for a SecureString also kms:Decrypt of its key through
 *   Parameter Store with its encryption context;
 * - secret value: GetSecretValue, and kms:Decrypt through Secrets Manager;
 * - key: a direct kms:Decrypt (no kms:ViaService).
 *
 * and compared with the engine's PrincipalAccess. Principals whose access the engine marks
 * incomplete, and results it marks `unknown`, are counted and not compared. Principals outside the
 * estate get an identity policy that allows everything (the engine's "if their own IAM allows it"),
 * and the engine's answer for them is `conditional` whenever the simulator allows.
 */
import { KEY_DECRYPT, PARAMETER_READ_BY_PATH, PARAMETER_READ_ONE, SECRET_VALUE } from '../../../diagrams/estate/iam/actions.ts';
import { awsManagedPolicyPath } from '../../../diagrams/estate/iam/managed.ts';
import type { Estate, IamPolicy, KmsKey, Parameter, Secret, Tags } from '../../../diagrams/estate/model.ts';
import { Store } from '../../../diagrams/estate/store.ts';
import { UNKNOWN } from '../../../diagrams/graph/types.ts';
import { managedSnapshot, rootKeyPolicy } from './managed-sweep.ts';
import { both, documentJson, either, simulate, type SimRequest, type Tri } from './simulator.ts';

const snapshot = managedSnapshot();

/** The published key policy of an AWS-managed key (aws/ssm, aws/secretsmanager). */
function awsManagedKeyPolicy(service: 'ssm' | 'secretsmanager', account: string, region: string): unknown {
  const label = service === 'ssm' ? 'AWS Systems Manager' : 'AWS Secrets Manager';
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: `Allow access through ${label} for all principals in the account that are authorized to use ${label}`,
        Effect: 'Allow',
        Principal: { AWS: '*' },
        Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:CreateGrant', 'kms:DescribeKey'],
        Resource: '*',
        Condition: { StringEquals: { 'kms:CallerAccount': account, 'kms:ViaService': `${service}.${region}.amazonaws.com` } },
      },
      { Sid: 'Allow direct access to key metadata to the account', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: ['kms:Describe*', 'kms:Get*', 'kms:List*', 'kms:RevokeGrant'], Resource: '*' },
    ],
  };
}

interface SimPrincipal {
  readonly id: string;
  readonly label: string;
  /** The request's principal (a role session ARN, a user ARN, a service). */
  readonly principal: string;
  readonly account?: string;
  readonly context: Record<string, string>;
  readonly absent: readonly string[];
  readonly identity: readonly unknown[];
  readonly boundary?: unknown;
  /** Outside the estate: the engine answers `conditional` for what its own IAM would have to allow. */
  readonly external: boolean;
  readonly service: boolean;
}

const FOREIGN = '999999999999';

function tagContext(prefixes: readonly string[], tags: Tags): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(tags)) for (const p of prefixes) out[`${p}${k}`] = v;
  return out;
}

/** The documents of a holder's policies as IAM reads them; undefined when one is not known. */
function documents(holder: { policies: readonly string[]; externalPolicies: readonly string[] }, policies: ReadonlyMap<string, IamPolicy>): unknown[] | undefined {
  const out: unknown[] = [];
  for (const urn of holder.policies) {
    const p = policies.get(urn);
    if (!p || p.document.unknown) return undefined;
    out.push(documentJson(p.document));
  }
  for (const arn of holder.externalPolicies) {
    const path = awsManagedPolicyPath(arn);
    const raw = path !== undefined ? snapshot.policies[path] : undefined;
    if (raw === undefined) return undefined;
    out.push(raw);
  }
  return out;
}

function boundaryDoc(b: { arn: string; policyUrn?: string } | undefined, policies: ReadonlyMap<string, IamPolicy>): unknown | 'unknown' | undefined {
  if (b === undefined) return undefined;
  if (b.policyUrn !== undefined) {
    const p = policies.get(b.policyUrn);
    return p && !p.document.unknown ? documentJson(p.document) : 'unknown';
  }
  const path = awsManagedPolicyPath(b.arn);
  return path !== undefined && snapshot.policies[path] !== undefined ? snapshot.policies[path] : 'unknown';
}

const ALLOW_ALL = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] };

export interface PrincipalSkip {
  readonly id: string;
  readonly why: string;
}

function principalsOf(e: Estate): { principals: SimPrincipal[]; skipped: PrincipalSkip[] } {
  const store = Store.of(e);
  const policies = new Map(e.policies.map((p) => [p.urn, p]));
  const groups = new Map(e.groups.map((g) => [g.urn, g]));
  const out: SimPrincipal[] = [];
  const skipped: PrincipalSkip[] = [];
  const known = (arn: string | undefined): arn is string => arn !== undefined && arn !== UNKNOWN && /^arn:aws:iam::\d{12}:/.test(arn);
  for (const r of e.roles) {
    if (!known(r.arn)) {
      skipped.push({ id: r.urn, why: 'role ARN not known' });
      continue;
    }
    if (!store.accessOf(r.urn).complete) {
      skipped.push({ id: r.urn, why: 'incomplete (a policy is not known)' });
      continue;
    }
    const identity = documents(r, policies);
    const boundary = boundaryDoc(r.boundary, policies);
    if (identity === undefined || boundary === 'unknown') {
      skipped.push({ id: r.urn, why: 'a policy document is not known' });
      continue;
    }
    const account = r.arn.split(':')[4]!;
    const name = r.arn.slice(r.arn.lastIndexOf('/') + 1);
    out.push({
      id: r.urn,
      label: `role ${r.name}`,
      principal: `arn:aws:sts::${account}:assumed-role/${name}/session`,
      account,
      context: { 'aws:SecureTransport': 'true', 'aws:PrincipalArn': r.arn, 'aws:PrincipalAccount': account, 'kms:CallerAccount': account, 'aws:PrincipalType': 'AssumedRole', ...tagContext(['aws:PrincipalTag/'], r.tags) },
      absent: ['aws:username'],
      identity,
      ...(boundary !== undefined ? { boundary } : {}),
      external: false,
      service: false,
    });
  }
  for (const u of e.users) {
    if (!known(u.arn)) {
      skipped.push({ id: u.urn, why: 'user ARN not known' });
      continue;
    }
    if (!store.accessOf(u.urn).complete) {
      skipped.push({ id: u.urn, why: 'incomplete (a policy or group is not known)' });
      continue;
    }
    const own = documents(u, policies);
    const fromGroups = u.groups.map((g) => documents(groups.get(g)!, policies));
    const boundary = boundaryDoc(u.boundary, policies);
    if (own === undefined || fromGroups.some((g) => g === undefined) || boundary === 'unknown') {
      skipped.push({ id: u.urn, why: 'a policy document is not known' });
      continue;
    }
    const account = u.arn.split(':')[4]!;
    out.push({
      id: u.urn,
      label: `user ${u.name}`,
      principal: u.arn,
      account,
      context: { 'aws:SecureTransport': 'true', 'aws:PrincipalArn': u.arn, 'aws:PrincipalAccount': account, 'kms:CallerAccount': account, 'aws:PrincipalType': 'User', 'aws:username': u.name, ...tagContext(['aws:PrincipalTag/'], u.tags) },
      absent: [],
      identity: [...own, ...fromGroups.flat()],
      ...(boundary !== undefined ? { boundary } : {}),
      external: false,
      service: false,
    });
  }
  for (const x of e.externalPrincipals) {
    if (x.kind === 'service') {
      out.push({ id: x.id, label: x.name, principal: x.arn!, context: { 'aws:SecureTransport': 'true' }, absent: [], identity: [], external: true, service: true });
      continue;
    }
    const account = x.account ?? FOREIGN;
    // Another account's principal: a role session of that account (or the named role or user) whose IAM allows everything.
    const m = x.arn !== undefined ? /^arn:aws:(?:iam|sts)::(\d{12}):(role|user|assumed-role)\/(.+)$/.exec(x.arn) : null;
    const principal = m === null ? `arn:aws:sts::${account}:assumed-role/external-probe/session` : m[2] === 'user' ? x.arn! : `arn:aws:sts::${m[1]}:assumed-role/${m[3]!.split('/').pop()}/session`;
    out.push({
      id: x.id,
      label: x.name,
      principal,
      account,
      // `*`: a principal of some other account (the engine's reading), here one of FOREIGN.
      context: { 'aws:SecureTransport': 'true', ...(x.kind === 'any' ? { 'aws:PrincipalAccount': FOREIGN, 'kms:CallerAccount': FOREIGN } : x.account !== undefined ? { 'aws:PrincipalAccount': x.account, 'kms:CallerAccount': x.account } : {}) },
      absent: [],
      identity: [ALLOW_ALL],
      external: true,
      service: false,
    });
  }
  for (const g of e.groups) skipped.push({ id: g.urn, why: 'a group makes no requests' });
  return { principals: out, skipped };
}

export type Read = 'parameter' | 'secret' | 'key';

export interface PairCase {
  /** `<principal>|<read>|<resource name>`, e.g. `role plain|key|alias/app-key`. */
  readonly key: string;
  readonly principal: string;
  readonly read: Read;
  readonly resource: string;
  /** The engine's answer; `unknown` is not compared. */
  readonly engine: Tri | 'unknown';
  /** What the simulator's answer means in the engine's terms (external principals: conditional when allowed). */
  readonly expected: Tri;
  readonly simulator: Tri;
  readonly agree: boolean;
  readonly errors: readonly string[];
}

function decryptInput(p: SimPrincipal, key: { kind: 'estate'; k: KmsKey } | { kind: 'aws-managed'; service: 'ssm' | 'secretsmanager' }, account: string, region: string | undefined, extra: Record<string, string | string[]>, absent: string[]): SimRequest | undefined {
  if (key.kind === 'estate') {
    const k = key.k;
    if (k.arn === undefined || k.arn === UNKNOWN) return undefined;
    const kAccount = k.account ?? account;
    return {
      principal: p.principal,
      action: KEY_DECRYPT,
      resource: k.arn,
      resourceAccount: kAccount,
      context: { ...p.context, 'aws:ResourceAccount': kAccount, ...(k.region ? { 'aws:RequestedRegion': k.region } : {}), ...tagContext(['aws:ResourceTag/'], k.tags), ...extra },
      absent: [...p.absent, ...absent],
      identity: p.identity,
      ...(p.boundary !== undefined ? { boundary: p.boundary } : {}),
      resourcePolicy: k.policy !== undefined ? documentJson(k.policy) : rootKeyPolicy(kAccount),
    };
  }
  if (region === undefined) return undefined;
  return {
    principal: p.principal,
    action: KEY_DECRYPT,
    resource: `arn:aws:kms:${region}:${account}:key/aws-managed-${key.service}`,
    resourceAccount: account,
    context: { ...p.context, 'aws:ResourceAccount': account, 'aws:RequestedRegion': region, ...extra },
    absent: [...p.absent, ...absent],
    identity: p.identity,
    ...(p.boundary !== undefined ? { boundary: p.boundary } : {}),
    resourcePolicy: awsManagedKeyPolicy(key.service, account, region),
  };
}

type KeyOf = { kind: 'estate'; k: KmsKey } | { kind: 'aws-managed'; service: 'ssm' | 'secretsmanager' } | undefined;

function keyOf(e: Estate, x: Parameter | Secret, service: 'ssm' | 'secretsmanager'): KeyOf {
  if (x.keyUrn !== undefined) {
    const k = e.keys.find((y) => y.urn === x.keyUrn);
    return k ? { kind: 'estate', k } : undefined;
  }
  if (x.keyId === undefined || /(^|:)alias\/aws\//.test(x.keyId)) return { kind: 'aws-managed', service };
  return undefined;
}

/**
 * The folders above a parameter path as GetParametersByPath is authorised on them: `/a/b/c` ->
 * `/a`, `/a/b`. The root `/` (ARN `parameter/`) is left out: the simulator knows no resource type
 * for it ("no.resource.types").
 */
function folderArns(arn: string, path: string): string[] {
  const prefix = arn.slice(0, arn.indexOf(':parameter') + ':parameter'.length);
  const segs = path.split('/').filter((s) => s !== '');
  const out: string[] = [];
  for (let i = 1; i < segs.length; i++) out.push(`${prefix}/${segs.slice(0, i).join('/')}`);
  return out;
}

/** Runs the simulator over every pair of the estate. */
export async function sweepEstate(e: Estate): Promise<{ cases: PairCase[]; skipped: PrincipalSkip[]; notCompared: number }> {
  const store = Store.of(e);
  const { principals, skipped } = principalsOf(e);
  const names = new Map([...e.parameters, ...e.secrets, ...e.keys].map((x) => [x.urn, x.name]));
  const cases: PairCase[] = [];
  let notCompared = 0;
  for (const p of principals) {
    const access = store.accessOf(p.id);
    const engineOf = (read: Read, urn: string): Tri | 'unknown' => {
      const list = read === 'parameter' ? access.parameters : read === 'secret' ? access.secretValues : access.keys.filter((k) => k.paths.includes('direct'));
      const hit = list.find((x) => x.resourceUrn === urn);
      return hit === undefined ? 'denied' : hit.certainty;
    };
    const record = (read: Read, urn: string, sim: Tri, errors: string[]): void => {
      let engine = engineOf(read, urn);
      const expected: Tri = p.external && !p.service && sim !== 'denied' ? 'conditional' : sim;
      // A key's certainty is merged over its paths: unless direct is the only one, compare only that the direct path is there.
      if (read === 'key' && engine !== 'denied' && engine !== 'unknown') {
        const k = access.keys.find((x) => x.resourceUrn === urn)!;
        if (k.paths.length > 1 && sim !== 'denied') engine = expected;
      }
      if (engine === 'unknown') notCompared++;
      cases.push({ key: `${p.label}|${read}|${names.get(urn) ?? urn}`, principal: p.label, read, resource: urn, engine, expected, simulator: sim, agree: engine === 'unknown' || engine === expected, errors });
    };
    const run = async (r: SimRequest, errors: string[]): Promise<Tri> => {
      const o = await simulate(r);
      if (o.error !== undefined) errors.push(o.error);
      return o.tri;
    };
    const base = (account: string, region: string | undefined, tags: Tags, prefixes: string[]) => ({ ...p.context, 'aws:ResourceAccount': account, ...(region ? { 'aws:RequestedRegion': region } : {}), ...tagContext(prefixes, tags) });

    for (const x of e.parameters) {
      if (x.arn === undefined || x.arn === UNKNOWN || x.type === 'unknown') continue;
      const account = x.account ?? p.account ?? FOREIGN;
      const errors: string[] = [];
      const req = (action: string, resource: string): SimRequest => ({
        principal: p.principal,
        action,
        resource,
        resourceAccount: account,
        context: base(account, x.region, x.tags, ['aws:ResourceTag/']),
        absent: p.absent,
        identity: p.identity,
        ...(p.boundary !== undefined ? { boundary: p.boundary } : {}),
      });
      const reads: Tri[] = [];
      for (const action of PARAMETER_READ_ONE) reads.push(await run(req(action, x.arn), errors));
      for (const folder of folderArns(x.arn, x.path)) reads.push(await run(req(PARAMETER_READ_BY_PATH, folder), errors));
      let value = either(...reads);
      if (value !== 'denied' && x.type === 'SecureString') {
        const k = keyOf(e, x, 'ssm');
        const d = k && decryptInput(p, k, account, x.region, { 'kms:ViaService': `ssm.${x.region}.amazonaws.com`, 'kms:EncryptionContext:PARAMETER_ARN': x.arn, 'kms:EncryptionContextKeys': ['PARAMETER_ARN'] }, []);
        if (d === undefined) {
          notCompared++;
          continue;
        }
        value = both(value, await run(d, errors));
      }
      record('parameter', x.urn, value, errors);
    }
    for (const s of e.secrets) {
      if (s.arn === undefined || s.arn === UNKNOWN) continue;
      const account = s.account ?? p.account ?? FOREIGN;
      const errors: string[] = [];
      let value = await run(
        {
          principal: p.principal,
          action: SECRET_VALUE,
          resource: s.arn,
          resourceAccount: account,
          // secretsmanager:ResourceTag/<key> is left out: the simulator's dataset knows only the literal
          // `secretsmanager:ResourceTag/tag-key` and throws on any other.
          context: base(account, s.region, s.tags, ['aws:ResourceTag/']),
          absent: p.absent,
          identity: p.identity,
          ...(p.boundary !== undefined ? { boundary: p.boundary } : {}),
          ...(s.policy !== undefined ? { resourcePolicy: documentJson(s.policy) } : {}),
        },
        errors,
      );
      if (value !== 'denied') {
        const k = keyOf(e, s, 'secretsmanager');
        const d = k && decryptInput(p, k, account, s.region, { 'kms:ViaService': `secretsmanager.${s.region}.amazonaws.com`, 'kms:EncryptionContext:SecretARN': s.arn, 'kms:EncryptionContextKeys': ['SecretARN', 'SecretVersionId'] }, []);
        if (d === undefined) {
          notCompared++;
          continue;
        }
        value = both(value, await run(d, errors));
      }
      record('secret', s.urn, value, errors);
    }
    for (const k of e.keys) {
      const errors: string[] = [];
      const d = decryptInput(p, { kind: 'estate', k }, k.account ?? p.account ?? FOREIGN, k.region, {}, ['kms:ViaService']);
      if (d === undefined) continue;
      record('key', k.urn, await run(d, errors), errors);
    }
  }
  return { cases, skipped, notCompared };
}

