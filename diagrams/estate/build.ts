/**
 * buildEstate: ResourceGraph[] -> Estate.
 *
 * Pure: never mutates its input; the result is deeply frozen and every collection sorted (by stack,
 * name, URN). Works on any AWS Pulumi stack: resources it does not know are counted in the stack
 * summary and otherwise ignored; odd or unknown property values never throw.
 *
 * References are resolved across every graph given: a keyId given as alias name, alias ARN, key id
 * or key ARN finds the key; function, role and topic ARNs find their entities. Where a value is not
 * known (a preview, a program under mocks), the graph's property edges (`secretId`, `keyId`,
 * `role`, ...) resolve it instead.
 */

import type { JsonObject, JsonValue, Resource, ResourceGraph } from '../graph/types.ts';
import { REDACTED, UNKNOWN } from '../graph/types.ts';
import type {
  Alarm,
  Condition,
  Estate,
  EventRule,
  IamPolicy,
  KmsKey,
  KmsReplica,
  LambdaFunction,
  Parameter,
  ParameterTier,
  ParameterType,
  PolicyDocument,
  Role,
  Secret,
  SecretCategory,
  SecretReplica,
  SecretRotation,
  Service,
  StackSummary,
  Topic,
  Trail,
  Trust,
  TrustKind,
  Watch,
} from './model.ts';
import { ESTATE_SCHEMA_VERSION } from './model.ts';
import { parsePolicyDocument, splitArn, defaultKeyPolicy, SECRET_SUFFIX_PLACEHOLDER, type ArnSubject } from './iam.ts';
import { analyseAccess, type KeySubject, type Subject } from './access.ts';
import { arr, bool, containsUnknown, knownStr, num, obj, prop, propAny, realString, str, strList, tag, tagsOf } from './props.ts';

// ─── Types the builder reads ─────────────────────────────────────────────────────────

const T = {
  parameter: ['aws:ssm/parameter:Parameter'],
  secret: ['aws:secretsmanager/secret:Secret'],
  secretVersion: ['aws:secretsmanager/secretVersion:SecretVersion'],
  secretRotation: ['aws:secretsmanager/secretRotation:SecretRotation'],
  key: ['aws:kms/key:Key'],
  replicaKey: ['aws:kms/replicaKey:ReplicaKey'],
  alias: ['aws:kms/alias:Alias'],
  keyPolicy: ['aws:kms/keyPolicy:KeyPolicy'],
  policy: ['aws:iam/policy:Policy'],
  rolePolicy: ['aws:iam/rolePolicy:RolePolicy'],
  rolePolicyAttachment: ['aws:iam/rolePolicyAttachment:RolePolicyAttachment'],
  policyAttachment: ['aws:iam/policyAttachment:PolicyAttachment'],
  role: ['aws:iam/role:Role'],
  instanceProfile: ['aws:iam/instanceProfile:InstanceProfile'],
  function: ['aws:lambda/function:Function'],
  permission: ['aws:lambda/permission:Permission'],
  trail: ['aws:cloudtrail/trail:Trail'],
  bucket: ['aws:s3/bucket:Bucket', 'aws:s3/bucketV2:BucketV2'],
  publicAccessBlock: ['aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock', 'aws:s3/bucketPublicAccessBlockV2:BucketPublicAccessBlockV2'],
  accountPublicAccessBlock: ['aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock'],
  alarm: ['aws:cloudwatch/metricAlarm:MetricAlarm'],
  logMetricFilter: ['aws:cloudwatch/logMetricFilter:LogMetricFilter'],
  eventRule: ['aws:cloudwatch/eventRule:EventRule'],
  eventTarget: ['aws:cloudwatch/eventTarget:EventTarget'],
  topic: ['aws:sns/topic:Topic'],
  subscription: ['aws:sns/topicSubscription:TopicSubscription'],
  stackReference: ['pulumi:pulumi:StackReference'],
} as const;
type Kind = keyof typeof T;

const KIND_OF = new Map<string, Kind>();
for (const [k, types] of Object.entries(T) as [Kind, readonly string[]][]) for (const t of types) KIND_OF.set(t.toLowerCase(), k);

/** The kind of a resource type token; tolerant of case (old tokens). */
function kindOf(type: string): Kind | undefined {
  return KIND_OF.get(type.toLowerCase());
}

const BASE_ENVIRONMENTS = ['dev', 'uat', 'prod', 'staging', 'test', 'qa'];
const NOT_ENVIRONMENTS = new Set(['shared', 'global', 'common', 'all', 'account', 'core']);

// ─── Per-graph context ───────────────────────────────────────────────────────────────

interface Row {
  readonly r: Resource;
  readonly g: GraphCtx;
}

interface GraphCtx {
  readonly graph: ResourceGraph;
  readonly stack: string;
  readonly project: string;
  readonly account?: string;
  readonly region?: string;
  readonly environment?: string;
  /** Region by provider URN. */
  readonly providerRegion: ReadonlyMap<string, string>;
  /** Property edges: from URN -> property -> target URNs. */
  readonly propertyEdges: ReadonlyMap<string, ReadonlyMap<string, readonly string[]>>;
  readonly byKind: ReadonlyMap<Kind, readonly Resource[]>;
  readonly byUrn: ReadonlyMap<string, Resource>;
}

function mostCommon(values: readonly string[]): string | undefined {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  let best: string | undefined;
  let n = 0;
  for (const [v, c] of [...counts.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))) if (c > n) [best, n] = [v, c];
  return best;
}

function collectArns(v: JsonValue | undefined, out: string[]): void {
  if (typeof v === 'string') {
    if (v.startsWith('arn:')) out.push(v);
  } else if (Array.isArray(v)) v.forEach((x) => collectArns(x, out));
}

