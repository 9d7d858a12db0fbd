/**
 * Scope A of the differential test: every AWS-managed policy of the snapshot, attached alone to one
 * role, against the read actions: the parameter reads (GetParameter, GetParameters,
 * GetParameterHistory on a parameter, GetParametersByPath on its folder), GetSecretValue on a
 * secret, kms:Decrypt on a key with the default key policy (direct, through Parameter Store and
 * through Secrets Manager, with their encryption contexts). Besides the fixed resources, each policy
 * gets resources built from its own Resource patterns (wildcards filled in), so that statements
 * scoped to names (`secret:rds!*`, `parameter/aws/service/*`) are exercised too.
 *
 * The engine decides each request with decide() (evaluate.ts); the simulator gets the raw document
 * and a context that mirrors the engine's request context.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { KEY_DECRYPT, PARAMETER_READ_BY_PATH, PARAMETER_READ_ONE, SECRET_VALUE } from '../../../diagrams/estate/iam/actions.ts';
import { splitArn, wildcardRegex } from '../../../diagrams/estate/iam/arn.ts';
import { ABSENT, contextOf, type ContextValue, type RequestContext } from '../../../diagrams/estate/iam/conditions.ts';
import { withAbsence } from '../../../diagrams/estate/iam/engine.ts';
import { compilePolicy, decide, type Target } from '../../../diagrams/estate/iam/evaluate.ts';
import { parsePolicyDocument } from '../../../diagrams/estate/iam/policy.ts';
import { simulate, type Tri } from './simulator.ts';

export const ACCOUNT = '111122223333';
export const REGION = 'eu-west-1';
const ROLE = `arn:aws:iam::${ACCOUNT}:role/probe`;
const SESSION = `arn:aws:sts::${ACCOUNT}:assumed-role/probe/probe-session`;

export function managedSnapshot(): { asOf: string; policies: Record<string, unknown> } {
  const url = new URL('../../../diagrams/estate/iam/data/aws-managed-policies.json.gz', import.meta.url);
  return JSON.parse(gunzipSync(readFileSync(url)).toString('utf8')) as { asOf: string; policies: Record<string, unknown> };
}

/** The engine's request context for one request: the values, the keys known absent, and what engine.ts adds (withAbsence). */
export function engineContext(values: Readonly<Record<string, string | readonly string[]>>, absent: readonly string[], action: string): RequestContext {
  const rec: Record<string, ContextValue> = { ...values };
  for (const k of absent) rec[k] = ABSENT;
  return withAbsence(contextOf(rec), action);
}

export const rootKeyPolicy = (account: string) => ({ Version: '2012-10-17', Statement: [{ Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: 'kms:*', Resource: '*' }] });

export interface Probe {
  /** `<action> <resource> [<variant>]`, stable across runs. */
  readonly id: string;
  readonly action: string;
  readonly resource: string;
  readonly account: string;
  readonly kind: 'parameter' | 'secret' | 'key';
  readonly context: Readonly<Record<string, string | readonly string[]>>;
  readonly absent: readonly string[];
}

function base(account: string): Record<string, string> {
  return {
    'aws:SecureTransport': 'true',
    'aws:PrincipalArn': ROLE,
    'aws:PrincipalAccount': ACCOUNT,
    'kms:CallerAccount': ACCOUNT,
    'aws:PrincipalType': 'AssumedRole',
    'aws:ResourceAccount': account,
    'aws:RequestedRegion': REGION,
  };
}

function parameterProbes(arn: string, account: string): Probe[] {
  const ctx = base(account);
  return [
    ...PARAMETER_READ_ONE.map((action) => ({ id: `${action} ${arn}`, action, resource: arn, account, kind: 'parameter' as const, context: ctx, absent: ['aws:username'] })),
    { id: `${PARAMETER_READ_BY_PATH} ${arn}`, action: PARAMETER_READ_BY_PATH, resource: arn, account, kind: 'parameter', context: ctx, absent: ['aws:username'] },
  ];
}

