/**
 * Redaction: every secret value is replaced by REDACTED while a reader builds the graph, so no later
 * stage can leak what it never received. Pure functions; they build new, frozen values and never
 * mutate their input (the walk that redacts is also the copy that freezes, so each value is visited
 * once).
 *
 * What is redacted:
 * - Pulumi's secret envelope `{SIG_KEY: SECRET_SIG, ciphertext | plaintext}` anywhere in a value;
 * - output values of the language SDK (`OUTPUT_SIG`) marked `secret: true`;
 * - top-level fields listed in the resource's `additionalSecretOutputs` (in outputs and inputs);
 * - fields that are sensitive by their resource schema even when the state forgot to mark them
 *   (`SENSITIVE_FIELDS`), and, at any depth, string values under password/secret/token-like keys;
 * - the `outputs` of a `pulumi:pulumi:StackReference` named in its `secretOutputNames`.
 *
 * Assets and archives share the envelope key but carry another signature: they are kept as
 * references (path, uri, hash, nested assets) and inline `text` contents are dropped.
 * The preview's unknown marker becomes UNKNOWN.
 */

import { REDACTED, UNKNOWN, type JsonObject, type JsonValue } from './types.ts';

/** The key that marks a special value in Pulumi's serialized properties. */
export const SIG_KEY = '4dabf18193072939515e22adb298388d';
export const SECRET_SIG = '1b47061264138c4ac30d75fd1eb44270';
export const ASSET_SIG = 'c44067f5952c0a294b673a41bacd8c17';
export const ARCHIVE_SIG = '0def7320c3a5731c473e5ecbe6d01bc7';
export const RESOURCE_REF_SIG = '5cf8f73096256a8f31e491e813e4eb8e';
export const OUTPUT_SIG = 'd0e6a833031e9bbcd3f4e8bde6ca49a4';
/** The string the engine puts where a value is not known yet (previews, mocks). */
export const UNKNOWN_MARKER = '04da6b54-80e4-46f7-96ec-b56ff0331ba9';

/** Counts what was redacted. One per replaced value. */
export interface RedactionCounter {
  count: number;
  /**
   * Redact in place and freeze the given objects instead of copying them: only for a caller that owns
   * the value outright (a reader's fresh JSON.parse result), to avoid a second copy of a large state.
   */
  readonly inPlace?: boolean;
}

const EMPTY: JsonObject = Object.freeze({});

/**
 * Fields sensitive by resource schema, by type token. `*` matches every type of a package prefix
 * (`random:*`). Applied to the top level of inputs and outputs; any non-null value is redacted.
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
  'pulumi:providers:kubernetes': ['kubeconfig'],
  'kubernetes:core/v1:Secret': ['data', 'stringData'],
  'tls:index/privateKey:PrivateKey': ['privateKeyPem', 'privateKeyOpenssh', 'privateKeyPemPkcs8'],
  'random:*': ['result', 'bcryptHash', 'b64Std', 'b64Url', 'hex', 'base64', 'dec'],
});

/** Types whose provider id is the secret value itself. */
const SECRET_ID_TYPES: ReadonlySet<string> = new Set([
  'random:index/randomString:RandomString',
  'random:index/randomPassword:RandomPassword',
  'random:index/randomBytes:RandomBytes',
]);

/** Keys whose string or number values are secret at any depth (e.g. `DB_PASSWORD` in env vars). */
const SENSITIVE_KEY = /(password|passwd|secret|token|apikey|api_key|privatekey|private_key|secretstring|secretbinary|credentials?)$/i;
/** Keys that match SENSITIVE_KEY by their ending but carry no secret. */
const NOT_SENSITIVE_KEYS: ReadonlySet<string> = new Set(['kind', 'type']);

export function isSecretEnvelope(v: unknown): boolean {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && (v as Record<string, unknown>)[SIG_KEY] === SECRET_SIG;
}

const sensitiveCache = new Map<string, ReadonlySet<string>>();

/** The schema-sensitive fields of a type token. */
export function sensitiveFieldsOf(type: string): ReadonlySet<string> {
  let set = sensitiveCache.get(type);
  if (set === undefined) {
    const exact = SENSITIVE_FIELDS[type] ?? [];
    const colon = type.indexOf(':');
    const pkg = colon > 0 ? SENSITIVE_FIELDS[`${type.slice(0, colon)}:*`] ?? [] : [];
    set = new Set([...exact, ...pkg]);
    sensitiveCache.set(type, set);
  }
  return set;
}

export function isSecretId(type: string): boolean {
  return SECRET_ID_TYPES.has(type);
}

/**
 * Copy a JSON-like value into a frozen JsonValue, replacing every secret by REDACTED and the unknown
 * marker by UNKNOWN. `undefined` members are dropped; non-JSON values (functions, symbols) become null.
 */
