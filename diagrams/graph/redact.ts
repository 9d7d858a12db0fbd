/**
 * Redaction: every secret value is replaced by REDACTED while a reader builds the graph, so no later
 * stage can leak what it never received. The walk that redacts is also the copy that freezes, so each
 * value is visited once; with `inPlace` (a reader's fresh JSON.parse result) it writes into the
 * parsed objects instead of copying them.
 *
 * What is redacted:
 * - Pulumi's secret envelope `{SIG_KEY: SECRET_SIG, ciphertext | plaintext}` anywhere in a value;
 * - output values of the language SDK (`OUTPUT_SIG`) marked `secret: true`;
 * - top-level fields listed in the resource's `additionalSecretOutputs` (in outputs and inputs);
 * - fields that are sensitive by their resource schema even when the state forgot to mark them
 *   (`SENSITIVE_FIELDS`), and, at any depth, string values under password/secret/token-like keys;
 * - the `outputs` of a `pulumi:pulumi:StackReference` named in its `secretOutputNames`;
 * - the provider id of types whose id is the secret (`SECRET_ID_TYPES`), and of any resource whose id
 *   equals one of its own redacted values (see `RedactionContext.id`).
 *
 * Assets and archives share the envelope key but carry another signature: they become references
 * built from scratch (signature, plain `hash`/`path`/`uri` strings, nested assets and archives, each
 * again a reference); inline `text` becomes a marker, a secret in any of those places becomes
 * REDACTED, and every other member is dropped. Nothing of an asset is copied as it is.
 * The preview's unknown marker becomes UNKNOWN.
 *
 * Depth: a container nested deeper than MAX_VALUE_DEPTH levels (the bag itself being level 1) is
 * refused with a GeneratorError naming the file and the JSON path; that check is the first thing the
 * walk does at each level, so the recursion itself never goes deeper than the limit.
 *
 * Plain text secrets: the walk also records where the source holds a secret readable without a key
 * (see PlaintextSecret in ./types.ts), by path, never the value.
 */

import { GeneratorError } from '../errors.ts';
import { looksLikeReferenceName, looksLikeSecretPath, secretLikeName, secretLikeVariable } from './secret-names.ts';
import { MAX_VALUE_DEPTH, REDACTED, UNKNOWN, type JsonObject, type JsonValue, type PlaintextSecret } from './types.ts';

/** The key that marks a special value in Pulumi's serialized properties. */
export const SIG_KEY = '4dabf18193072939515e22adb298388d';
export const SECRET_SIG = '1b47061264138c4ac30d75fd1eb44270';
export const ASSET_SIG = 'c44067f5952c0a294b673a41bacd8c17';
export const ARCHIVE_SIG = '0def7320c3a5731c473e5ecbe6d01bc7';
export const RESOURCE_REF_SIG = '5cf8f73096256a8f31e491e813e4eb8e';
export const OUTPUT_SIG = 'd0e6a833031e9bbcd3f4e8bde6ca49a4';
/** The string the engine puts where a value is not known yet (previews, mocks). */
export const UNKNOWN_MARKER = '04da6b54-80e4-46f7-96ec-b56ff0331ba9';

/** What replaces an asset's inline text. */
export const INLINE_TEXT_OMITTED = '[inline text omitted]';

type Reason = PlaintextSecret['reason'];