function keyProbes(keyArn: string, account: string, paramArn: string, secretArn: string): Probe[] {
  const ctx = base(account);
  return [
    { id: `${KEY_DECRYPT} ${keyArn} direct`, action: KEY_DECRYPT, resource: keyArn, account, kind: 'key', context: ctx, absent: ['aws:username', 'kms:ViaService'] },
    {
      id: `${KEY_DECRYPT} ${keyArn} ssm`,
      action: KEY_DECRYPT,
      resource: keyArn,
      account,
      kind: 'key',
      context: { ...ctx, 'kms:ViaService': `ssm.${REGION}.amazonaws.com`, 'kms:EncryptionContext:PARAMETER_ARN': paramArn, 'kms:EncryptionContextKeys': ['PARAMETER_ARN'] },
      absent: ['aws:username'],
    },
    {
      id: `${KEY_DECRYPT} ${keyArn} secretsmanager`,
      action: KEY_DECRYPT,
      resource: keyArn,
      account,
      kind: 'key',
      context: { ...ctx, 'kms:ViaService': `secretsmanager.${REGION}.amazonaws.com`, 'kms:EncryptionContext:SecretARN': secretArn, 'kms:EncryptionContextKeys': ['SecretARN', 'SecretVersionId'] },
      absent: ['aws:username'],
    },
  ];
}

