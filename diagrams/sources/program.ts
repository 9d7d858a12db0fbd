/**
 * Program source (`--program [dir]`, the default): runs the Pulumi program of each stack in-process
 * under `pulumi.runtime.setMocks`, one stack after another, and records what the resource monitor
 * sees (parent, dependencies, property dependencies, provider, raw inputs with secret markers,
 * additionalSecretOutputs) into a ResourceGraph.
 *
 * - The Pulumi SDK is imported lazily, here only: file readers never load it.
 * - URNs are engine-shaped (`urn:pulumi:<stack>::<project>::<parentType$...$type>::<name>`, the Stack
 *   left out of the chain): the monitor's response URN is rewritten, so the SDK itself uses them.
 * - Default providers, which the engine (not the SDK) creates, are added as
 *   `pulumi:providers:<pkg>::default_<version>` rows, as a real export has them.
 * - Mock ids and ARNs are deterministic, built from the account (`aws:allowedAccountIds[0]`, else
 *   123456789012) and the region (the resource's `region` input, else the `region` input of its
 *   explicit provider, else `aws:region`, else us-east-1).
 * - Secrets: `secure:` config becomes REDACTED (marked secret); outputs named in
 *   additionalSecretOutputs, and outputs whose input was secret, come back as secrets (as the engine
 *   does), so values derived from them stay secret; buildGraph redacts them all.
 * - StackReferences get the outputs of stacks already run in this process. Order: stacks named by a
 *   config value of another stack (`org/project/<stack>`) run first, then the rest by name; if a
 *   stack still references a stack of this directory that has not run yet, its run is discarded and
 *   repeated after that stack (a cycle is an error). A referenced stack that was not asked for but has
 *   a `Pulumi.<stack>.yaml` is run too (its graph is not returned).
 * - Deterministic: same program, same config -> byte-identical graph JSON; no deployment time.
 * - Cached (with `cacheDir`): an unchanged program, config and reader are answered from the
 *   content-addressed graph cache of ./program-cache.ts without loading the SDK.
 */

import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createRequire, Module } from 'node:module';
import { GeneratorError } from '../errors.ts';
import { buildGraph, compareStrings, parseUrn, type RawResource } from '../graph/graph.ts';
import { SECRET_SIG, SIG_KEY } from '../graph/redact.ts';
import { REDACTED, type ResourceGraph } from '../graph/types.ts';
import { cachedProgramGraphs, stackNames, storeProgramGraphs } from './program-cache.ts';

type YamlModule = typeof import('yaml');
let yamlModule: YamlModule | undefined;
/** Lazy: the YAML parser costs a few hundred ms to load, and a warm (cached) run never parses YAML. */
function parseYaml(text: string): unknown {
  yamlModule ??= createRequire(import.meta.url)('yaml') as YamlModule;
  return yamlModule.parse(text);
}

export interface ProgramOptions {
  readonly cwd?: string;
  /** Stacks to run (default: every `Pulumi.<stack>.yaml` of the directory). */
  readonly stacks?: readonly string[];
  /**
   * Cache directory for program graphs (see ./program-cache.ts); undefined: no cache. On a hit the
   * program is not run and the Pulumi SDK is not loaded.
   */
  readonly cacheDir?: string;
}

export const DEFAULT_ACCOUNT = '123456789012';
export const DEFAULT_REGION = 'us-east-1';

// ─── Project and stack configuration ─────────────────────────────────────────────

export interface ProjectInfo {
  readonly dir: string;
  /** As the user gave it (for messages and the graph's source location). */
  readonly shown: string;
  readonly name: string;
  /** Absolute path of the program's entry module. */
  readonly main: string;
  /** Project-level config defaults (`config: {key: {default}}` or plain values in Pulumi.yaml). */
  readonly defaults: Readonly<Record<string, unknown>>;
  /** Stacks with a `Pulumi.<stack>.yaml`, sorted. */
  readonly stacks: readonly string[];
}

