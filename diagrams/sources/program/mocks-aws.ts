/**
 * Deterministic mock values for AWS resources and data sources under `pulumi.runtime.setMocks`:
 * the ids, ARNs and `name` outputs AWS would give each type, built from the stack, the account and
 * the region, so the same program and config give byte-identical graphs. Inputs are echoed.
 */

import { createHash } from 'node:crypto';
import { isObject } from './project.ts';

export function hashHex(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('hex');
}

export function uuidOf(...parts: string[]): string {
  const h = hashHex(...parts);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
function suffixOf(n: number, ...parts: string[]): string {
  const h = createHash('sha256').update(parts.join('\u0000')).digest();
  let s = '';
  for (let i = 0; i < n; i++) s += ALNUM[h[i]! % ALNUM.length];
  return s;
}

/** Placeholder for values a provider would generate and that are secret (random results). */
const RANDOM_PLACEHOLDER = 'mock-random-value';

export interface MockContext {
  readonly stack: string;
  readonly account: string;
  readonly region: string;
}

/** What a mock of one resource is given. */
interface MockArgs {
  readonly type: string;
  readonly name: string;
  readonly inputs: Record<string, unknown>;
  readonly ctx: MockContext;
  /** The resource's region (its `region` input, else the context's). */
  readonly region: string;
  /** The account. */
  readonly a: string;
  /** A non-empty string input, or undefined. */
  readonly str: (k: string) => string | undefined;
  /** The physical name: the `name` input, else `namePrefix` with a suffix, else the logical name. */
  readonly n: string;
  /** The inputs with the region. */
  readonly base: Record<string, unknown>;
}

interface Mock {
  readonly id: string;
  readonly state: Record<string, unknown>;
}

const named = (m: MockArgs, arn: string, id: string = m.n): Mock => ({ id, state: { ...m.base, name: m.n, arn } });

function kmsKey({ type, name, ctx, region, a, inputs, base }: MockArgs): Mock {
  const multi = inputs.multiRegion === true || type === 'aws:kms/replicaKey:ReplicaKey';
  const keyId = `${multi ? 'mrk-' : ''}${multi ? hashHex(ctx.stack, type, name).slice(0, 32) : uuidOf(ctx.stack, type, name)}`;
  return { id: keyId, state: { ...base, keyId, arn: `arn:aws:kms:${region}:${a}:key/${keyId}` } };
}

function iamPathed(m: MockArgs, kind: 'role' | 'policy'): Mock {
  const path = m.str('path') ?? '/';
  const arn = `arn:aws:iam::${m.a}:${kind}${path}${m.n}`;
  const unique = hashHex(m.ctx.stack, m.type, m.n).slice(0, 17).toUpperCase();
  return kind === 'role'
    ? { id: m.n, state: { ...m.base, name: m.n, path, arn, uniqueId: `AROA${unique}` } }
    : { id: arn, state: { ...m.base, name: m.n, path, arn, policyId: `ANPA${unique}` } };
}

function lambdaFunction(m: MockArgs): Mock {
  const arn = `arn:aws:lambda:${m.region}:${m.a}:function:${m.n}`;
  const invokeArn = `arn:aws:apigateway:${m.region}:lambda:path/2015-03-31/functions/${arn}/invocations`;
  return { id: m.n, state: { ...m.base, name: m.n, arn, qualifiedArn: `${arn}:$LATEST`, invokeArn, version: '$LATEST' } };
}

function s3Bucket({ type, name, ctx, region, str, base }: MockArgs): Mock {
  const bucket = str('bucket') ?? (str('bucketPrefix') !== undefined ? `${str('bucketPrefix')}${suffixOf(12, ctx.stack, type, name).toLowerCase()}` : name);
  return { id: bucket, state: { ...base, bucket, arn: `arn:aws:s3:::${bucket}`, bucketDomainName: `${bucket}.s3.amazonaws.com`, bucketRegionalDomainName: `${bucket}.s3.${region}.amazonaws.com` } };
}

/** The types mocked as AWS would answer them. */
const MOCKS: ReadonlyMap<string, (m: MockArgs) => Mock> = new Map(Object.entries<(m: MockArgs) => Mock>({
  'aws:kms/key:Key': kmsKey,
  'aws:kms/replicaKey:ReplicaKey': kmsKey,
  'aws:kms/alias:Alias': (m) => {
    const target = m.str('targetKeyId');
    return { id: m.n, state: { ...m.base, name: m.n, arn: `arn:aws:kms:${m.region}:${m.a}:${m.n}`, targetKeyArn: target?.startsWith('arn:') ? target : `arn:aws:kms:${m.region}:${m.a}:key/${target ?? ''}` } };
  },
  'aws:ssm/parameter:Parameter': (m) => ({ id: m.n, state: { ...m.base, name: m.n, arn: `arn:aws:ssm:${m.region}:${m.a}:parameter/${m.n.replace(/^\//, '')}`, version: 1, tier: m.str('tier') ?? 'Standard' } }),
  'aws:secretsmanager/secret:Secret': (m) => {
    const arn = `arn:aws:secretsmanager:${m.region}:${m.a}:secret:${m.n}-${suffixOf(6, m.ctx.stack, m.type, m.n)}`;
    return named(m, arn, arn);
  },
  'aws:secretsmanager/secretVersion:SecretVersion': (m) => {
    const versionId = uuidOf(m.ctx.stack, m.type, m.name);
    const secretId = m.str('secretId') ?? '';
    return { id: `${secretId}|${versionId}`, state: { ...m.base, arn: secretId, versionId, versionStages: m.inputs.versionStages ?? ['AWSCURRENT'] } };
  },
  'aws:secretsmanager/secretRotation:SecretRotation': (m) => ({ id: m.str('secretId') ?? m.name, state: { ...m.base, rotationEnabled: true } }),
  'aws:secretsmanager/secretPolicy:SecretPolicy': (m) => ({ id: m.str('secretArn') ?? m.name, state: m.base }),
  'aws:iam/role:Role': (m) => iamPathed(m, 'role'),
  'aws:iam/policy:Policy': (m) => iamPathed(m, 'policy'),
  'aws:iam/user:User': (m) => named(m, `arn:aws:iam::${m.a}:user${m.str('path') ?? '/'}${m.n}`),
  'aws:iam/group:Group': (m) => named(m, `arn:aws:iam::${m.a}:group${m.str('path') ?? '/'}${m.n}`),
  'aws:iam/instanceProfile:InstanceProfile': (m) => named(m, `arn:aws:iam::${m.a}:instance-profile/${m.n}`),
  'aws:iam/rolePolicy:RolePolicy': (m) => ({ id: `${m.str('role') ?? ''}:${m.n}`, state: { ...m.base, name: m.n } }),
  'aws:iam/rolePolicyAttachment:RolePolicyAttachment': (m) => ({ id: `${m.str('role') ?? ''}-${suffixOf(8, m.ctx.stack, m.type, m.name).toLowerCase()}`, state: m.base }),
  'aws:lambda/function:Function': lambdaFunction,
  'aws:lambda/permission:Permission': (m) => ({ id: m.str('statementId') ?? m.n, state: m.base }),
  'aws:sns/topic:Topic': (m) => {
    const arn = `arn:aws:sns:${m.region}:${m.a}:${m.n}`;
    return named(m, arn, arn);
  },
  'aws:sns/topicSubscription:TopicSubscription': (m) => {
    const arn = `${m.str('topic') ?? `arn:aws:sns:${m.region}:${m.a}:topic`}:${uuidOf(m.ctx.stack, m.type, m.name)}`;
    return { id: arn, state: { ...m.base, arn } };
  },
  'aws:sqs/queue:Queue': (m) => {
    const url = `https://sqs.${m.region}.amazonaws.com/${m.a}/${m.n}`;
    return { id: url, state: { ...m.base, name: m.n, arn: `arn:aws:sqs:${m.region}:${m.a}:${m.n}`, url } };
  },
  'aws:cloudtrail/trail:Trail': (m) => {
    const arn = `arn:aws:cloudtrail:${m.region}:${m.a}:trail/${m.n}`;
    return { id: arn, state: { ...m.base, name: m.n, arn, homeRegion: m.region } };
  },
  'aws:s3/bucket:Bucket': s3Bucket,
  'aws:s3/bucketV2:BucketV2': s3Bucket,
  'aws:cloudwatch/logGroup:LogGroup': (m) => named(m, `arn:aws:logs:${m.region}:${m.a}:log-group:${m.n}`),
  'aws:cloudwatch/metricAlarm:MetricAlarm': (m) => named(m, `arn:aws:cloudwatch:${m.region}:${m.a}:alarm:${m.n}`),
  'aws:cloudwatch/eventRule:EventRule': (m) => named(m, `arn:aws:events:${m.region}:${m.a}:rule/${m.n}`, `default/${m.n}`),
  'aws:cloudwatch/logMetricFilter:LogMetricFilter': (m) => ({ id: m.n, state: { ...m.base, name: m.n } }),
}));

/** Mock state for a resource: realistic ids, ARNs and `name` outputs per type; inputs echoed. */
export function mockResource(type: string, name: string, inputs: Record<string, unknown>, ctx: MockContext): Mock {
  const region = typeof inputs.region === 'string' && inputs.region !== '' ? inputs.region : ctx.region;
  const str = (k: string): string | undefined => (typeof inputs[k] === 'string' && inputs[k] !== '' ? (inputs[k] as string) : undefined);
  const n = str('name') ?? (str('namePrefix') !== undefined ? `${str('namePrefix')}${suffixOf(8, ctx.stack, type, name).toLowerCase()}` : name);
  const m: MockArgs = { type, name, inputs, ctx, region, a: ctx.account, str, n, base: { ...inputs, region } };
  const known = MOCKS.get(type);
  if (known !== undefined) return known(m);
  const [pkg, mod] = type.split(':');
  if (pkg === 'random') {
    // Every generated value is a placeholder; buildGraph redacts them by schema anyway.
    return {
      id: type === 'random:index/randomPassword:RandomPassword' ? 'none' : `mock-${suffixOf(8, ctx.stack, type, name)}`,
      state: { ...inputs, result: RANDOM_PLACEHOLDER, bcryptHash: RANDOM_PLACEHOLDER, base64: RANDOM_PLACEHOLDER, hex: RANDOM_PLACEHOLDER, b64Std: RANDOM_PLACEHOLDER, b64Url: RANDOM_PLACEHOLDER },
    };
  }
  if (pkg === 'aws') {
    const service = (mod ?? 'aws').split('/')[0]!.toLowerCase();
    const kind = (type.split(':')[2] ?? 'resource').replace(/^./, (c) => c.toLowerCase());
    return { id: `${n}-${suffixOf(7, ctx.stack, type, name).toLowerCase()}`, state: { ...m.base, arn: `arn:aws:${service}:${region}:${m.a}:${kind}/${n}` } };
  }
  return { id: `${n}-${suffixOf(7, ctx.stack, type, name).toLowerCase()}`, state: inputs };
}

/** Mocks for data sources the generator knows; others echo their inputs. */
export function mockCall(token: string, inputs: Record<string, unknown>, ctx: MockContext): Record<string, unknown> {
  const region = typeof inputs.region === 'string' && inputs.region !== '' ? inputs.region : ctx.region;
  switch (token) {
    case 'aws:index/getCallerIdentity:getCallerIdentity':
      return { accountId: ctx.account, arn: `arn:aws:iam::${ctx.account}:role/mock-deployer`, userId: `AROAMOCK:${ctx.stack}`, id: ctx.account };
    case 'aws:index/getRegion:getRegion':
      return { name: region, region, id: region, description: region, endpoint: `ec2.${region}.amazonaws.com` };
    case 'aws:index/getPartition:getPartition':
      return { partition: 'aws', id: 'aws', dnsSuffix: 'amazonaws.com', reverseDnsSuffix: 'com.amazonaws' };
    case 'aws:iam/getPolicyDocument:getPolicyDocument':
      return { ...inputs, json: policyDocumentJson(inputs), id: hashHex(JSON.stringify(inputs)).slice(0, 10) };
    default:
      return inputs;
  }
}

/** The IAM JSON `aws.iam.getPolicyDocument` would produce for its statements (common fields). */
function policyDocumentJson(inputs: Record<string, unknown>): string {
  const one = (v: string[]): string | string[] => (v.length === 1 ? v[0]! : v);
  const list = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
  const statements = Array.isArray(inputs.statements) ? inputs.statements : [];
  const doc: Record<string, unknown> = { Version: typeof inputs.version === 'string' ? inputs.version : '2012-10-17' };
  if (typeof inputs.policyId === 'string') doc.Id = inputs.policyId;
  doc.Statement = statements.filter(isObject).map((s) => {
    const out: Record<string, unknown> = {};
    if (typeof s.sid === 'string') out.Sid = s.sid;
    out.Effect = typeof s.effect === 'string' ? s.effect : 'Allow';
    for (const [k, K] of [
      ['actions', 'Action'],
      ['notActions', 'NotAction'],
      ['resources', 'Resource'],
      ['notResources', 'NotResource'],
    ] as const) {
      const v = list(s[k]);
      if (v.length > 0) out[K] = one(v);
    }
    for (const [k, K] of [
      ['principals', 'Principal'],
      ['notPrincipals', 'NotPrincipal'],
    ] as const) {
      const ps = Array.isArray(s[k]) ? (s[k] as unknown[]).filter(isObject) : [];
      if (ps.length > 0) {
        const p: Record<string, string | string[]> = {};
        for (const x of ps) p[String(x.type)] = one(list(x.identifiers));
        out[K] = ps.length === 1 && ps[0]!.type === '*' ? '*' : p;
      }
    }
    const cs = Array.isArray(s.conditions) ? (s.conditions as unknown[]).filter(isObject) : [];
    if (cs.length > 0) {
      const c: Record<string, Record<string, string | string[]>> = {};
      for (const x of cs) (c[String(x.test)] ??= {})[String(x.variable)] = one(list(x.values));
      out.Condition = c;
    }
    return out;
  });
  return JSON.stringify(doc);
}