const FIXED_PARAM = `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/app/prod/db/password`;
const FIXED_SECRET = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:app/prod/db-AbCdEf`;
const FIXED_KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;

export const FIXED_PROBES: readonly Probe[] = [
  ...parameterProbes(FIXED_PARAM, ACCOUNT),
  { id: `${PARAMETER_READ_BY_PATH} folder`, action: PARAMETER_READ_BY_PATH, resource: `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/app/prod/db`, account: ACCOUNT, kind: 'parameter', context: base(ACCOUNT), absent: ['aws:username'] },
  { id: `${SECRET_VALUE} ${FIXED_SECRET}`, action: SECRET_VALUE, resource: FIXED_SECRET, account: ACCOUNT, kind: 'secret', context: base(ACCOUNT), absent: ['aws:username'] },
  ...keyProbes(FIXED_KEY, ACCOUNT, FIXED_PARAM, FIXED_SECRET),
];

/** A concrete ARN a Resource pattern matches (wildcards filled in), or undefined. */
function instantiate(pattern: string): { arn: string; account: string } | undefined {
  if (pattern.includes('${')) return undefined;
  const parts = pattern.split(':');
  if (parts[0] !== 'arn' || parts.length < 6) return undefined;
  const fill = (s: string) => s.replace(/\*/g, 'x').replace(/\?/g, 'a');
  const region = parts[3] === '' || /[*?]/.test(parts[3]!) ? REGION : parts[3]!;
  const account = parts[4] === '' || /[*?]/.test(parts[4]!) ? ACCOUNT : parts[4]!;
  let res = fill(parts.slice(5).join(':'));
  const service = parts[2]!.toLowerCase();
  if (service === 'secretsmanager' && res.startsWith('secret:') && !/-[A-Za-z0-9]{6}$/.test(res)) {
    const withSuffix = `${res}-AbCdEf`;
    if (wildcardRegex(parts.slice(5).join(':'), false).test(withSuffix)) res = withSuffix;
  }
  if (!/^\d{12}$/.test(account)) return undefined;
  return { arn: `arn:${fill(parts[1]!) === 'x' ? 'aws' : parts[1]}:${service}:${region}:${account}:${res}`, account };
}

/** Probes built from a document's own Resource / NotResource patterns on parameters, secrets and keys. */
export function derivedProbes(document: unknown): Probe[] {
  const doc = parsePolicyDocument(document);
  const seen = new Set<string>();
  const out: Probe[] = [];
  for (const st of doc.statements) {
    for (const pat of [...(st.resources ?? []), ...(st.notResources ?? [])]) {
      const hit = instantiate(pat);
      if (!hit || seen.has(hit.arn)) continue;
      const s = splitArn(hit.arn);
      if (!s) continue;
      seen.add(hit.arn);
      if (s.service === 'ssm' && s.resource.startsWith('parameter/')) out.push(...parameterProbes(hit.arn, hit.account));
      else if (s.service === 'secretsmanager' && s.resource.startsWith('secret:')) out.push({ id: `${SECRET_VALUE} ${hit.arn}`, action: SECRET_VALUE, resource: hit.arn, account: hit.account, kind: 'secret', context: base(hit.account), absent: ['aws:username'] });
      else if (s.service === 'kms' && s.resource.startsWith('key/')) out.push(...keyProbes(hit.arn, hit.account, FIXED_PARAM, FIXED_SECRET));
    }
  }
  return out;
}

export type EngineTri = Tri | 'unknown';

export function engineDecision(name: string, document: unknown, p: Probe): EngineTri {
  const identity = compilePolicy({ kind: 'identity', ref: `arn:aws:iam::aws:policy/${name}`, name, document: parsePolicyDocument(document) });
  const target: Target =
    p.kind === 'key'
      ? { kind: 'key', keyPolicy: compilePolicy({ kind: 'key-policy', ref: `key:${p.account}`, name: 'default key policy', document: parsePolicyDocument(rootKeyPolicy(p.account)) }) }
      : { kind: p.kind };
  const d = decide(
    {
      principal: { kind: 'role', arn: ROLE, account: ACCOUNT, external: false },
      action: p.action,
      resource: splitArn(p.resource)!,
      resourceAccount: p.account,
      context: engineContext(p.context, p.absent, p.action),
    },
    { identity: [identity] },
    target,
  );
  return d.allowed ? d.certainty : 'denied';
}

export async function simulatorDecision(document: unknown, p: Probe) {
  return simulate({
    principal: SESSION,
    action: p.action,
    resource: p.resource,
    resourceAccount: p.account,
    context: p.context,
    absent: p.absent,
    identity: [document],
    ...(p.kind === 'key' ? { resourcePolicy: rootKeyPolicy(p.account) } : {}),
  });
}

/** Whether a raw document has a statement whose Action names ssm, secretsmanager, kms or `*`, or that uses NotAction. */
export function touchesReads(document: unknown): boolean {
  const d = document as { Statement?: unknown };
  const list = Array.isArray(d?.Statement) ? d.Statement : d?.Statement !== undefined ? [d.Statement] : [];
  return list.some((x) => {
    const st = x as { Action?: unknown; NotAction?: unknown };
    if (st.NotAction !== undefined) return true;
    const actions = Array.isArray(st.Action) ? st.Action : [st.Action];
    return actions.some((a) => typeof a === 'string' && /^(ssm|secretsmanager|kms):|^\*$/i.test(a));
  });
}

/**
 * The policies a default run sweeps: every policy that touches the read actions, and every eighth
 * of the others (by name); `IAM_SWEEP=full` sweeps them all.
 */
export function sample(policies: Readonly<Record<string, unknown>>, full: boolean): string[] {
  const names = Object.keys(policies).sort();
  if (full) return names;
  let i = 0;
  return names.filter((n) => touchesReads(policies[n]) || i++ % 8 === 0);
}

export interface SweepCase {
  readonly policy: string;
  readonly probe: string;
  readonly engine: EngineTri;
  readonly simulator: Tri;
  readonly error?: string;
}

/** Every (policy, probe) of the given policy names: both decisions. */
export async function sweep(names: readonly string[], policies: Readonly<Record<string, unknown>>): Promise<SweepCase[]> {
  const out: SweepCase[] = [];
  for (const name of names) {
    const document = policies[name];
    for (const p of [...FIXED_PROBES, ...derivedProbes(document)]) {
      const engine = engineDecision(name, document, p);
      const sim = await simulatorDecision(document, p);
      out.push({ policy: name, probe: p.id, engine, simulator: sim.tri, ...(sim.error !== undefined ? { error: sim.error } : {}) });
    }
  }
  return out;
}