function readYaml(file: string, shown: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new GeneratorError('input', 'file not found', { subject: shown, expected: 'a readable YAML file' });
  }
  try {
    return parseYaml(text);
  } catch (e) {
    const line = (e as { linePos?: { line: number }[] }).linePos?.[0]?.line;
    throw new GeneratorError('input', 'not valid YAML', { subject: shown, ...(line !== undefined ? { line } : {}), expected: 'a Pulumi YAML file' });
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function readProject(dirArg: string, cwd: string = process.cwd()): ProjectInfo {
  const dir = resolve(cwd, dirArg);
  const shown = dirArg;
  const yamlFile = ['Pulumi.yaml', 'Pulumi.yml'].map((f) => join(dir, f)).find((f) => existsSync(f));
  if (yamlFile === undefined) {
    throw new GeneratorError('input', 'no Pulumi.yaml in the program directory', {
      subject: `--program ${shown}`,
      expected: 'a directory with a Pulumi.yaml (or use --state / --backend / --preview)',
    });
  }
  const doc = readYaml(yamlFile, join(shown, 'Pulumi.yaml'));
  if (!isObject(doc) || typeof doc.name !== 'string' || doc.name === '') {
    throw new GeneratorError('input', 'no project `name`', { subject: join(shown, 'Pulumi.yaml'), jsonPath: 'name', expected: 'a project name' });
  }
  const candidates: string[] = [];
  if (typeof doc.main === 'string') {
    const m = resolve(dir, doc.main);
    if (existsSync(m) && statSync(m).isDirectory()) candidates.push(join(m, 'index.ts'), join(m, 'index.js'));
    else candidates.push(m);
  } else {
    candidates.push(join(dir, 'infra', 'index.ts'));
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      const p = JSON.parse(readFileSync(pkg, 'utf8')) as { main?: unknown };
      if (typeof p.main === 'string') candidates.push(resolve(dir, p.main));
    }
    candidates.push(join(dir, 'index.ts'), join(dir, 'index.js'));
  }
  const main = candidates.find((c) => existsSync(c) && statSync(c).isFile());
  if (main === undefined) {
    throw new GeneratorError('input', 'the program entry module does not exist', {
      subject: join(shown, 'Pulumi.yaml'),
      jsonPath: 'main',
      expected: `one of ${candidates.map((c) => relative(cwd, c) || '.').join(', ')}`,
    });
  }
  const defaults: Record<string, unknown> = {};
  if (isObject(doc.config)) {
    for (const [k, v] of Object.entries(doc.config)) {
      if (isObject(v)) {
        if ('default' in v) defaults[k] = v.default;
        else if ('value' in v) defaults[k] = v.value;
      } else {
        defaults[k] = v;
      }
    }
  }
  const stacks = stackNames(dir);
  return { dir, shown, name: doc.name, main, defaults, stacks };
}

export interface StackConfig {
  /** `namespace:key` -> string (JSON for non-strings), as the CLI hands config to a program. */
  readonly values: Record<string, string>;
  readonly secretKeys: string[];
}

function qualify(project: string, key: string): string {
  return key.includes(':') ? key : `${project}:${key}`;
}

function configString(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** True when a YAML config value holds a `secure:` value somewhere. */
function hasSecure(v: unknown): boolean {
  if (isObject(v)) return 'secure' in v || Object.values(v).some(hasSecure);
  if (Array.isArray(v)) return v.some(hasSecure);
  return false;
}

function replaceSecure(v: unknown): unknown {
  if (isObject(v)) {
    if ('secure' in v && Object.keys(v).length === 1) return REDACTED;
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, replaceSecure(x)]));
  }
  if (Array.isArray(v)) return v.map(replaceSecure);
  return v;
}

export function readStackConfig(project: ProjectInfo, stack: string): StackConfig {
  const file = ['yaml', 'yml'].map((e) => join(project.dir, `Pulumi.${stack}.${e}`)).find((f) => existsSync(f));
  const values: Record<string, string> = {};
  const secretKeys: string[] = [];
  for (const [k, v] of Object.entries(project.defaults)) values[qualify(project.name, k)] = configString(v);
  if (file === undefined) return { values, secretKeys };
  const doc = readYaml(file, join(project.shown, `Pulumi.${stack}.yaml`));
  const config = isObject(doc) && isObject(doc.config) ? doc.config : {};
  for (const [k, v] of Object.entries(config)) {
    const key = qualify(project.name, k);
    if (hasSecure(v)) {
      values[key] = configString(replaceSecure(v));
      secretKeys.push(key);
    } else {
      values[key] = configString(v);
    }
  }
  return { values, secretKeys: secretKeys.sort(compareStrings) };
}

function accountOf(values: Record<string, string>): string {
  const raw = values['aws:allowedAccountIds'];
  if (raw !== undefined) {
    try {
      const ids = JSON.parse(raw) as unknown;
      if (Array.isArray(ids) && typeof ids[0] === 'string' && ids[0] !== '') return ids[0];
    } catch {
      // not JSON: fall through
    }
  }
  return DEFAULT_ACCOUNT;
}

/** The stack a StackReference name points to: `org/project/stack`, `project/stack` or `stack`. */
function referencedStack(name: string): string {
  const parts = name.split('/');
  return parts[parts.length - 1]!;
}

// ─── Deterministic mock values ───────────────────────────────────────────────────

function hashHex(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('hex');
}