/** Mutable state of one graph's redaction. Make one with `newRedactionContext`. */
export interface RedactionContext {
  /** Values replaced by REDACTED. */
  count: number;
  /**
   * Redact in place and freeze the given objects instead of copying them: only for a caller that owns
   * the value outright (a reader's fresh JSON.parse result), to avoid a second copy of a large state.
   */
  readonly inPlace: boolean;
  /** `ciphertext` of secret envelopes is base64 of the value (the `b64` secrets provider): counts as plain text. */
  readonly readableCiphertext: boolean;
  /** Where plain text secrets were found, in the order found (unsorted). */
  readonly plaintext: PlaintextSecret[];
  /** For error messages: the source as the user gave it. */
  subject: string;
  /** The resource being walked: its URN and the JSON path of its row. */
  urn: string;
  rowPath: string;
  /** The bag being walked: `inputs` or `outputs`. */
  bag: string;
  /**
   * The resource's provider id as text, or undefined. A redacted string or number equal to it (or a
   * plain text envelope holding it) sets `idIsSecret`: the id is then redacted too.
   */
  id: string | undefined;
  idIsSecret: boolean;
  /** `keys[d]`: the key or index of the value at depth d+1 on the path being walked (bag members are depth 1). */
  readonly keys: (string | number)[];
  /**
   * The names of the Secrets Manager secrets and SSM parameters the source declares (see
   * `referenceNames`): an environment variable named like a secret (`DB_PASSWORD_SECRET`) whose
   * value is one of them names the secret it reads at run time, and is not one.
   */
  references: ReadonlySet<string>;
}

export function newRedactionContext(opts: { inPlace?: boolean; secretsProvider?: string; subject?: string } = {}): RedactionContext {
  return {
    count: 0,
    inPlace: opts.inPlace === true,
    readableCiphertext: opts.secretsProvider === 'b64',
    plaintext: [],
    subject: opts.subject ?? '',
    urn: '',
    rowPath: '',
    bag: '',
    id: undefined,
    idIsSecret: false,
    keys: [],
    references: new Set(),
  };
}

/** Resource types whose `name` names a secret or a parameter that a program reads at run time. */
const REFERENCED_TYPES: ReadonlySet<string> = new Set([
  'aws:secretsmanager/secret:Secret',
  'aws:ssm/parameter:Parameter',
  'aws-native:secretsmanager:Secret',
  'aws-native:ssm:Parameter',
]);

/**
 * The names (and ids) of the secrets and parameters among raw rows, as plain strings: what a
 * variable holding a reference to one of them holds. Values marked secret are never taken.
 */
export function referenceNames(rows: readonly { readonly type: string; readonly row: { readonly id?: unknown; readonly inputs?: unknown; readonly outputs?: unknown } }[]): Set<string> {
  const out = new Set<string>();
  const take = (v: unknown): void => {
    if (typeof v === 'string' && v.length >= 3 && v !== UNKNOWN_MARKER) out.add(v);
  };
  for (const { type, row } of rows) {
    if (!REFERENCED_TYPES.has(type)) continue;
    take(row.id);
    for (const bag of [row.inputs, row.outputs]) {
      if (typeof bag === 'object' && bag !== null) take((bag as Record<string, unknown>).name);
    }
  }
  return out;
}

const EMPTY: JsonObject = Object.freeze({});

/**
 * Fields sensitive by resource schema, by type token. `*` matches every type of a package prefix
 * (`random:*`) except those in NOT_SECRET_TYPES. Applied to the top level of inputs and outputs; any
 * non-null value is redacted.
 */
export const SENSITIVE_FIELDS: Readonly<Record<string, readonly string[]>> = Object.freeze({
  'aws:secretsmanager/secretVersion:SecretVersion': ['secretString', 'secretBinary', 'secretStringWo'],
  'aws:iam/accessKey:AccessKey': ['secret', 'sesSmtpPasswordV4', 'encryptedSecret', 'encryptedSesSmtpPasswordV4'],
  'aws:iam/userLoginProfile:UserLoginProfile': ['password', 'encryptedPassword'],
  'aws:rds/instance:Instance': ['password', 'passwordWo'],
  'aws:rds/cluster:Cluster': ['masterPassword', 'masterPasswordWo'],
  'aws:docdb/cluster:Cluster': ['masterPassword'],
  'aws:redshift/cluster:Cluster': ['masterPassword'],
  'aws:ssm/parameter:Parameter': ['valueWo'],
  'aws:lambda/function:Function': [],
  'pulumi:providers:aws': ['accessKey', 'secretKey', 'token'],
  'pulumi:providers:aws-native': ['accessKey', 'secretKey', 'token'],
  'aws:kms/ciphertext:Ciphertext': ['plaintext'],
  'aws:kms/externalKey:ExternalKey': ['keyMaterialBase64'],
  'aws:apigateway/apiKey:ApiKey': ['value'],
  'aws:appsync/apiKey:ApiKey': ['key'],
  'aws:iam/serviceSpecificCredential:ServiceSpecificCredential': ['servicePassword'],
  'pulumi:providers:kubernetes': ['kubeconfig'],
  'kubernetes:core/v1:Secret': ['data', 'stringData'],
  'tls:index/privateKey:PrivateKey': ['privateKeyPem', 'privateKeyOpenssh', 'privateKeyPemPkcs8'],
  'random:*': ['result', 'bcryptHash', 'b64Std', 'b64Url', 'hex', 'base64', 'dec'],
});