function graphContext(graph: ResourceGraph): GraphCtx {
  const byKind = new Map<Kind, Resource[]>();
  const byUrn = new Map<string, Resource>();
  const providerRegion = new Map<string, string>();
  const accounts: string[] = [];
  const regions: string[] = [];
  const envTags: string[] = [];
  for (const r of graph.resources) {
    byUrn.set(r.urn, r);
    const k = kindOf(r.type);
    if (k) {
      let l = byKind.get(k);
      if (!l) byKind.set(k, (l = []));
      l.push(r);
    }
    if (r.type.startsWith('pulumi:providers:aws')) {
      const region = knownStr(r, 'region');
      if (region) {
        providerRegion.set(r.urn, region);
        regions.push(region);
      }
      for (const a of strList(propAny(r, 'allowedAccountIds'))) if (/^\d{12}$/.test(a)) accounts.push(a, a, a);
    }
    if (accounts.length < 64) {
      // A sample of ARNs is enough to know the account.
      const arns: string[] = [];
      collectArns(r.outputs['arn'], arns);
      for (const a of arns) {
        const s = splitArn(a);
        if (s?.account && /^\d{12}$/.test(s.account)) accounts.push(s.account);
      }
    }
    const t = obj(r.outputs['tags']) ?? obj(r.inputs['tags']);
    const env = t ? (t['Environment'] ?? t['environment']) : undefined;
    if (typeof env === 'string' && env !== UNKNOWN) envTags.push(env.toLowerCase());
  }
  const propertyEdges = new Map<string, Map<string, string[]>>();
  for (const e of graph.edges) {
    if (e.kind !== 'property' || e.property === undefined) continue;
    let m = propertyEdges.get(e.from);
    if (!m) propertyEdges.set(e.from, (m = new Map()));
    let l = m.get(e.property);
    if (!l) m.set(e.property, (l = []));
    l.push(e.to);
  }
  const stack = graph.stack.stack;
  let environment = mostCommon(envTags);
  if (environment === undefined) {
    const s = stack.toLowerCase();
    environment = BASE_ENVIRONMENTS.find((e) => s === e || s.endsWith(`-${e}`) || s.endsWith(`.${e}`) || s.startsWith(`${e}-`)) ?? (s === 'production' ? 'prod' : undefined);
  }
  if (environment !== undefined && NOT_ENVIRONMENTS.has(environment)) environment = undefined;
  const ctx: {
    -readonly [K in keyof GraphCtx]: GraphCtx[K];
  } = { graph, stack, project: graph.stack.project, providerRegion, propertyEdges, byKind, byUrn };
  const account = mostCommon(accounts);
  if (account) ctx.account = account;
  const region = mostCommon(regions);
  if (region) ctx.region = region;
  if (environment) ctx.environment = environment;
  return ctx;
}

function rows(ctxs: readonly GraphCtx[], kind: Kind): Row[] {
  const out: Row[] = [];
  for (const g of ctxs) for (const r of g.byKind.get(kind) ?? []) out.push({ r, g });
  return out;
}

/**
 * The region a resource lives in: its own `region` input (AWS provider 7 lets a resource override
 * it), else its provider's region (an explicit provider, e.g. a replica-region aws.Provider, is where
 * AWS puts the resource, whatever a source wrote into the outputs), else the `region` output, else the
 * region of its ARN, else the stack's region.
 */
function regionOf(row: Row): string | undefined {
  const input = row.r.inputs['region'];
  if (typeof input === 'string' && input !== '' && input !== UNKNOWN && input !== REDACTED) return input;
  if (row.r.provider) {
    const p = row.g.providerRegion.get(row.r.provider);
    if (p) return p;
  }
  const own = knownStr(row.r, 'region');
  if (own) return own;
  const arn = arnOf(row.r);
  const fromArn = arn ? splitArn(arn)?.region : undefined;
  if (fromArn) return fromArn;
  return row.g.region;
}

function edgeTargets(row: Row, property: string): readonly string[] {
  return row.g.propertyEdges.get(row.r.urn)?.get(property) ?? [];
}

// ─── Small helpers ───────────────────────────────────────────────────────────────────

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function byStackNameUrn<T extends { stack: string; name: string; urn: string }>(a: T, b: T): number {
  return cmp(a.stack, b.stack) || cmp(a.name, b.name) || cmp(a.urn, b.urn);
}

function deepFreeze<T>(v: T): T {
  if (v !== null && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v as object)) deepFreeze(x);
  }
  return v;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function base(row: Row, name: string, arn: string | undefined): Mutable<import('./model.ts').EntityBase> {
  const b: Mutable<import('./model.ts').EntityBase> = {
    urn: row.r.urn,
    stack: row.g.stack,
    name,
    tags: tagsOf(row.r),
    protect: row.r.protect,
  };
  if (arn !== undefined) b.arn = arn;
  const d = str(row.r, 'description', 'alarmDescription');
  if (d !== undefined && d !== '') b.description = d;
  return b;
}

/** The AWS name of a resource: `name` (output, then input), else the logical name. */
function awsName(r: Resource, ...props: string[]): string {
  return knownStr(r, ...(props.length > 0 ? props : ['name'])) ?? r.name;
}

function arnOf(r: Resource): string | undefined {
  const a = str(r, 'arn');
  if (a === UNKNOWN) return UNKNOWN;
  return realString(a);
}

function idOf(r: Resource): string | undefined {
  return r.id !== undefined && r.id !== '' && r.id !== UNKNOWN ? r.id : undefined;
}

const KNOWN_WORDS: Readonly<Record<string, string>> = {
  api: 'API', ci: 'CI', cd: 'CD', db: 'DB', rds: 'RDS', iam: 'IAM', kms: 'KMS', ssm: 'SSM', eks: 'EKS', ec2: 'EC2',
  aws: 'AWS', sns: 'SNS', sqs: 'SQS', jwt: 'JWT', etl: 'ETL', ui: 'UI', id: 'ID', s3: 'S3', ecs: 'ECS', ml: 'ML', bi: 'BI',
};

/** `risk-api` -> `Risk API`, `web-app` -> `Web App`. */
export function displayName(slug: string): string {
  return slug
    .split(/[-_\s.]+/)
    .filter((w) => w !== '')
    .map((w) => KNOWN_WORDS[w.toLowerCase()] ?? w.charAt(0).toUpperCase() + w.slice(1))
    .join(' ');
}