function uuidOf(...parts: string[]): string {
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

interface MockContext {
  readonly stack: string;
  readonly account: string;
  readonly region: string;
}

/** Mock state for a resource: realistic ids, ARNs and `name` outputs per type; inputs echoed. */
export function mockResource(type: string, name: string, inputs: Record<string, unknown>, ctx: MockContext): { id: string; state: Record<string, unknown> } {
  const region = typeof inputs.region === 'string' && inputs.region !== '' ? inputs.region : ctx.region;
  const a = ctx.account;
  const str = (k: string): string | undefined => (typeof inputs[k] === 'string' && inputs[k] !== '' ? (inputs[k] as string) : undefined);
  const n = str('name') ?? (str('namePrefix') !== undefined ? `${str('namePrefix')}${suffixOf(8, ctx.stack, type, name).toLowerCase()}` : name);
  const base = { ...inputs, region };
  const [pkg, mod] = type.split(':');
  switch (type) {
    case 'aws:kms/key:Key':
    case 'aws:kms/replicaKey:ReplicaKey': {
      const multi = inputs.multiRegion === true || type === 'aws:kms/replicaKey:ReplicaKey';
      const keyId = `${multi ? 'mrk-' : ''}${multi ? hashHex(ctx.stack, type, name).slice(0, 32) : uuidOf(ctx.stack, type, name)}`;
      return { id: keyId, state: { ...base, keyId, arn: `arn:aws:kms:${region}:${a}:key/${keyId}` } };
    }
    case 'aws:kms/alias:Alias':
      return { id: n, state: { ...base, name: n, arn: `arn:aws:kms:${region}:${a}:${n}`, targetKeyArn: str('targetKeyId')?.startsWith('arn:') ? str('targetKeyId') : `arn:aws:kms:${region}:${a}:key/${str('targetKeyId') ?? ''}` } };
    case 'aws:ssm/parameter:Parameter':
      return { id: n, state: { ...base, name: n, arn: `arn:aws:ssm:${region}:${a}:parameter/${n.replace(/^\//, '')}`, version: 1, tier: str('tier') ?? 'Standard' } };
    case 'aws:secretsmanager/secret:Secret': {
      const arn = `arn:aws:secretsmanager:${region}:${a}:secret:${n}-${suffixOf(6, ctx.stack, type, n)}`;
      return { id: arn, state: { ...base, name: n, arn } };
    }
    case 'aws:secretsmanager/secretVersion:SecretVersion': {
      const versionId = uuidOf(ctx.stack, type, name);
      const secretId = str('secretId') ?? '';
      return { id: `${secretId}|${versionId}`, state: { ...base, arn: secretId, versionId, versionStages: inputs.versionStages ?? ['AWSCURRENT'] } };
    }
    case 'aws:secretsmanager/secretRotation:SecretRotation':
      return { id: str('secretId') ?? name, state: { ...base, rotationEnabled: true } };
    case 'aws:secretsmanager/secretPolicy:SecretPolicy':
      return { id: str('secretArn') ?? name, state: base };
    case 'aws:iam/role:Role': {
      const path = str('path') ?? '/';
      return { id: n, state: { ...base, name: n, path, arn: `arn:aws:iam::${a}:role${path}${n}`, uniqueId: `AROA${hashHex(ctx.stack, type, n).slice(0, 17).toUpperCase()}` } };
    }
    case 'aws:iam/policy:Policy': {
      const path = str('path') ?? '/';
      const arn = `arn:aws:iam::${a}:policy${path}${n}`;
      return { id: arn, state: { ...base, name: n, path, arn, policyId: `ANPA${hashHex(ctx.stack, type, n).slice(0, 17).toUpperCase()}` } };
    }
    case 'aws:iam/user:User':
      return { id: n, state: { ...base, name: n, arn: `arn:aws:iam::${a}:user${str('path') ?? '/'}${n}` } };
    case 'aws:iam/group:Group':
      return { id: n, state: { ...base, name: n, arn: `arn:aws:iam::${a}:group${str('path') ?? '/'}${n}` } };
    case 'aws:iam/instanceProfile:InstanceProfile':
      return { id: n, state: { ...base, name: n, arn: `arn:aws:iam::${a}:instance-profile/${n}` } };
    case 'aws:iam/rolePolicy:RolePolicy':
      return { id: `${str('role') ?? ''}:${n}`, state: { ...base, name: n } };
    case 'aws:iam/rolePolicyAttachment:RolePolicyAttachment':
      return { id: `${str('role') ?? ''}-${suffixOf(8, ctx.stack, type, name).toLowerCase()}`, state: base };
    case 'aws:lambda/function:Function': {
      const arn = `arn:aws:lambda:${region}:${a}:function:${n}`;
      return {
        id: n,
        state: { ...base, name: n, arn, qualifiedArn: `${arn}:$LATEST`, invokeArn: `arn:aws:apigateway:${region}:lambda:path/2015-03-31/functions/${arn}/invocations`, version: '$LATEST' },
      };
    }
    case 'aws:lambda/permission:Permission':
      return { id: str('statementId') ?? n, state: base };
    case 'aws:sns/topic:Topic': {
      const arn = `arn:aws:sns:${region}:${a}:${n}`;
      return { id: arn, state: { ...base, name: n, arn } };
    }
    case 'aws:sns/topicSubscription:TopicSubscription': {
      const arn = `${str('topic') ?? `arn:aws:sns:${region}:${a}:topic`}:${uuidOf(ctx.stack, type, name)}`;
      return { id: arn, state: { ...base, arn } };
    }
    case 'aws:sqs/queue:Queue': {
      const arn = `arn:aws:sqs:${region}:${a}:${n}`;
      const url = `https://sqs.${region}.amazonaws.com/${a}/${n}`;
      return { id: url, state: { ...base, name: n, arn, url } };
    }
    case 'aws:cloudtrail/trail:Trail': {
      const arn = `arn:aws:cloudtrail:${region}:${a}:trail/${n}`;
      return { id: arn, state: { ...base, name: n, arn, homeRegion: region } };
    }
    case 'aws:s3/bucket:Bucket':
    case 'aws:s3/bucketV2:BucketV2': {
      const bucket = str('bucket') ?? (str('bucketPrefix') !== undefined ? `${str('bucketPrefix')}${suffixOf(12, ctx.stack, type, name).toLowerCase()}` : name);
      return { id: bucket, state: { ...base, bucket, arn: `arn:aws:s3:::${bucket}`, bucketDomainName: `${bucket}.s3.amazonaws.com`, bucketRegionalDomainName: `${bucket}.s3.${region}.amazonaws.com` } };
    }
    case 'aws:cloudwatch/logGroup:LogGroup':
      return { id: n, state: { ...base, name: n, arn: `arn:aws:logs:${region}:${a}:log-group:${n}` } };
    case 'aws:cloudwatch/metricAlarm:MetricAlarm':
      return { id: n, state: { ...base, name: n, arn: `arn:aws:cloudwatch:${region}:${a}:alarm:${n}` } };
    case 'aws:cloudwatch/eventRule:EventRule':
      return { id: `default/${n}`, state: { ...base, name: n, arn: `arn:aws:events:${region}:${a}:rule/${n}` } };
    case 'aws:cloudwatch/logMetricFilter:LogMetricFilter':
      return { id: n, state: { ...base, name: n } };
    default:
      break;
  }
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
    return { id: `${n}-${suffixOf(7, ctx.stack, type, name).toLowerCase()}`, state: { ...base, arn: `arn:aws:${service}:${region}:${a}:${kind}/${n}` } };
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

// ─── Running ─────────────────────────────────────────────────────────────────────

type PulumiModule = typeof import('@pulumi/pulumi');

let pulumiModule: Promise<PulumiModule> | undefined;
/** Lazy, once: requiring the SDK costs about a second and file readers must not pay it. */
function loadPulumi(): Promise<PulumiModule> {
  if (pulumiModule === undefined) deferTypeScript();
  pulumiModule ??= import('@pulumi/pulumi').then((m) => ((m as unknown as { default?: PulumiModule }).default ?? m) as PulumiModule);
  return pulumiModule;
}

/**
 * The SDK requires TypeScript (9 MB of JavaScript, about 0.5 s) as it loads, through its
 * `typescript-shim` module, only to parse JavaScript functions when it serialises one into a resource
 * (closure serialisation, e.g. `aws.lambda.CallbackFunction`). Most programs never do. The shim is
 * registered beforehand as a stand-in that runs the real one on first use, so such a program still
 * works and the others do not pay for TypeScript. Not in a process that has loaded the SDK already.
 */
export function deferTypeScript(from: string = import.meta.url): boolean {
  const req = createRequire(from);
  let shim: string;
  try {
    shim = req.resolve('@pulumi/pulumi/typescript-shim');
  } catch {
    return false;
  }
  if (req.cache[shim] !== undefined) return false;
  const standIn = new Module(shim);
  standIn.filename = shim;
  standIn.loaded = true;
  let real: object | undefined;
  const load = (): object => {
    if (real === undefined) {
      // Run the real shim (its own fallback to the TypeScript vendored in the SDK included), then
      // put the stand-in back: every module that holds it now reaches the real exports through it.
      delete req.cache[shim];
      try {
        real = req(shim) as object;
      } finally {
        req.cache[shim] = standIn;
      }
    }
    return real;
  };
  standIn.exports = new Proxy(
    {},
    {
      get: (_t, p) => Reflect.get(load(), p),
      has: (_t, p) => Reflect.has(load(), p),
      ownKeys: () => Reflect.ownKeys(load()),
      getOwnPropertyDescriptor: (_t, p) => {
        const d = Reflect.getOwnPropertyDescriptor(load(), p);
        return d === undefined ? undefined : { ...d, configurable: true };
      },
    },
  );
  req.cache[shim] = standIn;
  return true;
}

/** A serialized struct as the monitor's protobuf messages carry it. */
interface StructLike {
  toJavaScript(): Record<string, unknown>;
}
interface StructCtor {
  fromJavaScript(v: Record<string, unknown>): StructLike;
}

interface RegisterRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getCustom?(): boolean;
  getProtect?(): boolean;
  getProvider(): string;
  getVersion(): string;
  getDependenciesList(): string[];
  getPropertydependenciesMap?(): { forEach(cb: (v: { getUrnsList(): string[] }, k: string) => void): void } | undefined;
  getAdditionalsecretoutputsList(): string[];
  getObject?(): StructLike | undefined;
  getProperties?(): StructLike | undefined;
  getId?(): string;
  getImportid?(): string;
}
interface RegisterResponse {
  getUrn(): string;
  setUrn(urn: string): void;
  getId?(): string;
  getObject?(): StructLike | undefined;
  setObject?(s: StructLike): void;
  getProperties?(): StructLike | undefined;
  setProperties?(s: StructLike): void;
}
type Callback = (err: unknown, resp: unknown) => void;

interface Captured {
  urn: string;
  type: string;
  custom: boolean;
  external: boolean;
  id?: string;
  parent?: string;
  provider?: string;
  protect: boolean;
  inputs: Record<string, unknown>;
  outputs: Record<string, unknown>;
  dependencies: string[];
  propertyDependencies: Record<string, string[]>;
  additionalSecretOutputs: string[];
}

interface StackRun {
  readonly stack: string;
  readonly graph: ResourceGraph;
  /** Raw Stack outputs (secret envelopes kept), to feed StackReferences. */
  readonly rawOutputs: Record<string, unknown>;
}

function isSecretEnvelope(v: unknown): boolean {
  return isObject(v) && v[SIG_KEY] === SECRET_SIG;
}

function secretWrap(v: unknown): unknown {
  return isSecretEnvelope(v) ? v : { [SIG_KEY]: SECRET_SIG, value: v };
}

/** Import the program module; `fresh` re-imports (for programs that create resources at top level). */
async function importProgram(main: string, fresh: string | undefined): Promise<Record<string, unknown>> {
  const url = pathToFileURL(main).href + (fresh !== undefined ? `?stack=${encodeURIComponent(fresh)}` : '');
  return (await import(url)) as Record<string, unknown>;
}

class ProgramRunError extends Error {}

async function runStack(
  project: ProjectInfo,
  stack: string,
  done: ReadonlyMap<string, StackRun>,
  missing: Set<string>,
  firstImport: { mod?: Record<string, unknown> },
): Promise<StackRun> {
  const pulumi = await loadPulumi();
  const config = readStackConfig(project, stack);
  const ctx: MockContext = { stack, account: accountOf(config.values), region: config.values['aws:region'] ?? DEFAULT_REGION };
  // Explicit providers (`<urn>::<id>` references) and the region each was given: a resource created
  // with one (e.g. a replica-region aws.Provider) gets ARNs in that region, as it would in AWS.
  const providerRegions = new Map<string, string>();
  const ctxFor = (providerRef: string | undefined): MockContext => {
    const region = providerRef !== undefined && providerRef !== '' ? providerRegions.get(providerRef) : undefined;
    return region === undefined ? ctx : { ...ctx, region };
  };

  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        if (args.type === 'pulumi:pulumi:StackReference') {
          const refName = String(args.inputs.name ?? args.name);
          const target = referencedStack(refName);
          const ran = done.get(target);
          if (ran === undefined) {
            missing.add(target);
            return { id: refName, state: { name: refName, outputs: {}, secretOutputNames: [] } };
          }
          const secretOutputNames = Object.keys(ran.rawOutputs).filter((k) => isSecretEnvelope(ran.rawOutputs[k])).sort(compareStrings);
          return { id: refName, state: { name: refName, outputs: ran.rawOutputs, secretOutputNames } };
        }
        if (!args.custom) return { id: undefined, state: {} };
        return mockResource(args.type, args.name, args.inputs as Record<string, unknown>, ctxFor(args.provider));
      },
      call(args) {
        return mockCall(args.token, args.inputs as Record<string, unknown>, ctxFor(args.provider));
      },
    },
    project.name,
    stack,
    false,
  );
  pulumi.runtime.setAllConfig(config.values, config.secretKeys);

  const captured = new Map<string, Captured>();
  const order: string[] = [];
  const defaultProviders = new Map<string, Captured>();
  let rawStackOutputs: Record<string, unknown> = {};
  const stackUrn = `urn:pulumi:${stack}::${project.name}::pulumi:pulumi:Stack::${project.name}-${stack}`;

  const engineUrn = (parent: string, type: string, name: string): string => {
    const p = parent === '' ? undefined : parseUrn(parent);
    const chain = p === undefined || p.type === 'pulumi:pulumi:Stack' ? type : `${p.qualifiedType}$${type}`;
    return `urn:pulumi:${stack}::${project.name}::${chain}::${name}`;
  };

  const defaultProviderRef = (type: string, version: string): string => {
    const pkg = type.split(':')[0]!;
    const name = version === '' ? 'default' : `default_${version.replace(/[.+-]/g, '_')}`;
    const urn = `urn:pulumi:${stack}::${project.name}::pulumi:providers:${pkg}::${name}`;
    let p = defaultProviders.get(urn);
    if (p === undefined) {
      const inputs: Record<string, unknown> = version === '' ? {} : { version };
      if (pkg === 'aws') inputs.region = ctx.region;
      p = {
        urn,
        type: `pulumi:providers:${pkg}`,
        custom: true,
        external: false,
        id: uuidOf(stack, urn),
        protect: false,
        inputs,
        outputs: inputs,
        dependencies: [],
        propertyDependencies: {},
        additionalSecretOutputs: [],
      };
      defaultProviders.set(urn, p);
    }
    return `${urn}::${p.id}`;
  };

  const monitor = pulumi.runtime.getMonitor() as unknown as Record<string, (req: unknown, cb: Callback) => unknown>;
  const wrap = (method: 'registerResource' | 'readResource'): void => {
    const original = monitor[method]!.bind(monitor);
    monitor[method] = (reqAny: unknown, callback: Callback) =>
      original(reqAny, (err: unknown, respAny: unknown) => {
        if (err || respAny === undefined || respAny === null) return callback(err, respAny);
        try {
          const req = reqAny as RegisterRequest;
          const resp = respAny as RegisterResponse;
          const type = req.getType();
          const isRead = method === 'readResource';
          const custom = isRead ? true : req.getCustom?.() === true;
          const urn = type === 'pulumi:pulumi:Stack' ? stackUrn : engineUrn(req.getParent(), type, req.getName());
          resp.setUrn(urn);
          const rawInputs = (isRead ? req.getProperties?.() : req.getObject?.())?.toJavaScript() ?? {};
          const aso = [...req.getAdditionalsecretoutputsList()];
          // Outputs as the engine would return them: additionalSecretOutputs and outputs of secret inputs are secret.
          const struct = isRead ? resp.getProperties?.() : resp.getObject?.();
          let state = struct?.toJavaScript() ?? {};
          const secretNames = new Set([...aso, ...Object.keys(rawInputs).filter((k) => isSecretEnvelope(rawInputs[k]))]);
          if (type === 'pulumi:pulumi:StackReference') secretNames.delete('outputs');
          if (struct !== undefined && [...secretNames].some((k) => k in state && !isSecretEnvelope(state[k]))) {
            state = { ...state };
            for (const k of secretNames) if (k in state) state[k] = secretWrap(state[k]);
            const ctor = (struct as unknown as { constructor: StructCtor }).constructor;
            const next = ctor.fromJavaScript(state);
            if (isRead) resp.setProperties?.(next);
            else resp.setObject?.(next);
          }
          const propertyDependencies: Record<string, string[]> = {};
          req.getPropertydependenciesMap?.()?.forEach((v, k) => {
            propertyDependencies[k] = [...v.getUrnsList()];
          });
          let provider = req.getProvider();
          if (provider === '' && custom && !type.startsWith('pulumi:providers:') && type !== 'pulumi:pulumi:StackReference') {
            provider = defaultProviderRef(type, req.getVersion());
          }
          const id = isRead ? req.getId?.() : resp.getId?.();
          if (type.startsWith('pulumi:providers:') && id !== undefined && id !== '' && typeof rawInputs.region === 'string' && rawInputs.region !== '') {
            providerRegions.set(`${urn}::${id}`, rawInputs.region);
          }
          if (!captured.has(urn)) order.push(urn);
          captured.set(urn, {
            urn,
            type,
            custom,
            external: isRead,
            ...(id !== undefined && id !== '' ? { id } : {}),
            ...(req.getParent() !== '' ? { parent: req.getParent() } : {}),
            ...(provider !== '' ? { provider } : {}),
            protect: req.getProtect?.() === true,
            inputs: custom ? rawInputs : {},
            outputs: custom ? state : {},
            dependencies: [...req.getDependenciesList()],
            propertyDependencies,
            additionalSecretOutputs: aso,
          });
        } catch (e) {
          return callback(e, undefined);
        }
        return callback(err, respAny);
      });
  };
  wrap('registerResource');
  wrap('readResource');
  monitor.registerResourceOutputs = (reqAny: unknown, callback: Callback) => {
    const req = reqAny as { getUrn(): string; getOutputs(): StructLike | undefined };
    const urn = req.getUrn();
    const outputs = req.getOutputs()?.toJavaScript() ?? {};
    const c = captured.get(urn);
    if (c !== undefined) c.outputs = outputs;
    if (urn === stackUrn) rawStackOutputs = outputs;
    callback(null, {});
  };

  let failure: unknown;
  // Errors inside outputs (e.g. a StackReference's requireOutput) surface as unhandled rejections
  // under mocks: catch them for this run instead of letting them end the process. A resource whose
  // input rejected never resolves its outputs (the engine would end the program here), so the Stack's
  // outputs and the RPC queue never settle: the first rejection ends the wait for this run. The next
  // setMocks resets the SDK's RPC queue, so an abandoned run does not hold up the next one.
  let signalFailure: () => void = () => undefined;
  const failed = new Promise<void>((r) => {
    signalFailure = r;
  });
  const onRejection = (reason: unknown): void => {
    failure ??= reason;
    signalFailure();
  };
  const untilFailure = async (p: Promise<unknown>): Promise<void> => {
    p.catch(() => undefined); // an abandoned run may still settle later
    await Promise.race([p, failed]);
  };
  process.on('unhandledRejection', onRejection);
  try {
    const mod = firstImport.mod ?? (await importProgram(project.main, undefined));
    firstImport.mod = mod;
    const main = mod.default;
    if (typeof main === 'function') {
      await untilFailure(
        pulumi.runtime.runInPulumiStack(async () => {
          const out = await (main as () => unknown)();
          return (isObject(out) ? out : {}) as Record<string, unknown>;
        }),
      );
    } else {
      // A program that creates resources at module top level: import it afresh for this stack.
      await untilFailure(
        pulumi.runtime.runInPulumiStack(async () => {
          const fresh = await importProgram(project.main, `${stack}-${Date.now()}`);
          return Object.fromEntries(Object.entries(fresh).filter(([k]) => k !== 'default'));
        }),
      );
    }
  } catch (e) {
    failure = e;
  } finally {
    await untilFailure(pulumi.runtime.disconnect());
    // Let rejections of this run that are still queued arrive before the handler goes.
    await new Promise((r) => setImmediate(r));
    if (failure !== undefined) await new Promise((r) => setTimeout(r, 20));
    process.off('unhandledRejection', onRejection);
  }
  if (failure !== undefined) {
    if (missing.size > 0) throw new ProgramRunError('missing references');
    const msg = failure instanceof Error ? failure.message : String(failure);
    throw new GeneratorError('input', `the program failed for stack ${stack}: ${msg.split('\n')[0]!.slice(0, 500)}`, {
      subject: `--program ${project.shown}`,
      expected: `a program that runs under mocks with the config of Pulumi.${stack}.yaml`,
    });
  }

  const rows: RawResource[] = [...captured.values(), ...defaultProviders.values()].map((c) => ({
    urn: c.urn,
    type: c.type,
    custom: c.custom,
    id: c.id,
    parent: c.parent,
    provider: c.provider,
    protect: c.protect,
    external: c.external,
    inputs: c.inputs,
    outputs: c.outputs,
    dependencies: c.dependencies,
    propertyDependencies: c.propertyDependencies,
    additionalSecretOutputs: c.additionalSecretOutputs,
    jsonPath: c.urn,
  }));
  const graph = buildGraph({
    project: project.name,
    stack,
    source: { kind: 'program', location: project.shown, format: 'program (mocks)' },
    resources: rows,
    resourcesPath: '(program)',
  });
  return { stack, graph, rawOutputs: rawStackOutputs };
}