/** A kubeconfig (JSON or YAML text) that holds a credential: a token, a client key, a password, an auth provider's tokens. */
function holdsKubeCredentials(text: string): boolean {
  return /["']?\b(token|client-key-data|client-key|password|access-token|id-token|refresh-token|client-secret)["']?\s*:/i.test(text);
}

/** Types whose `containerDefinitions` is JSON text of data (redacted inside). */
const JSON_TEXT_TYPES: ReadonlySet<string> = new Set(['aws:ecs/taskDefinition:TaskDefinition']);

/**
 * Types a `<package>:*` entry does not apply to: not secret by schema (identifiers, numbers, names,
 * orderings), so their values, and their ids (which equal their `result`), stay visible.
 */
const NOT_SECRET_TYPES: ReadonlySet<string> = new Set([
  'random:index/randomUuid:RandomUuid',
  'random:index/randomUuid4:RandomUuid4',
  'random:index/randomUuid7:RandomUuid7',
  'random:index/randomInteger:RandomInteger',
  'random:index/randomPet:RandomPet',
  'random:index/randomShuffle:RandomShuffle',
]);

/** Types whose provider id is the secret value itself (RandomId's id is its `b64Url`). */
const SECRET_ID_TYPES: ReadonlySet<string> = new Set([
  'random:index/randomString:RandomString',
  'random:index/randomPassword:RandomPassword',
  'random:index/randomBytes:RandomBytes',
  'random:index/randomId:RandomId',
]);

/** Keys whose string or number values are secret at any depth (e.g. `DB_PASSWORD` in env vars). */
const SENSITIVE_KEY = /(password|passwd|secret|token|apikey|api_key|privatekey|private_key|secretstring|secretbinary|credentials?)$/i;
/** An environment variable's name (`STRIPE_KEY`, `DB_PASS`): judged by `secretLikeVariable`, as the exposure scan does. */
const VARIABLE_NAME = /^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$/;
/** A credential inside a string: `scheme://user:password@host` or `Password=...` / `pwd=...` of a connection string. */
const URL_CREDENTIAL = /\b[a-z][a-z0-9+.-]{0,30}:\/\/[^/\s:@"',;{}?#=&]*:[^/\s:@"',;{}?#=&]+@/i;
/** `Password=x` / `pwd=x` of a connection string (the whole key, after a separator). */
const CONNECTION_PASSWORD = /(?:^|[;&?\s])(?:password|passwd|pwd)\s*=\s*[^;&\s]/i;
/** `DB_PASSWORD=x` of a script (`export DB_PASSWORD=...` in user data): an upper-case variable. */
const SCRIPT_PASSWORD = /(?:^|[\s;'"])(?:export\s+)?[A-Z][A-Z0-9]{0,40}(?:_[A-Z0-9]{1,40}){0,6}_(?:PASSWORD|PASSWD|PWD|PASS)=[^\s;'"]/;
/** Keys that match SENSITIVE_KEY by their ending but carry no secret. */
const NOT_SENSITIVE_KEYS: ReadonlySet<string> = new Set(['kind', 'type']);

export function isSecretEnvelope(v: unknown): boolean {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && (v as Record<string, unknown>)[SIG_KEY] === SECRET_SIG;
}

/** A secret envelope, or a language SDK output value marked secret. */
function isMarkedSecret(v: unknown): boolean {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const sig = (v as Record<string, unknown>)[SIG_KEY];
  return sig === SECRET_SIG || (sig === OUTPUT_SIG && (v as Record<string, unknown>).secret === true);
}

const sensitiveCache = new Map<string, ReadonlySet<string>>();

/** The schema-sensitive fields of a type token. */
export function sensitiveFieldsOf(type: string): ReadonlySet<string> {
  let set = sensitiveCache.get(type);
  if (set === undefined) {
    const exact = SENSITIVE_FIELDS[type] ?? [];
    const colon = type.indexOf(':');
    const pkg = colon > 0 && !NOT_SECRET_TYPES.has(type) ? SENSITIVE_FIELDS[`${type.slice(0, colon)}:*`] ?? [] : [];
    set = new Set([...exact, ...pkg]);
    sensitiveCache.set(type, set);
  }
  return set;
}

export function isSecretId(type: string): boolean {
  return SECRET_ID_TYPES.has(type);
}

// ─── Paths ────────────────────────────────────────────────────────────────────────

const SEGMENT_LIMIT = 100;
const PATH_LIMIT = 400;
const SIMPLE_KEY = /^[A-Za-z_$][\w$-]*$/;
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f]/g;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * One step of a property path: `.key` for a plain key, `["odd key"]` otherwise, `[3]` for an index.
 * Keys from input are cut to 100 characters, stripped of control characters, and lone surrogates
 * become U+FFFD, so a path is printable and bounded whatever the input.
 */
export function pathSegment(key: string | number): string {
  if (typeof key === 'number') return `[${key}]`;
  let k = key.length > SEGMENT_LIMIT ? `${key.slice(0, SEGMENT_LIMIT)}…` : key;
  k = k.replace(CONTROL_CHARS, '').replace(LONE_SURROGATE, '\ufffd');
  return SIMPLE_KEY.test(k) ? `.${k}` : `[${JSON.stringify(k)}]`;
}

/** `prefix` followed by the segments of the first `depth` keys, cut to `limit` characters. */
function pathOf(prefix: string, keys: readonly (string | number)[], depth: number, limit: number): string {
  let p = prefix;
  for (let i = 0; i < depth; i++) {
    p += pathSegment(keys[i]!);
    if (p.length > limit) return `${p.slice(0, limit)}…`;
  }
  return p;
}

function record(ctx: RedactionContext, depth: number, reason: Reason, nameShaped = false): void {
  ctx.plaintext.push({ urn: ctx.urn, path: pathOf(ctx.bag, ctx.keys, depth, PATH_LIMIT), reason, ...(nameShaped ? { nameShaped: true as const } : {}) });
}

function tooDeep(ctx: RedactionContext, depth: number): never {
  throw new GeneratorError('input', `value nested more than ${MAX_VALUE_DEPTH} levels deep`, {
    subject: ctx.subject,
    jsonPath: pathOf(`${ctx.rowPath}.${ctx.bag}`, ctx.keys, depth, 1_000),
    expected: `at most ${MAX_VALUE_DEPTH} levels of nested arrays and objects in a resource's inputs and outputs`,
  });
}

// ─── Ids ──────────────────────────────────────────────────────────────────────────

/** A raw scalar being redacted: when it equals the resource's id, the id is secret too. */
function compareId(ctx: RedactionContext, v: unknown): void {
  const id = ctx.id;
  if (id !== undefined && (v === id || (typeof v === 'number' && String(v) === id))) ctx.idIsSecret = true;
}

/** JSON text of a secret value (an envelope's plaintext): when it decodes to the id, the id is secret too. */
function compareIdJson(ctx: RedactionContext, text: string): void {
  const id = ctx.id;
  // JSON escapes make a string at most 6 times longer, plus the quotes; anything longer is not the id.
  if (id === undefined || text.length > 6 * id.length + 2) return;
  try {
    compareId(ctx, JSON.parse(text));
  } catch {
    // Not JSON: not comparable.
  }
}

// ─── The walk ─────────────────────────────────────────────────────────────────────

/**
 * Copy a JSON-like value into a frozen JsonValue (or, with `inPlace`, freeze it where it is),
 * replacing every secret by REDACTED and the unknown marker by UNKNOWN. `undefined` members are
 * dropped; non-JSON values (functions, symbols) become null. `depth`: how many arrays and objects
 * enclose `value` (a member of a bag has depth 1).
 */
export function redactValue(value: unknown, ctx: RedactionContext, depth = 0): JsonValue {
  switch (typeof value) {
    case 'string':
      return value === UNKNOWN_MARKER ? UNKNOWN : value;
    case 'number':
      return Number.isFinite(value) ? value : null;
    case 'boolean':
      return value;
    case 'object':
      break;
    default:
      return null;
  }
  if (value === null) return null;
  if (depth >= MAX_VALUE_DEPTH) tooDeep(ctx, depth);
  const keys = ctx.keys;
  if (Array.isArray(value)) {
    const out: unknown[] = ctx.inPlace ? value : new Array(value.length);
    for (let i = 0; i < value.length; i++) {
      keys[depth] = i;
      out[i] = redactValue(value[i], ctx, depth + 1);
    }
    return Object.freeze(out) as readonly JsonValue[];
  }
  const obj = value as Record<string, unknown>;
  const sig = obj[SIG_KEY];
  if (sig !== undefined) {
    if (sig === SECRET_SIG) return redactEnvelope(obj, ctx, depth);
    if (sig === ASSET_SIG || sig === ARCHIVE_SIG) return assetReference(obj, ctx, depth);
    if (sig === OUTPUT_SIG) {
      if (obj.secret === true) {
        ctx.count++;
        compareId(ctx, obj.value);
        return REDACTED;
      }
      if (!('value' in obj) || obj.known === false) return UNKNOWN;
      keys[depth] = 'value';
      return redactValue(obj.value, ctx, depth + 1);
    }
    // Resource references and anything else: walked as data.
  }
  // A `{name, value}` pair (an ECS container's or a Kubernetes container's environment variable):
  // the value is secret when the name says so.
  const pairName = typeof obj.name === 'string' && typeof obj.value === 'string' && isSecretVariable(obj.name) ? obj.name : undefined;
  const out = ctx.inPlace ? obj : {};
  for (const key in obj) {
    const v = obj[key];
    if (v === undefined) continue;
    keys[depth] = key;
    out[key] = key === 'value' && pairName !== undefined ? redactMember(pairName, v, ctx, depth + 1, true) : redactMember(key, v, ctx, depth + 1);
  }
  return Object.freeze(out) as JsonObject;
}

/**
 * A property holding JSON text of data (an ECS task definition's `containerDefinitions`): the data
 * is redacted like any other value and written back as JSON; text that is not JSON is left alone.
 */
function redactJsonText(v: string, ctx: RedactionContext, depth: number): JsonValue {
  let parsed: unknown;
  try {
    parsed = JSON.parse(v);
  } catch {
    return v;
  }
  if (typeof parsed !== 'object' || parsed === null) return v;
  const before = ctx.count;
  const redacted = redactValue(parsed, ctx, depth);
  return ctx.count === before ? v : JSON.stringify(redacted);
}

/**
 * A value that names a secret kept elsewhere rather than holding one: an ARN, a KMS alias, a
 * CloudFormation dynamic reference, a Parameter Store path.
 */
function isReferenceValue(v: unknown): boolean {
  return typeof v === 'string' && (/^arn:/.test(v) || /^alias\/[\w/.-]+$/.test(v) || /^\{\{resolve:/.test(v) || /^\/[\w.-]+(\/[\w.-]+)+$/.test(v));
}

/**
 * An environment variable's value that names a secret or parameter of the state
 * (`DB_PASSWORD_SECRET=app/prod/db`): a reference the program looks up, not a secret. Only for
 * variables (a field such as `password` holding a name is still a password), and only for values
 * shaped like such a name (`looksLikeReferenceName`: a password like `postgres` that is also a
 * secret's name stays redacted).
 */
function namesAReference(v: string | number, ctx: RedactionContext): boolean {
  return typeof v === 'string' && ctx.references.has(v) && looksLikeReferenceName(v);
}

/** One member of an object: a string or number under a secret-like key is redacted, else the value is walked. */
function redactMember(key: string, v: unknown, ctx: RedactionContext, depth: number, secretName = false): JsonValue {
  const variable = depth >= 2 && VARIABLE_MAPS.has(ctx.keys[depth - 2]!);
  if (
    (typeof v === 'string' || typeof v === 'number') &&
    v !== '' &&
    v !== UNKNOWN_MARKER &&
    // The cheap tests first: this runs for every member of every resource.
    (holdsCredential(key, v) || ((secretName || isSensitiveKey(key) || (variable && isSecretVariable(key))) && !((secretName || variable) && namesAReference(v, ctx)))) &&
    !isReferenceValue(v)
  ) {
    ctx.count++;
    compareId(ctx, v);
    record(ctx, depth, 'unmarked-sensitive-field', (secretName || variable) && typeof v === 'string' && looksLikeSecretPath(v));
    return REDACTED;
  }
  return redactValue(v, ctx, depth);
}

function isSensitiveKey(key: string): boolean {
  return SENSITIVE_KEY.test(key) && !NOT_SENSITIVE_KEYS.has(key);
}

/** An environment variable's name that says secret (by the key patterns, or as the exposure scan judges names). */
function isSecretVariable(name: string): boolean {
  return isSensitiveKey(name) || (VARIABLE_NAME.test(name) && secretLikeVariable(name) !== undefined);
}

/** Containers whose members are environment variables (`environment.variables` of a Lambda). */
const VARIABLE_MAPS: ReadonlySet<string | number> = new Set(['variables']);

/** A string that carries a credential whatever its key: a URL with a password, a connection string's password, a kubeconfig's token. */
function holdsCredential(key: string, v: string | number): boolean {
  if (typeof v !== 'string' || v.length < 8) return false;
  if (key === 'kubeconfig') return holdsKubeCredentials(v);
  return (v.includes('://') && v.includes('@') && URL_CREDENTIAL.test(v)) || (v.includes('=') && (CONNECTION_PASSWORD.test(v) || SCRIPT_PASSWORD.test(v)));
}

/** A secret envelope: REDACTED; recorded when its value is readable (plaintext, or b64 ciphertext). */
function redactEnvelope(obj: Record<string, unknown>, ctx: RedactionContext, depth: number): string {
  ctx.count++;
  const plaintext = obj.plaintext;
  if (plaintext !== undefined && plaintext !== null) {
    record(ctx, depth, 'plaintext-envelope');
    if (typeof plaintext === 'string') compareIdJson(ctx, plaintext);
  } else if (ctx.readableCiphertext && typeof obj.ciphertext === 'string') {
    record(ctx, depth, 'plaintext-envelope');
    const c = obj.ciphertext;
    if (ctx.id !== undefined && c.length <= ((6 * ctx.id.length + 2) * 4) / 3 + 4) compareIdJson(ctx, Buffer.from(c, 'base64').toString('utf8'));
  }
  return REDACTED;
}

/**
 * A value under a field that is secret by schema or by the resource's own declaration: REDACTED.
 * A secret envelope is handled as one; any other value was stored unmarked, so it is recorded, unless
 * it is a container whose every leaf turned out secret or empty (the walk that tells also records
 * envelopes and secret-like keys inside it, and enforces the depth limit).
 */
function redactDeclared(v: unknown, ctx: RedactionContext, depth: number): JsonValue {
  if (isMarkedSecret(v)) return redactValue(v, ctx, depth);
  if (typeof v === 'object' && v !== null) {
    const before = ctx.count;
    const inner = redactValue(v, ctx, depth);
    ctx.count = before;
    if (hasPlainLeaf(inner)) record(ctx, depth, 'unmarked-sensitive-field');
  } else {
    compareId(ctx, v);
    record(ctx, depth, 'unmarked-sensitive-field');
  }
  ctx.count++;
  return REDACTED;
}

/** A leaf that is a value (not REDACTED, UNKNOWN, empty or null). `v` is a redacted result, within the depth limit. */
function hasPlainLeaf(v: JsonValue): boolean {
  if (typeof v === 'string') return v !== '' && v !== REDACTED && v !== UNKNOWN && v !== INLINE_TEXT_OMITTED;
  if (typeof v === 'number' || typeof v === 'boolean') return true;
  if (v === null) return false;
  if (Array.isArray(v)) return v.some(hasPlainLeaf);
  for (const k in v as JsonObject) if (hasPlainLeaf((v as JsonObject)[k]!)) return true;
  return false;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `o[key] = v` that also works for a key like `__proto__`. */
function define(o: Record<string, JsonValue>, key: string, v: JsonValue): void {
  Object.defineProperty(o, key, { value: v, enumerable: true, writable: true, configurable: true });
}

/**
 * An asset or archive (at `depth`) as a reference built from scratch: the signature; `hash`, `path`,
 * `uri` when plain strings; inline `text` as a marker; `assets` entries that are assets or archives,
 * each again a reference. A secret envelope in any of those places becomes REDACTED; anything else
 * (other members, non-string values, other entries) is dropped.
 */
function assetReference(obj: Record<string, unknown>, ctx: RedactionContext, depth: number): JsonObject {
  if (depth >= MAX_VALUE_DEPTH) tooDeep(ctx, depth);
  const keys = ctx.keys;
  const out: Record<string, JsonValue> = { [SIG_KEY]: obj[SIG_KEY] === ARCHIVE_SIG ? ARCHIVE_SIG : ASSET_SIG };
  for (const k of ['hash', 'path', 'uri', 'text'] as const) {
    const v = obj[k];
    if (typeof v === 'string') {
      out[k] = k === 'text' ? INLINE_TEXT_OMITTED : v === UNKNOWN_MARKER ? UNKNOWN : v;
    } else if (isMarkedSecret(v)) {
      keys[depth] = k;
      out[k] = redactValue(v, ctx, depth + 1);
    }
  }
  const assets = obj.assets;
  if (isPlainObject(assets) && !isMarkedSecret(assets)) {
    if (depth + 1 >= MAX_VALUE_DEPTH) tooDeep(ctx, depth + 1);
    keys[depth] = 'assets';
    const inner: Record<string, JsonValue> = {};
    for (const name in assets) {
      const a = assets[name];
      if (!isPlainObject(a)) continue;
      keys[depth + 1] = name;
      const s = a[SIG_KEY];
      if (s === ASSET_SIG || s === ARCHIVE_SIG) define(inner, name, assetReference(a, ctx, depth + 2));
      else if (isMarkedSecret(a)) define(inner, name, redactValue(a, ctx, depth + 2));
    }
    out.assets = Object.freeze(inner);
  } else if (isMarkedSecret(assets)) {
    keys[depth] = 'assets';
    out.assets = redactValue(assets, ctx, depth + 1);
  }
  return Object.freeze(out);
}

export interface RedactPropertiesOptions {
  /** Resource type token, for schema-sensitive fields. */
  readonly type: string;
  /** `additionalSecretOutputs` of the resource: top-level names redacted in outputs and inputs. */
  readonly additionalSecretOutputs?: readonly string[];
  /** For `aws:ssm/parameter:Parameter`: the other bag, to learn the parameter `type` from inputs or outputs. */
  readonly sibling?: unknown;
  /** `inputs` or `outputs`: the first segment of recorded paths. */
  readonly bag: string;
}

/**
 * Redact a resource's inputs or outputs bag (top-level object) for the resource `ctx.urn`. Returns a
 * frozen object; a missing or non-object bag gives `{}`.
 */
export function redactProperties(bag: unknown, opts: RedactPropertiesOptions, ctx: RedactionContext): JsonObject {
  if (typeof bag !== 'object' || bag === null || Array.isArray(bag)) return EMPTY;
  const src = bag as Record<string, unknown>;
  let forced = sensitiveFieldsOf(opts.type);
  const aso = opts.additionalSecretOutputs ?? [];
  const parameter = opts.type === 'aws:ssm/parameter:Parameter' || opts.type === 'aws-native:ssm:Parameter';
  // A SecureString's value, and a String parameter's whose name says it is a secret (`.../db-password`).
  const secureParameter = parameter && (!isPlainParameter(src, opts.sibling) || secretLikeParameterName(src, opts.sibling));
  if (aso.length > 0 || secureParameter) {
    const s = new Set(forced);
    for (const name of aso) s.add(name);
    if (secureParameter) for (const f of ['value', 'insecureValue']) s.add(f);
    forced = s;
  }
  ctx.bag = opts.bag;
  const keys = ctx.keys;

  const out = ctx.inPlace ? src : {};
  for (const key in src) {
    const v = src[key];
    if (v === undefined) continue;
    keys[0] = key;
    if (forced.has(key) && key === 'kubeconfig' && typeof v === 'string' && !holdsKubeCredentials(v)) {
      // A kubeconfig whose users authenticate by a command (`aws eks get-token`) holds no credential:
      // redacted all the same, but not a secret stored in plain text.
      ctx.count++;
      out[key] = REDACTED;
    } else if (forced.has(key) && v !== null && v !== '' && v !== UNKNOWN_MARKER) {
      out[key] = redactDeclared(v, ctx, 1);
    } else if (key === 'containerDefinitions' && typeof v === 'string' && JSON_TEXT_TYPES.has(opts.type)) {
      out[key] = redactJsonText(v, ctx, 1);
    } else if (key === 'outputs' && opts.type === 'pulumi:pulumi:StackReference') {
      out[key] = redactStackReferenceOutputs(v, src.secretOutputNames ?? recordOf(opts.sibling).secretOutputNames, ctx);
    } else {
      out[key] = redactMember(key, v, ctx, 1);
    }
  }
  return Object.freeze(out) as JsonObject;
}

function recordOf(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

/** A parameter whose name's last segment says it holds a secret (see `secretLikeName`). */
function secretLikeParameterName(bag: Record<string, unknown>, sibling: unknown): boolean {
  const name = bag.name ?? recordOf(sibling).name;
  return typeof name === 'string' && secretLikeName(name.slice(name.lastIndexOf('/') + 1)) !== undefined;
}

/** A parameter's value is plain only when its type is known and is `String` or `StringList`. */
function isPlainParameter(bag: Record<string, unknown>, sibling: unknown): boolean {
  const t = bag.type ?? recordOf(sibling).type;
  return t === 'String' || t === 'StringList';
}

/** A StackReference's `outputs` (depth 1): the names in `secretOutputNames` are secret. */
function redactStackReferenceOutputs(v: unknown, secretNames: unknown, ctx: RedactionContext): JsonValue {
  const names = new Set(Array.isArray(secretNames) ? secretNames.filter((x): x is string => typeof x === 'string') : []);
  if (typeof v !== 'object' || v === null || Array.isArray(v) || isMarkedSecret(v)) return redactValue(v, ctx, 1);
  const src = v as Record<string, unknown>;
  if (src[SIG_KEY] !== undefined) return redactValue(v, ctx, 1);
  const keys = ctx.keys;
  const out = ctx.inPlace ? src : {};
  for (const k in src) {
    const val = src[k];
    if (val === undefined) continue;
    keys[1] = k;
    out[k] = names.has(k) && val !== null ? redactDeclared(val, ctx, 2) : redactMember(k, val, ctx, 2);
  }
  return Object.freeze(out) as JsonObject;
}