export function slugify(s: string): string {
  return s
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

const CATEGORY_WORDS: readonly [SecretCategory, ReadonlySet<string>][] = [
  ['database', new Set(['rds', 'db', 'database', 'databases', 'postgres', 'postgresql', 'mysql', 'aurora', 'mariadb', 'redshift', 'mongo', 'mongodb'])],
  ['application', new Set(['api', 'encryption', 'jwt', 'app', 'application', 'oauth', 'signing'])],
  ['service', new Set(['airflow', 'dash', 'dashboard', 'monitoring', 'service', 'services', 'svc', 'grafana', 'datadog', 'sentry', 'slack', 'smtp', 'webhook', 'analytics'])],
];

function categoryOfWords(words: readonly string[]): SecretCategory | undefined {
  for (const w of words) for (const [cat, set] of CATEGORY_WORDS) if (set.has(w)) return cat;
  return undefined;
}

/** Secret category from a `Category` tag, else from the name. */
export function secretCategory(name: string, tags: Readonly<Record<string, string>>, knownEnvs: ReadonlySet<string>): SecretCategory {
  const t = tag(tags, 'Category')?.toLowerCase();
  if (t === 'database' || t === 'application' || t === 'service' || t === 'other') return t;
  if (t) {
    const c = categoryOfWords(t.split(/[^a-z0-9]+/));
    if (c) return c;
  }
  const segments = name.split('/').filter((s) => s !== '');
  const envAt = segments.findIndex((s) => knownEnvs.has(s.toLowerCase()));
  const scan = envAt >= 0 ? segments.slice(envAt + 1) : segments;
  for (const seg of scan) {
    const c = categoryOfWords(seg.toLowerCase().split(/[^a-z0-9]+/));
    if (c) return c;
  }
  return 'other';
}

// ─── Reference indexes ───────────────────────────────────────────────────────────────

class RefIndex {
  private readonly m = new Map<string, string>();
  add(key: string | undefined, urn: string): void {
    if (key === undefined || key === '' || key === UNKNOWN) return;
    if (!this.m.has(key)) this.m.set(key, urn);
  }
  get(key: string | undefined): string | undefined {
    return key === undefined ? undefined : this.m.get(key);
  }
}

const TRUST_KINDS: ReadonlySet<string> = new Set<TrustKind>(['eks-pod', 'lambda', 'ec2', 'cross-account', 'ci-build', 'service', 'other']);

/**
 * The trust of a role from its trust policy. When the policy cannot be read (unknown, or redacted
 * because it holds a secret), `TrustKind` / `TrustedAccount` / `Namespace` / `ServiceAccount` tags
 * are used if the role has them. A redacted trust policy of a cross-account role is counted as
 * requiring an external id: the external id is the one secret value a trust policy holds.
 */
function trustOf(
  doc: PolicyDocument,
  ownAccount: string | undefined,
  inInstanceProfile: boolean,
  tags: Readonly<Record<string, string>> = {},
  redacted = false,
): Trust {
  if (doc.unknown && doc.statements.length === 0) {
    const kind = tag(tags, 'TrustKind')?.toLowerCase();
    const t: Mutable<Trust> = { kind: inInstanceProfile ? 'ec2' : 'other', principals: [], conditions: [] };
    if (kind && TRUST_KINDS.has(kind)) t.kind = kind as TrustKind;
    const account = tag(tags, 'TrustedAccount');
    if (t.kind === 'cross-account' && account) t.crossAccount = { accountId: account, requiresExternalId: redacted || tag(tags, 'RequiresExternalId') === 'true' };
    if (t.kind === 'eks-pod') {
      const ns = tag(tags, 'Namespace');
      const sa = tag(tags, 'ServiceAccount');
      t.eks = { oidcProvider: tag(tags, 'OidcProvider') ?? 'unknown', ...(ns ? { namespace: ns } : {}), ...(sa ? { serviceAccount: sa } : {}) };
    }
    return t;
  }
  const principals = new Set<string>();
  const conditions: Condition[] = [];
  const services: string[] = [];
  const federated: string[] = [];
  const aws: string[] = [];
  for (const s of doc.statements) {
    if (s.effect !== 'Allow') continue;
    for (const x of s.principals?.Service ?? []) (services.push(x), principals.add(`Service:${x}`));
    for (const x of s.principals?.Federated ?? []) (federated.push(x), principals.add(`Federated:${x}`));
    for (const x of s.principals?.AWS ?? []) (aws.push(x), principals.add(`AWS:${x}`));
    if (s.principals?.any && !(s.principals.AWS ?? []).includes('*')) principals.add('AWS:*');
    conditions.push(...s.conditions);
  }
  const trust: Mutable<Trust> = { kind: 'other', principals: [...principals].sort(), conditions };
  const setKind = (k: TrustKind): void => {
    trust.kind = k;
  };
  const github = federated.find((f) => f.includes('token.actions.githubusercontent.com'));
  const oidc = federated.find((f) => f.includes('oidc-provider/') && !f.includes('token.actions.githubusercontent.com'));
  const subCondition = conditions.find((c) => /:sub$/i.test(c.key) && c.values.some((v) => v.startsWith('system:serviceaccount:')));
  if (oidc && (subCondition || oidc.includes('oidc.eks.'))) {
    setKind('eks-pod');
    const eks: { oidcProvider: string; namespace?: string; serviceAccount?: string } = { oidcProvider: oidc.replace(/^.*oidc-provider\//, '') };
    const v = subCondition?.values.find((x) => x.startsWith('system:serviceaccount:'));
    if (v) {
      const [, , ns, sa] = v.split(':');
      if (ns) eks.namespace = ns;
      if (sa) eks.serviceAccount = sa;
    }
    trust.eks = eks;
  } else if (services.includes('pods.eks.amazonaws.com')) {
    setKind('eks-pod');
    trust.eks = { oidcProvider: 'pods.eks.amazonaws.com' };
  } else if (github || services.some((s) => s.startsWith('codebuild.'))) setKind('ci-build');
  else if (services.some((s) => s.startsWith('lambda.'))) setKind('lambda');
  else if (services.some((s) => s.startsWith('ec2.')) || inInstanceProfile) setKind('ec2');
  else {
    const foreign = aws.map((a) => (/^\d{12}$/.test(a) ? a : splitArn(a)?.account)).find((a) => a !== undefined && /^\d{12}$/.test(a) && a !== ownAccount);
    if (foreign) {
      setKind('cross-account');
      trust.crossAccount = { accountId: foreign, requiresExternalId: conditions.some((c) => c.key.toLowerCase() === 'sts:externalid') };
    } else if (services.length > 0) setKind('service');
  }
  return trust;
}

function watchOf(...texts: (string | undefined)[]): Watch {
  const t = texts.filter((x): x is string => x !== undefined).join(' ');
  if (/RotationFailed|RotationAbandoned|rotation[-_ ]?fail/i.test(t)) return 'rotation-failure';
  if (/AccessDenied|UnauthorizedOperation|Unauthori[sz]ed|access[-_ ]?denied/i.test(t)) return 'access-denied';
  return 'other';
}

function jsonText(v: JsonValue | undefined): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}

function rateDays(expr: string | undefined): number | undefined {
  if (!expr) return undefined;
  const m = /^rate\(\s*(\d+)\s+(day|days|hour|hours)\s*\)$/i.exec(expr.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  return m[2]!.toLowerCase().startsWith('day') ? n : n % 24 === 0 ? n / 24 : undefined;
}

// ─── The builder ─────────────────────────────────────────────────────────────────────

export function buildEstate(graphs: readonly ResourceGraph[]): Estate {
  const ctxs = graphs.map(graphContext);
  const knownEnvs = new Set<string>(BASE_ENVIRONMENTS);
  for (const c of ctxs) {
    if (c.environment) knownEnvs.add(c.environment);
    const s = c.stack.toLowerCase();
    if (!NOT_ENVIRONMENTS.has(s)) knownEnvs.add(s);
  }

  // ── Stacks ──
  const stacks: StackSummary[] = ctxs.map((c) => {
    const types: Record<string, number> = {};
    for (const r of c.graph.resources) types[r.type] = (types[r.type] ?? 0) + 1;
    const sortedTypes: Record<string, number> = {};
    for (const k of Object.keys(types).sort()) sortedTypes[k] = types[k]!;
    const refs = new Set<string>();
    for (const r of c.byKind.get('stackReference') ?? []) {
      const n = knownStr(r, 'name') ?? r.name;
      refs.add(n.split('/').pop()!);
    }
    const s: Mutable<StackSummary> = {
      project: c.project,
      stack: c.stack,
      source: c.graph.stack.source,
      resourceCount: c.graph.stack.resourceCount,
      resourceTypes: sortedTypes,
      references: [...refs].sort(),
    };
    if (c.environment) s.environment = c.environment;
    if (c.graph.stack.deployedAt) s.deployedAt = c.graph.stack.deployedAt;
    if (c.graph.stack.pulumiVersion) s.pulumiVersion = c.graph.stack.pulumiVersion;
    return s;
  });
  stacks.sort((a, b) => cmp(a.stack, b.stack) || cmp(a.project, b.project));

  // ── KMS keys and aliases ──
  const keyRefs = new RefIndex();
  const keyRows = rows(ctxs, 'key');
  const keyIdOf = new Map<string, string | undefined>();
  const keyArnOf = new Map<string, string | undefined>();
  for (const row of keyRows) {
    const keyId = knownStr(row.r, 'keyId') ?? idOf(row.r);
    let arn = arnOf(row.r);
    const region = regionOf(row);
    if (arn === undefined && keyId && row.g.account && region) arn = `arn:aws:kms:${region}:${row.g.account}:key/${keyId}`;
    keyIdOf.set(row.r.urn, keyId);
    keyArnOf.set(row.r.urn, arn);
    keyRefs.add(keyId, row.r.urn);
    keyRefs.add(arn, row.r.urn);
  }
  const resolveKeyValue = (ref: string | undefined): string | undefined => {
    if (ref === undefined || ref === UNKNOWN) return undefined;
    const direct = keyRefs.get(ref);
    if (direct) return direct;
    const m = /^arn:[^:]+:kms:[^:]*:[^:]*:(key\/(.+)|(alias\/.+))$/.exec(ref);
    if (m) return keyRefs.get(m[2] ?? m[3]);
    return undefined;
  };
  const aliasOwner = new Map<string, string>(); // alias URN -> key URN
  const aliasesOf = new Map<string, string[]>();
  const aliasRows = rows(ctxs, 'alias');
  // Aliases first resolve by target value, then by property edge.
  const resolveKeyRef = (row: Row, ...props: string[]): string | undefined => {
    for (const p of props) {
      const v = str(row.r, p);
      const hit = resolveKeyValue(v);
      if (hit) return hit;
    }
    for (const p of props) {
      for (const to of edgeTargets(row, p)) {
        if (keyArnOf.has(to)) return to;
        const viaAlias = aliasOwner.get(to);
        if (viaAlias) return viaAlias;
      }
    }
    return undefined;
  };
  for (const row of aliasRows) {
    const keyUrn = resolveKeyRef(row, 'targetKeyId', 'targetKeyArn');
    if (!keyUrn) continue;
    const name = knownStr(row.r, 'name') ?? row.r.name;
    aliasOwner.set(row.r.urn, keyUrn);
    const l = aliasesOf.get(keyUrn) ?? [];
    l.push(name.startsWith('alias/') ? name : `alias/${name}`);
    aliasesOf.set(keyUrn, l);
    keyRefs.add(name, keyUrn);
    keyRefs.add(arnOf(row.r), keyUrn);
  }
  const replicasOf = new Map<string, KmsReplica[]>();
  for (const row of rows(ctxs, 'replicaKey')) {
    const primary = resolveKeyRef(row, 'primaryKeyArn');
    if (!primary) continue;
    const rep: Mutable<KmsReplica> = { urn: row.r.urn, stack: row.g.stack };
    const region = regionOf(row);
    if (region) rep.region = region;
    const arn = arnOf(row.r);
    if (arn) rep.arn = arn;
    const l = replicasOf.get(primary) ?? [];
    l.push(rep);
    replicasOf.set(primary, l);
    keyRefs.add(arn, primary);
    keyRefs.add(knownStr(row.r, 'keyId') ?? idOf(row.r), primary);
  }
  const keyPolicyOf = new Map<string, PolicyDocument>();
  for (const row of rows(ctxs, 'keyPolicy')) {
    const k = resolveKeyRef(row, 'keyId');
    if (k) keyPolicyOf.set(k, parsePolicyDocument(prop(row.r, 'policy')));
  }
  const keys: KmsKey[] = [];
  const keySubjects: KeySubject[] = [];
  for (const row of keyRows) {
    const arn = keyArnOf.get(row.r.urn);
    const k: Mutable<KmsKey> = {
      ...base(row, '', arn),
      name: '',
      aliases: [...new Set(aliasesOf.get(row.r.urn) ?? [])].sort(),
      rotationEnabled: bool(row.r, false, 'enableKeyRotation'),
      multiRegion: bool(row.r, false, 'multiRegion') === true,
      replicas: (replicasOf.get(row.r.urn) ?? []).sort((a, b) => cmp(a.region ?? '', b.region ?? '') || cmp(a.urn, b.urn)),
    };
    k.name = k.aliases[0] ?? row.r.name;
    const keyId = keyIdOf.get(row.r.urn);
    if (keyId) k.keyId = keyId;
    const period = num(row.r, 'rotationPeriodInDays');
    if (period !== undefined && k.rotationEnabled !== false) k.rotationPeriodDays = period;
    const win = num(row.r, 'deletionWindowInDays');
    if (win !== undefined) k.deletionWindowDays = win;
    const usage = knownStr(row.r, 'keyUsage');
    if (usage) k.keyUsage = usage;
    const region = regionOf(row);
    if (region) k.region = region;
    const policyValue = prop(row.r, 'policy');
    let policy: PolicyDocument | undefined = keyPolicyOf.get(row.r.urn);
    if (!policy && policyValue !== undefined && policyValue !== null && policyValue !== '') policy = parsePolicyDocument(policyValue);
    if (policy) k.policy = policy;
    keys.push(k);
    const effective = policy ?? defaultKeyPolicy(row.g.account);
    const subject = subjectFor(arn, 'kms', region, row.g.account, keyId ? `key/${keyId}` : `key/${row.r.urn}`);
    keySubjects.push({
      entity: k,
      subject: { ...subject, aliases: k.aliases },
      ...(policy && policy.unknown && policy.statements.length === 0 ? {} : { policy: effective }),
    });
  }

  // ── Functions ──
  const fnRefs = new RefIndex();
  const fnRows = rows(ctxs, 'function');
  const fnArn = new Map<string, string | undefined>();
  for (const row of fnRows) {
    const name = awsName(row.r);
    let arn = arnOf(row.r);
    const region = regionOf(row);
    if (arn === undefined && row.g.account && region) arn = `arn:aws:lambda:${region}:${row.g.account}:function:${name}`;
    fnArn.set(row.r.urn, arn);
    fnRefs.add(arn, row.r.urn);
    fnRefs.add(name, row.r.urn);
    fnRefs.add(arnOf(row.r)?.replace(/:[^:]+$/, ''), row.r.urn);
  }
  const resolveFn = (row: Row, value: string | undefined, ...props: string[]): string | undefined => {
    if (value !== undefined && value !== UNKNOWN) {
      const hit = fnRefs.get(value) ?? fnRefs.get(value.replace(/^(arn:[^:]+:lambda:[^:]*:[^:]*:function:[^:]+):.*$/, '$1'));
      if (hit) return hit;
    }
    for (const p of props) for (const to of edgeTargets(row, p)) if (fnArn.has(to)) return to;
    return undefined;
  };

  // ── Parameters ──
  const parameters: Parameter[] = [];
  const paramSubjects: Subject<Parameter>[] = [];
  for (const row of rows(ctxs, 'parameter')) {
    const path = awsName(row.r);
    const segments = path.split('/').filter((s) => s !== '');
    const envAt = segments.findIndex((s) => knownEnvs.has(s.toLowerCase()));
    const typeRaw = str(row.r, 'type');
    const type: ParameterType = typeRaw === 'String' || typeRaw === 'StringList' || typeRaw === 'SecureString' ? typeRaw : 'unknown';
    const tierRaw = str(row.r, 'tier');
    const tier: ParameterTier =
      tierRaw === undefined ? 'Standard' : tierRaw === 'Standard' || tierRaw === 'Advanced' || tierRaw === 'Intelligent-Tiering' ? tierRaw : 'unknown';
    let arn = arnOf(row.r);
    const region = regionOf(row);
    const rel = path.startsWith('/') ? path.slice(1) : path;
    if (arn === undefined && row.g.account && region) arn = `arn:aws:ssm:${region}:${row.g.account}:parameter/${rel}`;
    const p: Mutable<Parameter> = {
      ...base(row, path, arn),
      path,
      segments,
      leaf: segments[segments.length - 1] ?? path,
      type,
      tier,
    };
    const env = envAt >= 0 ? segments[envAt]!.toLowerCase() : row.g.environment;
    if (env) p.environment = env;
    if (envAt >= 0 && envAt + 1 < segments.length - 1) p.category = segments[envAt + 1]!;
    if (type === 'SecureString' || type === 'unknown') {
      const keyId = str(row.r, 'keyId');
      if (keyId !== undefined && keyId !== '') p.keyId = keyId;
      const keyUrn = resolveKeyRef(row, 'keyId');
      if (keyUrn) p.keyUrn = keyUrn;
    }
    parameters.push(p);
    paramSubjects.push({ entity: p, subject: subjectFor(arn, 'ssm', region, row.g.account, `parameter/${rel}`) });
  }

  // ── Secrets ──
  const secretRefs = new RefIndex();
  const secretRows = rows(ctxs, 'secret');
  for (const row of secretRows) {
    secretRefs.add(arnOf(row.r), row.r.urn);
    secretRefs.add(idOf(row.r), row.r.urn);
    secretRefs.add(`${row.g.stack}\u0000${awsName(row.r)}`, row.r.urn);
    secretRefs.add(awsName(row.r), row.r.urn);
  }
  const secretUrns = new Set(secretRows.map((r) => r.r.urn));
  const resolveSecret = (row: Row, prop: string): string | undefined => {
    const v = str(row.r, prop);
    if (v !== undefined && v !== UNKNOWN) {
      const hit = secretRefs.get(v) ?? secretRefs.get(`${row.g.stack}\u0000${v}`);
      if (hit) return hit;
    }
    for (const to of edgeTargets(row, prop)) if (secretUrns.has(to)) return to;
    return undefined;
  };
  const rotationOf = new Map<string, Row>();
  for (const row of rows(ctxs, 'secretRotation')) {
    const s = resolveSecret(row, 'secretId');
    if (s && !rotationOf.has(s)) rotationOf.set(s, row);
  }
  const versionsOf = new Map<string, number>();
  for (const row of rows(ctxs, 'secretVersion')) {
    const s = resolveSecret(row, 'secretId');
    if (s) versionsOf.set(s, (versionsOf.get(s) ?? 0) + 1);
  }
  const secrets: Secret[] = [];
  const secretSubjects: Subject<Secret>[] = [];
  const rotationFunctions = new Set<string>();
  for (const row of secretRows) {
    const name = awsName(row.r, 'name', 'namePrefix');
    const tags = tagsOf(row.r);
    const region = regionOf(row);
    const arn = arnOf(row.r);
    const rotRow = rotationOf.get(row.r.urn);
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
    const fnUrn = resolveFn(rotRow ?? row, lambdaArn, 'rotationLambdaArn');
    if (fnUrn) {
      rotation.functionUrn = fnUrn;
      if (rotation.enabled) rotationFunctions.add(fnUrn);
    }
    const replicas: SecretReplica[] = [];
    for (const rep of arr(propAny(row.r, 'replicas'))) {
      const o = obj(rep);
      const rr = o && realString(o['region']);
      if (!o || !rr) continue;
      const kid = realString(o['kmsKeyId']);
      replicas.push(kid ? { region: rr, keyId: kid } : { region: rr });
    }
    const s: Mutable<Secret> = {
      ...base(row, name, arn),
      category: secretCategory(name, tags, knownEnvs),
      rotation,
      replicas: replicas.sort((a, b) => cmp(a.region, b.region)),
      versions: versionsOf.get(row.r.urn) ?? 0,
    };
    const segs = name.split('/').filter((x) => x !== '');
    const env = segs.find((x) => knownEnvs.has(x.toLowerCase()))?.toLowerCase() ?? row.g.environment;
    if (env) s.environment = env;
    const keyId = str(row.r, 'kmsKeyId');
    if (keyId !== undefined && keyId !== '') s.keyId = keyId;
    const keyUrn = resolveKeyRef(row, 'kmsKeyId');
    if (keyUrn) s.keyUrn = keyUrn;
    const rw = num(row.r, 'recoveryWindowInDays');
    if (rw !== undefined) s.recoveryWindowDays = rw;
    const strategy = tag(tags, 'RotationStrategy');
    if (strategy) s.rotationStrategy = strategy;
    secrets.push(s);
    const known = arn !== undefined && arn !== UNKNOWN;
    const subject = subjectFor(known ? arn : undefined, 'secretsmanager', region, row.g.account, `secret:${name}-${SECRET_SUFFIX_PLACEHOLDER}`);
    secretSubjects.push({ entity: s, subject: known ? subject : { ...subject, unknownSuffix: true } });
  }

  // ── Roles ──
  const roleRows = rows(ctxs, 'role');
  const roleRefs = new RefIndex();
  const roleUrns = new Set(roleRows.map((r) => r.r.urn));
  const roleNameOf = new Map<string, string>();
  for (const row of roleRows) {
    const name = awsName(row.r);
    roleNameOf.set(row.r.urn, name);
    roleRefs.add(`${row.g.stack}\u0000${name}`, row.r.urn);
    roleRefs.add(name, row.r.urn);
    roleRefs.add(arnOf(row.r), row.r.urn);
    roleRefs.add(idOf(row.r), row.r.urn);
  }
  const resolveRoleValue = (row: Row, v: string | undefined): string | undefined => {
    if (v === undefined || v === UNKNOWN || v === '') return undefined;
    return roleRefs.get(`${row.g.stack}\u0000${v}`) ?? roleRefs.get(v) ?? roleRefs.get(v.replace(/^arn:[^:]+:iam::[^:]*:role\/(?:.*\/)?/, ''));
  };
  const resolveRoles = (row: Row, prop: string): string[] => {
    const out = new Set<string>();
    const values = strList(propAny(row.r, prop));
    let unresolved = values.length === 0;
    for (const v of values) {
      const hit = resolveRoleValue(row, v);
      if (hit) out.add(hit);
      else unresolved = true;
    }
    if (unresolved) for (const to of edgeTargets(row, prop)) if (roleUrns.has(to)) out.add(to);
    return [...out];
  };

  // ── Policies and attachments ──
  const policyRefs = new RefIndex();
  const policyDocs = new Map<string, PolicyDocument>();
  const policyRows = rows(ctxs, 'policy');
  const policyUrns = new Set(policyRows.map((r) => r.r.urn));
  for (const row of policyRows) {
    policyRefs.add(arnOf(row.r), row.r.urn);
    policyRefs.add(idOf(row.r), row.r.urn);
  }
  const attached = new Map<string, Set<string>>(); // policy URN -> role URNs
  const rolePolicies = new Map<string, Set<string>>(); // role URN -> policy URNs
  const roleExternal = new Map<string, Set<string>>(); // role URN -> external ARNs
  const attach = (roleUrn: string, policyUrn: string): void => {
    (attached.get(policyUrn) ?? attached.set(policyUrn, new Set()).get(policyUrn)!).add(roleUrn);
    (rolePolicies.get(roleUrn) ?? rolePolicies.set(roleUrn, new Set()).get(roleUrn)!).add(policyUrn);
  };
  const attachArn = (row: Row, roleUrn: string, arn: string | undefined, viaProp: string | undefined): void => {
    let p = arn !== undefined && arn !== UNKNOWN ? policyRefs.get(arn) : undefined;
    if (!p && viaProp) p = edgeTargets(row, viaProp).find((u) => policyUrns.has(u));
    if (p) attach(roleUrn, p);
    else if (arn !== undefined && arn !== UNKNOWN && arn !== '') {
      (roleExternal.get(roleUrn) ?? roleExternal.set(roleUrn, new Set()).get(roleUrn)!).add(arn);
    }
  };
  for (const row of rows(ctxs, 'rolePolicyAttachment')) {
    for (const role of resolveRoles(row, 'role')) attachArn(row, role, str(row.r, 'policyArn'), 'policyArn');
  }
  for (const row of rows(ctxs, 'policyAttachment')) {
    for (const role of resolveRoles(row, 'roles')) attachArn(row, role, str(row.r, 'policyArn'), 'policyArn');
  }
  const policies: IamPolicy[] = [];
  for (const row of policyRows) {
    const doc = parsePolicyDocument(prop(row.r, 'policy'));
    policyDocs.set(row.r.urn, doc);
  }
  // Inline policies: RolePolicy resources, then the role's own inlinePolicies not already covered.
  const inlineNames = new Map<string, Set<string>>();
  const inlinePolicies: { row: Row; urn: string; name: string; doc: PolicyDocument; roleUrn: string | undefined }[] = [];
  for (const row of rows(ctxs, 'rolePolicy')) {
    const roleUrn = resolveRoles(row, 'role')[0];
    const name = awsName(row.r);
    if (roleUrn) (inlineNames.get(roleUrn) ?? inlineNames.set(roleUrn, new Set()).get(roleUrn)!).add(name);
    inlinePolicies.push({ row, urn: row.r.urn, name, doc: parsePolicyDocument(prop(row.r, 'policy')), roleUrn });
  }
  for (const row of roleRows) {
    for (const ip of arr(propAny(row.r, 'inlinePolicies'))) {
      const o = obj(ip);
      if (!o) continue;
      const name = typeof o['name'] === 'string' ? o['name'] : '';
      const pol = o['policy'];
      if (name === '' && (pol === undefined || pol === '' || pol === null)) continue;
      if (inlineNames.get(row.r.urn)?.has(name)) continue;
      inlinePolicies.push({ row, urn: `${row.r.urn}#inline-policy/${name}`, name: name || 'inline', doc: parsePolicyDocument(pol), roleUrn: row.r.urn });
    }
    for (const a of strList(propAny(row.r, 'managedPolicyArns'))) attachArn(row, row.r.urn, a, undefined);
  }
  for (const ip of inlinePolicies) {
    if (ip.roleUrn) attach(ip.roleUrn, ip.urn);
    policyDocs.set(ip.urn, ip.doc);
  }
  // An external ARN that is also attached as an estate policy: keep only the estate one.
  for (const row of policyRows) {
    const p: Mutable<IamPolicy> = {
      ...base(row, awsName(row.r), arnOf(row.r)),
      kind: 'managed',
      document: policyDocs.get(row.r.urn)!,
      attachedTo: [...(attached.get(row.r.urn) ?? [])].sort(),
    };
    policies.push(p);
  }
  for (const ip of inlinePolicies) {
    const b = base(ip.row, ip.name, undefined);
    b.urn = ip.urn;
    if (ip.urn !== ip.row.r.urn) {
      b.tags = {};
      delete b.description;
    }
    policies.push({ ...b, kind: 'inline', document: ip.doc, attachedTo: [...(attached.get(ip.urn) ?? [])].sort() });
  }

  // ── Instance profiles ──
  const profilesOf = new Map<string, Set<string>>();
  for (const row of rows(ctxs, 'instanceProfile')) {
    for (const role of resolveRoles(row, 'role')) (profilesOf.get(role) ?? profilesOf.set(role, new Set()).get(role)!).add(awsName(row.r));
  }

  // ── Lambda invoke permissions: principals per function ──
  // `function` may be a name, an ARN, or either with a qualifier (`name:alias`, `arn:...:function:name:1`).
  const invokersOf = new Map<string, Set<string>>();
  for (const row of rows(ctxs, 'permission')) {
    const principal = knownStr(row.r, 'principal');
    if (principal === undefined) continue;
    const ref = knownStr(row.r, 'function', 'functionName');
    const target =
      resolveFn(row, ref, 'function') ?? (ref !== undefined && !ref.startsWith('arn:') && ref.includes(':') ? resolveFn(row, ref.slice(0, ref.indexOf(':'))) : undefined);
    if (target === undefined) continue;
    (invokersOf.get(target) ?? invokersOf.set(target, new Set()).get(target)!).add(principal);
  }

  // ── Functions (entities) ──
  const functions: LambdaFunction[] = [];
  for (const row of fnRows) {
    const roleArn = str(row.r, 'role');
    const f: Mutable<LambdaFunction> = {
      ...base(row, awsName(row.r), fnArn.get(row.r.urn)),
      purpose: rotationFunctions.has(row.r.urn) ? 'rotation' : 'other',
      invokePrincipals: [...(invokersOf.get(row.r.urn) ?? [])].sort(cmp),
    };
    if (roleArn !== undefined && roleArn !== '') f.roleArn = roleArn;
    const roleUrn = resolveRoleValue(row, roleArn) ?? edgeTargets(row, 'role').find((u) => roleUrns.has(u));
    if (roleUrn) f.roleUrn = roleUrn;
    const runtime = knownStr(row.r, 'runtime');
    if (runtime) f.runtime = runtime;
    const handler = knownStr(row.r, 'handler');
    if (handler) f.handler = handler;
    functions.push(f);
  }
  const rotationRoles = new Set(functions.filter((f) => f.purpose === 'rotation' && f.roleUrn).map((f) => f.roleUrn!));

  // ── Roles (entities) and services ──
  const roles: Role[] = [];
  const services = new Map<string, Mutable<Service> & { roles: string[] }>();
  for (const row of roleRows) {
    const name = roleNameOf.get(row.r.urn)!;
    let arn = arnOf(row.r);
    if (arn === undefined && row.g.account) {
      const path = knownStr(row.r, 'path') ?? '/';
      arn = `arn:aws:iam::${row.g.account}:role${path}${name}`;
    }
    const profiles = [...(profilesOf.get(row.r.urn) ?? [])].sort();
    const trustValue = prop(row.r, 'assumeRolePolicy');
    const trustDoc = parsePolicyDocument(trustValue);
    const own = arn !== undefined ? splitArn(arn)?.account ?? row.g.account : row.g.account;
    const role: Mutable<Role> = {
      ...base(row, name, arn),
      trust: trustOf(trustDoc, own, profiles.length > 0, tagsOf(row.r), trustValue === REDACTED),
      policies: [...(rolePolicies.get(row.r.urn) ?? [])].sort(),
      externalPolicies: [...(roleExternal.get(row.r.urn) ?? [])].sort(),
      instanceProfiles: profiles,
    };
    // Service: the Service tag, else the role name (not for rotation functions' roles).
    const svcTag = tag(role.tags, 'Service');
    let id: string | undefined;
    let derivedFrom: 'tag' | 'role-name' = 'tag';
    if (svcTag && svcTag !== UNKNOWN && svcTag.trim() !== '') id = slugify(svcTag);
    else if (!rotationRoles.has(row.r.urn)) {
      id = serviceFromRoleName(name, row.g, knownEnvs);
      derivedFrom = 'role-name';
    }
    if (id) {
      role.service = id;
      const key = `${row.g.stack}\u0000${id}`;
      let svc = services.get(key);
      if (!svc) {
        const named = tag(role.tags, 'ServiceName');
        const display = named && named !== UNKNOWN ? named : svcTag && derivedFrom === 'tag' && /[A-Z\s]/.test(svcTag) ? svcTag.trim() : displayName(id);
        svc = { id, name: display, stack: row.g.stack, roles: [], derivedFrom };
        services.set(key, svc);
      } else if (derivedFrom === 'tag') svc.derivedFrom = 'tag';
      svc.roles.push(row.r.urn);
    }
    roles.push(role);
  }

  // ── Audit ──
  const topicRefs = new RefIndex();
  const topicRows = rows(ctxs, 'topic');
  const topicUrns = new Set(topicRows.map((r) => r.r.urn));
  for (const row of topicRows) {
    topicRefs.add(arnOf(row.r), row.r.urn);
    topicRefs.add(idOf(row.r), row.r.urn);
  }
  const resolveTopics = (row: Row, prop: string): string[] => {
    const out = new Set<string>();
    for (const v of strList(propAny(row.r, prop))) {
      const hit = topicRefs.get(v);
      if (hit) out.add(hit);
    }
    for (const to of edgeTargets(row, prop)) if (topicUrns.has(to)) out.add(to);
    return [...out].sort();
  };
  const subsOf = new Map<string, { protocol: string; endpoint: string }[]>();
  for (const row of rows(ctxs, 'subscription')) {
    for (const t of resolveTopics(row, 'topic')) {
      const l = subsOf.get(t) ?? [];
      l.push({ protocol: str(row.r, 'protocol') ?? 'unknown', endpoint: str(row.r, 'endpoint') ?? '' });
      subsOf.set(t, l);
    }
  }
  const topics: Topic[] = topicRows.map((row) => ({
    ...base(row, awsName(row.r), arnOf(row.r) ?? (idOf(row.r)?.startsWith('arn:') ? idOf(row.r) : undefined)),
    subscriptions: (subsOf.get(row.r.urn) ?? []).sort((a, b) => cmp(a.protocol, b.protocol) || cmp(a.endpoint, b.endpoint)),
  }));

  // Buckets and public access blocks.
  const bucketRows = rows(ctxs, 'bucket');
  const bucketNameOf = new Map<string, string>();
  for (const row of bucketRows) {
    const n = knownStr(row.r, 'bucket') ?? idOf(row.r);
    if (n) bucketNameOf.set(row.r.urn, n);
  }
  const knownBuckets = new Set([...bucketNameOf.values()]);
  const pabByBucket = new Map<string, boolean | 'unknown'>(); // bucket name or bucket URN -> blocked
  const pabValue = (r: Resource): boolean | 'unknown' => {
    const flags = ['blockPublicAcls', 'blockPublicPolicy', 'ignorePublicAcls', 'restrictPublicBuckets'].map((f) => bool(r, false, f));
    if (flags.every((f) => f === true)) return true;
    if (flags.some((f) => f === false)) return false;
    return 'unknown';
  };
  for (const row of rows(ctxs, 'publicAccessBlock')) {
    const v = pabValue(row.r);
    const b = knownStr(row.r, 'bucket');
    if (b) pabByBucket.set(b, v);
    for (const to of edgeTargets(row, 'bucket')) pabByBucket.set(to, v);
  }
  const accountBlocked = rows(ctxs, 'accountPublicAccessBlock').some((row) => pabValue(row.r) === true);
  const logFilters = rows(ctxs, 'logMetricFilter').map((row) => {
    const mt = obj(arr(propAny(row.r, 'metricTransformation'))[0]);
    return {
      metric: mt && typeof mt['name'] === 'string' ? mt['name'] : undefined,
      namespace: mt && typeof mt['namespace'] === 'string' ? mt['namespace'] : undefined,
      text: `${str(row.r, 'pattern') ?? ''} ${awsName(row.r)}`,
    };
  });

  const trails: Trail[] = rows(ctxs, 'trail').map((row) => {
    const t: Mutable<Trail> = {
      ...base(row, awsName(row.r), arnOf(row.r)),
      multiRegion: bool(row.r, false, 'isMultiRegionTrail'),
      logFileValidation: bool(row.r, false, 'enableLogFileValidation'),
      bucketPublicAccessBlocked: 'unknown',
      events: trailEvents(row.r),
    };
    const kms = str(row.r, 'kmsKeyId');
    if (kms !== undefined && kms !== '') t.kmsKeyId = kms;
    const keyUrn = resolveKeyRef(row, 'kmsKeyId');
    if (keyUrn) t.keyUrn = keyUrn;
    const bucket = str(row.r, 's3BucketName');
    if (bucket !== undefined && bucket !== '') t.bucket = bucket;
    const bucketUrn = edgeTargets(row, 's3BucketName').find((u) => bucketNameOf.has(u) || row.g.byUrn.get(u) !== undefined);
    let blocked: boolean | 'unknown' | undefined =
      (bucket && bucket !== UNKNOWN ? pabByBucket.get(bucket) : undefined) ?? (bucketUrn ? pabByBucket.get(bucketUrn) : undefined);
    if (blocked === undefined && bucketUrn) {
      const n = bucketNameOf.get(bucketUrn);
      if (n) blocked = pabByBucket.get(n);
    }
    if (blocked === undefined) {
      if (accountBlocked) blocked = true;
      else if ((bucket && knownBuckets.has(bucket)) || bucketUrn) blocked = false;
      else blocked = 'unknown';
    }
    t.bucketPublicAccessBlocked = blocked;
    return t;
  });

  const alarms: Alarm[] = rows(ctxs, 'alarm').map((row) => {
    const metricName = knownStr(row.r, 'metricName');
    const namespace = knownStr(row.r, 'namespace');
    const filters = logFilters.filter((f) => f.metric !== undefined && f.metric === metricName && (namespace === undefined || f.namespace === undefined || f.namespace === namespace));
    const a: Mutable<Alarm> = {
      ...base(row, awsName(row.r), arnOf(row.r)),
      watches: watchOf(metricName, str(row.r, 'alarmDescription'), awsName(row.r), ...filters.map((f) => f.text)),
      topics: resolveTopics(row, 'alarmActions'),
    };
    if (metricName) a.metricName = metricName;
    if (namespace) a.namespace = namespace;
    return a;
  });

  const ruleRows = rows(ctxs, 'eventRule');
  const ruleRefs = new RefIndex();
  const ruleUrns = new Set(ruleRows.map((r) => r.r.urn));
  for (const row of ruleRows) {
    ruleRefs.add(`${row.g.stack}\u0000${awsName(row.r)}`, row.r.urn);
    ruleRefs.add(arnOf(row.r), row.r.urn);
    ruleRefs.add(idOf(row.r), row.r.urn);
  }
  const ruleTopics = new Map<string, Set<string>>();
  for (const row of rows(ctxs, 'eventTarget')) {
    const v = str(row.r, 'rule');
    let rule = v ? ruleRefs.get(`${row.g.stack}\u0000${v}`) ?? ruleRefs.get(v) : undefined;
    if (!rule) rule = edgeTargets(row, 'rule').find((u) => ruleUrns.has(u));
    if (!rule) continue;
    const ts = resolveTopics(row, 'arn');
    for (const t of ts) (ruleTopics.get(rule) ?? ruleTopics.set(rule, new Set()).get(rule)!).add(t);
  }
  const eventRules: EventRule[] = ruleRows.map((row) => {
    const pattern = jsonText(propAny(row.r, 'eventPattern'));
    const e: Mutable<EventRule> = {
      ...base(row, awsName(row.r), arnOf(row.r)),
      watches: watchOf(pattern, str(row.r, 'description'), awsName(row.r)),
      topics: [...(ruleTopics.get(row.r.urn) ?? [])].sort(),
    };
    if (pattern !== undefined) e.pattern = pattern;
    else {
      const sched = knownStr(row.r, 'scheduleExpression');
      if (sched) e.pattern = sched;
    }
    return e;
  });

  // ── Access ──
  const policyByUrn = new Map(policies.map((p) => [p.urn, p] as const));
  const access = analyseAccess({
    roles,
    policies: policyByUrn,
    parameters: paramSubjects,
    secrets: secretSubjects,
    keys: keySubjects,
  });

  const serviceList: Service[] = [...services.values()].map((s) => ({ ...s, roles: s.roles.sort() }));
  const estate: Estate = {
    schemaVersion: ESTATE_SCHEMA_VERSION,
    stacks,
    parameters: parameters.sort(byStackNameUrn),
    secrets: secrets.sort(byStackNameUrn),
    keys: keys.sort(byStackNameUrn),
    policies: policies.sort(byStackNameUrn),
    roles: roles.sort(byStackNameUrn),
    functions: functions.sort(byStackNameUrn),
    services: serviceList.sort((a, b) => cmp(a.stack, b.stack) || cmp(a.name, b.name) || cmp(a.id, b.id)),
    audit: {
      trails: trails.sort(byStackNameUrn),
      alarms: alarms.sort(byStackNameUrn),
      eventRules: eventRules.sort(byStackNameUrn),
      topics: topics.sort(byStackNameUrn),
    },
    access,
  };
  return deepFreeze(estate);
}

/** An ARN subject for matching: from the ARN when known, else built from what is known. */
function subjectFor(arn: string | undefined, service: string, region: string | undefined, account: string | undefined, resource: string): ArnSubject {
  const fromArn = arn !== undefined && arn !== UNKNOWN ? splitArn(arn) : undefined;
  if (fromArn) return fromArn;
  const s: { partition: string; service: string; region?: string; account?: string; resource: string } = { partition: 'aws', service, resource };
  if (region) s.region = region;
  if (account) s.account = account;
  return s;
}

function trailEvents(r: Resource): string[] {
  const out = new Set<string>();
  const selectors = arr(propAny(r, 'eventSelectors'));
  const advanced = arr(propAny(r, 'advancedEventSelectors'));
  for (const sel of selectors) {
    const o = obj(sel);
    if (!o) continue;
    const rw = typeof o['readWriteType'] === 'string' ? o['readWriteType'] : 'All';
    const kind = rw === 'ReadOnly' ? 'read' : rw === 'WriteOnly' ? 'write' : 'read+write';
    if (o['includeManagementEvents'] !== false) out.add(`management events (${kind})`);
    for (const dr of arr(o['dataResources'])) {
      const d = obj(dr);
      if (!d) continue;
      const values = strList(d['values']);
      out.add(`data events: ${typeof d['type'] === 'string' ? d['type'] : 'unknown'}${values.length ? ` (${values.join(', ')})` : ''} (${kind})`);
    }
  }
  for (const sel of advanced) {
    const o = obj(sel);
    if (!o) continue;
    const fields = arr(o['fieldSelectors'])
      .map((f) => obj(f))
      .filter((f): f is JsonObject => f !== undefined)
      .map((f) => `${String(f['field'])}=${strList(f['equals']).join('|')}`)
      .join(', ');
    out.add(`${typeof o['name'] === 'string' && o['name'] !== '' ? `${o['name']}: ` : ''}${fields || 'advanced selector'}`);
  }
  if (selectors.length === 0 && advanced.length === 0) {
    if (containsUnknown(propAny(r, 'eventSelectors'))) out.add('unknown');
    else out.add('management events (read+write)');
  }
  return [...out].sort();
}

/** `mono-repo-prod-risk-api-role` -> `risk-api`; undefined when nothing is left. */
export function serviceFromRoleName(name: string, g: Pick<GraphCtx, 'project' | 'stack' | 'environment'>, knownEnvs: ReadonlySet<string>): string | undefined {
  let s = name.replace(/[-_][0-9a-f]{7,}$/, ''); // Pulumi auto-name suffix
  s = slugify(s);
  const strip = [g.project.toLowerCase(), g.stack.toLowerCase(), ...(g.environment ? [g.environment] : []), ...knownEnvs];
  let changed = true;
  while (changed) {
    changed = false;
    for (const p of strip) {
      if (p !== '' && s.startsWith(`${p}-`)) {
        s = s.slice(p.length + 1);
        changed = true;
      }
    }
    for (const suffix of ['-iamrole', '-iam-role', '-role', ...[...knownEnvs].map((e) => `-${e}`)]) {
      if (s.endsWith(suffix) && s.length > suffix.length) {
        s = s.slice(0, -suffix.length);
        changed = true;
      }
    }
  }
  s = slugify(s);
  return s === '' || s === 'role' ? undefined : s;
}