/** Stacks named by another stack's config values (`org/project/<stack>` strings), first; then by name. */
function initialOrder(project: ProjectInfo, stacks: readonly string[]): string[] {
  const referenced = new Set<string>();
  const all = new Set(stacks);
  for (const s of stacks) {
    for (const v of Object.values(readStackConfig(project, s).values)) {
      if (v.includes('/')) {
        const target = referencedStack(v);
        if (target !== s && project.stacks.includes(target)) {
          referenced.add(target);
          all.add(target);
        }
      }
    }
  }
  return [...all].sort((a, b) => Number(referenced.has(b)) - Number(referenced.has(a)) || compareStrings(a, b));
}

/** Serializes runs in this process: the SDK's runtime state is global. */
let queue: Promise<unknown> = Promise.resolve();

/** Run the program of each stack under mocks; returns graphs in the order the stacks were asked (default: by name). */
export function runProgram(dirArg: string, opts: ProgramOptions = {}): Promise<ResourceGraph[]> {
  const next = queue.then(() => runProgramNow(dirArg, opts));
  queue = next.catch(() => undefined);
  return next;
}

async function runProgramNow(dirArg: string, opts: ProgramOptions): Promise<ResourceGraph[]> {
  const cwd = opts.cwd ?? process.cwd();
  if (opts.cacheDir !== undefined) {
    const cached = await cachedProgramGraphs(opts.cacheDir, resolve(cwd, dirArg), dirArg, opts.stacks);
    if (cached !== undefined) return cached;
  }
  const project = readProject(dirArg, cwd);
  const asked = opts.stacks !== undefined && opts.stacks.length > 0 ? [...opts.stacks] : [...project.stacks];
  if (asked.length === 0) {
    throw new GeneratorError('input', 'no Pulumi.<stack>.yaml in the program directory', {
      subject: `--program ${project.shown}`,
      expected: 'at least one stack configuration file, or --stack <name>',
    });
  }
  for (const s of asked) {
    if (!project.stacks.includes(s)) {
      throw new GeneratorError('usage', `no stack ${JSON.stringify(s)} in the program directory`, {
        subject: `--stack ${s}`,
        expected: `one of ${project.stacks.join(', ') || 'none'} (a Pulumi.<stack>.yaml)`,
      });
    }
  }
  const graphs = await withoutSourceMaps(() => withoutPromiseStacks(() => runStacks(project, asked)));
  if (opts.cacheDir !== undefined) await storeProgramGraphs(opts.cacheDir, project, asked, graphs);
  return graphs;
}