export function redactValue(value: unknown, counter: RedactionCounter): JsonValue {
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
  if (Array.isArray(value)) {
    const out: unknown[] = counter.inPlace === true ? value : new Array(value.length);
    for (let i = 0; i < value.length; i++) out[i] = redactValue(value[i], counter);
    return Object.freeze(out) as readonly JsonValue[];
  }
  const obj = value as Record<string, unknown>;
  const sig = obj[SIG_KEY];
  if (sig !== undefined) {
    if (sig === SECRET_SIG) {
      counter.count++;
      return REDACTED;
    }
    if (sig === ASSET_SIG || sig === ARCHIVE_SIG) return assetReference(obj, counter);
    if (sig === OUTPUT_SIG) {
      if (obj.secret === true) {
        counter.count++;
        return REDACTED;
      }
      if (!('value' in obj) || obj.known === false) return UNKNOWN;
      return redactValue(obj.value, counter);
    }
    // Resource references and anything else: copy as data.
  }
  const out = newBag(obj, counter);
  for (const key in obj) {
    const v = obj[key];
    if (v === undefined) continue;
    out[key] = redactMember(key, v, counter);
  }
  return Object.freeze(out) as JsonObject;
}

/** One member of an object: a string or number under a secret-like key is redacted, else the value is walked. */
function redactMember(key: string, v: unknown, counter: RedactionCounter): JsonValue {
  if ((typeof v === 'string' || typeof v === 'number') && v !== '' && v !== UNKNOWN_MARKER && isSensitiveKey(key)) {
    counter.count++;
    return REDACTED;
  }
  return redactValue(v, counter);
}

/** The object to write into: the source itself when redacting in place, else a fresh one. */
function newBag(src: Record<string, unknown>, counter: RedactionCounter): Record<string, unknown> {
  return counter.inPlace === true ? src : {};
}

function isSensitiveKey(key: string): boolean {
  return SENSITIVE_KEY.test(key) && !NOT_SENSITIVE_KEYS.has(key);
}

/** An asset or archive kept as a reference: signature, path/uri/hash, nested assets; never inline text. */
function assetReference(obj: Record<string, unknown>, counter: RedactionCounter): JsonObject {
  const out: Record<string, JsonValue> = { [SIG_KEY]: obj[SIG_KEY] as string };
  for (const k of ['hash', 'path', 'uri'] as const) {
    const v = obj[k];
    if (typeof v === 'string') out[k] = v;
  }
  if (typeof obj.text === 'string') out.text = '[inline text omitted]';
  const assets = obj.assets;
  if (typeof assets === 'object' && assets !== null && !Array.isArray(assets)) {
    const inner: Record<string, JsonValue> = {};
    for (const [name, a] of Object.entries(assets as Record<string, unknown>)) {
      inner[name] =
        typeof a === 'object' && a !== null && !Array.isArray(a) ? assetReference(a as Record<string, unknown>, counter) : redactValue(a, counter);
    }
    out.assets = Object.freeze(inner);
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
}

/**
 * Redact a resource's inputs or outputs bag (top-level object). Returns a new frozen object; a
 * missing or non-object bag gives `{}`.
 */
export function redactProperties(bag: unknown, opts: RedactPropertiesOptions, counter: RedactionCounter): JsonObject {
  if (typeof bag !== 'object' || bag === null || Array.isArray(bag)) return EMPTY;
  const src = bag as Record<string, unknown>;
  let forced = sensitiveFieldsOf(opts.type);
  const aso = opts.additionalSecretOutputs ?? [];
  const secureParameter = opts.type === 'aws:ssm/parameter:Parameter' && !isPlainParameter(src, opts.sibling);
  if (aso.length > 0 || secureParameter) {
    const s = new Set(forced);
    for (const name of aso) s.add(name);
    if (secureParameter) s.add('value');
    forced = s;
  }

  const out = newBag(src, counter);
  for (const key in src) {
    const v = src[key];
    if (v === undefined) continue;
    if (forced.has(key) && v !== null && v !== '' && v !== UNKNOWN_MARKER) {
      counter.count++;
      out[key] = REDACTED;
    } else if (key === 'outputs' && opts.type === 'pulumi:pulumi:StackReference') {
      out[key] = redactStackReferenceOutputs(v, src.secretOutputNames ?? recordOf(opts.sibling).secretOutputNames, counter);
    } else {
      out[key] = redactMember(key, v, counter);
    }
  }
  return Object.freeze(out) as JsonObject;
}

function recordOf(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

/** A parameter's value is plain only when its type is known and is `String` or `StringList`. */
function isPlainParameter(bag: Record<string, unknown>, sibling: unknown): boolean {
  const t = bag.type ?? recordOf(sibling).type;
  return t === 'String' || t === 'StringList';
}

function redactStackReferenceOutputs(v: unknown, secretNames: unknown, counter: RedactionCounter): JsonValue {
  const names = new Set(Array.isArray(secretNames) ? secretNames.filter((x): x is string => typeof x === 'string') : []);
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return redactValue(v, counter);
  const out = newBag(v as Record<string, unknown>, counter);
  for (const [k, val] of Object.entries(v as Record<string, unknown>)) {
    if (val === undefined) continue;
    if (names.has(k) && val !== null) {
      counter.count++;
      out[k] = REDACTED;
    } else {
      out[k] = redactMember(k, val, counter);
    }
  }
  return Object.freeze(out) as JsonObject;
}