/**
 * Runs `fn` with source maps off, restoring them afterwards. Under mocks the SDK takes a stack trace
 * per resource and per promise (source positions, promise-leak diagnostics) that no graph uses; with
 * tsx's source maps on, each frame of each costs a source-map lookup (about 0.7 s of a built-in run;
 * 4.4 s -> 2.6-4.1 s for `graph` on the built-in program). Error messages are unchanged; stacks of
 * errors thrown meanwhile, and of modules first loaded meanwhile, are not mapped back to TypeScript.
 * (`Error.stackTraceLimit` is left alone: below 3, some module of the SDK's dependency tree fails to
 * load: "Class extends value undefined".)
 */
async function withoutSourceMaps<T>(fn: () => Promise<T>): Promise<T> {
  const proc = process as NodeJS.Process & { sourceMapsEnabled?: boolean; setSourceMapsEnabled?(on: boolean): void };
  const sourceMaps = proc.sourceMapsEnabled === true && typeof proc.setSourceMapsEnabled === 'function';
  if (sourceMaps) proc.setSourceMapsEnabled!(false);
  try {
    return await fn();
  } finally {
    if (sourceMaps) proc.setSourceMapsEnabled!(true);
  }
}

/**
 * Runs `fn` with the SDK's promise bookkeeping (`debuggablePromise`, called for every resource
 * operation) recording no stack trace: it formats one per promise (`new Error().stack`, a tenth of
 * the CPU of a built-in program run with its garbage) for a leak report that prints them only under
 * PULUMI_DEBUG_PROMISE_LEAKS, which keeps them. Leak detection itself is unchanged.
 */
async function withoutPromiseStacks<T>(fn: () => Promise<T>): Promise<T> {
  let mod: { debuggablePromise?: unknown } | undefined;
  try {
    if (!process.env.PULUMI_DEBUG_PROMISE_LEAKS) mod = createRequire(import.meta.url)('@pulumi/pulumi/runtime/debuggable') as { debuggablePromise?: unknown };
  } catch {
    mod = undefined;
  }
  const original = mod?.debuggablePromise;
  if (mod === undefined || typeof original !== 'function') return fn();
  mod.debuggablePromise = function (this: unknown, ...args: unknown[]): unknown {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      return (original as (...a: unknown[]) => unknown).apply(this, args);
    } finally {
      Error.stackTraceLimit = limit;
    }
  };
  try {
    return await fn();
  } finally {
    mod.debuggablePromise = original;
  }
}

async function runStacks(project: ProjectInfo, asked: readonly string[]): Promise<ResourceGraph[]> {
  const pending = initialOrder(project, asked);
  const done = new Map<string, StackRun>();
  const attempts = new Map<string, number>();
  const firstImport: { mod?: Record<string, unknown> } = {};
  while (pending.length > 0) {
    const stack = pending.shift()!;
    if (done.has(stack)) continue;
    const missing = new Set<string>();
    let run: StackRun | undefined;
    try {
      run = await runStack(project, stack, done, missing, firstImport);
    } catch (e) {
      if (!(e instanceof ProgramRunError)) throw e;
    }
    const runnable = [...missing].filter((m) => m !== stack && project.stacks.includes(m) && !done.has(m));
    if (runnable.length > 0) {
      const n = (attempts.get(stack) ?? 0) + 1;
      attempts.set(stack, n);
      if (n > project.stacks.length) {
        throw new GeneratorError('input', `stack references form a cycle through ${stack} (${runnable.join(', ')})`, {
          subject: `--program ${project.shown}`,
          expected: 'StackReferences without cycles',
        });
      }
      pending.unshift(...runnable.sort(compareStrings), stack);
      continue;
    }
    if (run === undefined) {
      const unknown = [...missing].filter((m) => !project.stacks.includes(m));
      throw new GeneratorError('input', `stack ${stack} references stack(s) ${unknown.join(', ') || [...missing].join(', ')} that cannot be run here`, {
        subject: `--program ${project.shown}`,
        expected: `a Pulumi.<stack>.yaml for each referenced stack (have ${project.stacks.join(', ')})`,
      });
    }
    done.set(stack, run);
  }
  return asked.map((s) => done.get(s)!.graph);
}
