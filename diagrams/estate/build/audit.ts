/**
 * Audit and alerting: CloudTrail trails (multi-region, log validation, KMS key, the bucket's public
 * access blocks and encryption, the events recorded), CloudWatch alarms (with the metric filters
 * that feed them), EventBridge rules and their targets, and the SNS topics they notify. Reads the
 * AWS provider's shapes and aws-native's (`trailName`, `topicName`/`topicArn` and inline
 * `subscription`, `alarmName`, a rule's inline `targets`, `metricTransformations`, a bucket's
 * inline `bucketEncryption` and `publicAccessBlockConfiguration`).
 */

import { compareStrings, type Mutable } from '../../util/collections.ts';
import { UNKNOWN } from '../../graph/types.ts';
import type { JsonObject, JsonValue, Resource } from '../../graph/types.ts';
import type { Alarm, Audit, EventRule, Topic, Trail, Watch } from '../model.ts';
import { arr, bool, containsUnknown, knownStr, obj, propAny, str, strList } from '../props.ts';
import { arnOf, awsName, edgeTargets, entityBase, idOf, RefIndex, rows, type GraphCtx, type Row } from './context.ts';
import type { KeyRegistry } from './keys.ts';

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

/** An advanced field selector, readable: `eventSource=a|b`, `eventSource!=kms.amazonaws.com`, `resources.ARN^=arn:...`. */
function fieldText(f: JsonObject): string {
  const ops: readonly [string, string][] = [['equals', '='], ['notEquals', '!='], ['startsWith', '^='], ['notStartsWith', '!^='], ['endsWith', '$='], ['notEndsWith', '!$=']];
  const parts = ops.flatMap(([k, op]) => (strList(f[k]).length > 0 ? [`${String(f['field'])}${op}${strList(f[k]).join('|')}`] : []));
  return parts.join(', ') || String(f['field']);
}

const KMS_SOURCE = 'kms.amazonaws.com';

/** What of the management read events (GetSecretValue, GetParameter, Decrypt) classic event selectors leave out. */
function classicMissedReads(selectors: readonly JsonObject[], excluded: readonly string[]): string[] {
  const mgmt = selectors.filter((o) => o['includeManagementEvents'] !== false);
  if (mgmt.length === 0) return ['management events (none selected)'];
  const out: string[] = [];
  if (mgmt.every((o) => o['readWriteType'] === 'WriteOnly')) out.push('read events (WriteOnly)');
  if (excluded.includes(KMS_SOURCE)) out.push('KMS events (excluded)');
  return out;
}

/** What of the management read events advanced event selectors leave out (a selector records what all its fields allow). */
function advancedMissedReads(selectors: readonly JsonObject[]): string[] {
  const fieldsOf = (o: JsonObject): JsonObject[] => arr(o['fieldSelectors']).map((f) => obj(f)).filter((f): f is JsonObject => f !== undefined);
  const field = (o: JsonObject, name: string): JsonObject | undefined => fieldsOf(o).find((f) => f['field'] === name);
  const mgmt = selectors.filter((o) => strList(field(o, 'eventCategory')?.['equals']).includes('Management'));
  if (mgmt.length === 0) return ['management events (no selector)'];
  const readsOf = (o: JsonObject): boolean => !strList(field(o, 'readOnly')?.['equals']).every((v) => v === 'false') || strList(field(o, 'readOnly')?.['equals']).length === 0;
  const kmsOf = (o: JsonObject): boolean => {
    const src = field(o, 'eventSource');
    if (src === undefined) return true;
    const eq = strList(src['equals']);
    return !strList(src['notEquals']).includes(KMS_SOURCE) && (eq.length === 0 || eq.includes(KMS_SOURCE));
  };
  const out: string[] = [];
  if (!mgmt.some(readsOf)) out.push('read events (readOnly=false)');
  if (!mgmt.some(kmsOf)) out.push('KMS events (excluded)');
  return out;
}

/** The management read events a trail does not record (see `Trail.missedReads`). */
function missedReads(r: Resource): readonly string[] | 'unknown' {
  const raw = propAny(r, 'eventSelectors');
  const rawAdvanced = propAny(r, 'advancedEventSelectors');
  if (containsUnknown(raw) || containsUnknown(rawAdvanced) || containsUnknown(propAny(r, 'excludeManagementEventSources'))) return 'unknown';
  const objects = (v: JsonValue | undefined): JsonObject[] => arr(v).map((x) => obj(x)).filter((x): x is JsonObject => x !== undefined);
  const advanced = objects(rawAdvanced);
  if (advanced.length > 0) return advancedMissedReads(advanced);
  const classic = objects(raw);
  const excluded = [...classic.flatMap((o) => strList(o['excludeManagementEventSources'])), ...strList(propAny(r, 'excludeManagementEventSources'))];
  if (classic.length > 0) return classicMissedReads(classic, excluded);
  return excluded.includes(KMS_SOURCE) ? ['KMS events (excluded)'] : [];
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
      .map(fieldText)
      .join(', ');
    out.add(`${typeof o['name'] === 'string' && o['name'] !== '' ? `${o['name']}: ` : ''}${fields || 'advanced selector'}`);
  }
  if (selectors.length === 0 && advanced.length === 0) {
    if (containsUnknown(propAny(r, 'eventSelectors'))) out.add('unknown');
    else out.add('management events (read+write)');
  }
  return [...out].sort();
}


interface TopicIndex {
  readonly topics: Topic[];
  /** The topics a property names (ARNs, a list of them), with the property edges as fallback. */
  resolve(row: Row, ...props: string[]): string[];
  /** The topics some values (ARNs) name. */
  byValues(values: readonly string[]): string[];
}

function topicArn(r: Resource): string | undefined {
  const id = idOf(r);
  return arnOf(r) ?? knownStr(r, 'topicArn') ?? (id?.startsWith('arn:') ? id : undefined);
}

function topicIndex(ctxs: readonly GraphCtx[]): TopicIndex {
  const refs = new RefIndex();
  const topicRows = rows(ctxs, 'topic');
  const urns = new Set(topicRows.map((r) => r.r.urn));
  for (const row of topicRows) {
    refs.add(topicArn(row.r), row.r.urn);
    refs.add(idOf(row.r), row.r.urn);
  }
  const byValues = (values: readonly string[]): string[] => values.map((v) => refs.get(v)).filter((u): u is string => u !== undefined);
  const resolve = (row: Row, ...props: string[]): string[] => {
    const out = new Set<string>();
    for (const p of props) {
      for (const u of byValues(strList(propAny(row.r, p)))) out.add(u);
      for (const to of edgeTargets(row, p)) if (urns.has(to)) out.add(to);
    }
    return [...out].sort();
  };
  const subsOf = new Map<string, { protocol: string; endpoint: string }[]>();
  const subscribe = (topic: string, protocol: unknown, endpoint: unknown): void => {
    (subsOf.get(topic) ?? subsOf.set(topic, []).get(topic)!).push({ protocol: typeof protocol === 'string' ? protocol : 'unknown', endpoint: typeof endpoint === 'string' ? endpoint : '' });
  };
  for (const row of rows(ctxs, 'subscription')) for (const t of resolve(row, 'topic', 'topicArn')) subscribe(t, str(row.r, 'protocol'), str(row.r, 'endpoint'));
  for (const row of topicRows) {
    for (const sub of arr(propAny(row.r, 'subscription'))) {
      const o = obj(sub);
      if (o) subscribe(row.r.urn, o['protocol'], o['endpoint']);
    }
  }
  const topics: Topic[] = topicRows.map((row) => ({
    ...entityBase(row, awsName(row.r, 'name', 'topicName'), topicArn(row.r)),
    subscriptions: (subsOf.get(row.r.urn) ?? []).sort((a, b) => compareStrings(a.protocol, b.protocol) || compareStrings(a.endpoint, b.endpoint)),
  }));
  return { topics, resolve, byValues };
}

type Blocked = boolean | 'unknown';

/** What the trails need to know of buckets: names, public access blocks and default encryption, by bucket name or URN. */
interface BucketFacts {
  readonly nameOf: ReadonlyMap<string, string>;
  readonly known: ReadonlySet<string>;
  readonly blocked: ReadonlyMap<string, Blocked>;
  readonly encryption: ReadonlyMap<string, Trail['bucketEncryption']>;
  readonly accountBlocked: boolean;
}

function blockedOf(v: (flag: string) => boolean | 'unknown'): Blocked {
  const flags = ['blockPublicAcls', 'blockPublicPolicy', 'ignorePublicAcls', 'restrictPublicBuckets'].map(v);
  if (flags.every((f) => f === true)) return true;
  if (flags.some((f) => f === false)) return false;
  return 'unknown';
}

function encryptionOf(row: Row, rules: readonly JsonValue[], keys: KeyRegistry): Trail['bucketEncryption'] | undefined {
  for (const rule of rules) {
    const o = obj(rule);
    const d = obj(arr(o?.['applyServerSideEncryptionByDefault'] ?? o?.['serverSideEncryptionByDefault'])[0]);
    if (!d) continue;
    const alg = d['sseAlgorithm'];
    if (alg === 'aws:kms' || alg === 'aws:kms:dsse') {
      const kid = typeof d['kmsMasterKeyId'] === 'string' && d['kmsMasterKeyId'] !== '' ? (d['kmsMasterKeyId'] as string) : undefined;
      const urn = keys.resolveValue(kid) ?? keys.resolve(row, 'kmsMasterKeyId');
      return { kind: 'sse-kms', ...(kid !== undefined ? { keyId: kid } : {}), ...(urn !== undefined ? { keyUrn: urn } : {}) };
    }
    if (alg === 'AES256') return { kind: 'sse-s3' };
  }
  return undefined;
}

function bucketFacts(ctxs: readonly GraphCtx[], keys: KeyRegistry): BucketFacts {
  const nameOf = new Map<string, string>();
  const blocked = new Map<string, Blocked>();
  const encryption = new Map<string, Trail['bucketEncryption']>();
  /** Records a fact under the bucket's URN and name. */
  const put = <T>(m: Map<string, T>, row: Row, v: T): void => {
    m.set(row.r.urn, v);
    const n = nameOf.get(row.r.urn);
    if (n) m.set(n, v);
  };
  /** Records a fact of a separate resource under the bucket it names (value and property edge). */
  const putFor = <T>(m: Map<string, T>, row: Row, v: T): void => {
    const b = knownStr(row.r, 'bucket');
    if (b) m.set(b, v);
    for (const to of edgeTargets(row, 'bucket')) m.set(to, v);
  };
  const bucketRows = rows(ctxs, 'bucket');
  for (const row of bucketRows) {
    const n = knownStr(row.r, 'bucket', 'bucketName') ?? idOf(row.r);
    if (n) nameOf.set(row.r.urn, n);
  }
  for (const row of bucketRows) {
    const pab = obj(propAny(row.r, 'publicAccessBlockConfiguration'));
    if (pab) put(blocked, row, blockedOf((f) => (typeof pab[f] === 'boolean' ? (pab[f] as boolean) : pab[f] === UNKNOWN ? 'unknown' : false)));
    const cfg = obj(arr(propAny(row.r, 'serverSideEncryptionConfiguration', 'bucketEncryption'))[0]);
    const e = encryptionOf(row, arr(cfg?.['rule'] ?? cfg?.['rules'] ?? cfg?.['serverSideEncryptionConfiguration']), keys);
    if (e) put(encryption, row, e);
  }
  for (const row of rows(ctxs, 'publicAccessBlock')) putFor(blocked, row, blockedOf((f) => bool(row.r, false, f)));
  for (const row of rows(ctxs, 'bucketEncryption')) {
    const e = encryptionOf(row, arr(propAny(row.r, 'rules', 'rule')), keys);
    if (e) putFor(encryption, row, e);
  }
  const accountBlocked = rows(ctxs, 'accountPublicAccessBlock').some((row) => blockedOf((f) => bool(row.r, false, f)) === true);
  return { nameOf, known: new Set(nameOf.values()), blocked, encryption, accountBlocked };
}

function buildTrail(row: Row, keys: KeyRegistry, b: BucketFacts): Trail {
  const t: Mutable<Trail> = {
    ...entityBase(row, awsName(row.r, 'name', 'trailName'), arnOf(row.r)),
    multiRegion: bool(row.r, false, 'isMultiRegionTrail'),
    logFileValidation: bool(row.r, false, 'enableLogFileValidation'),
    bucketPublicAccessBlocked: 'unknown',
    bucketEncryption: { kind: 'unknown' },
    events: trailEvents(row.r),
    logging: bool(row.r, true, 'enableLogging', 'isLogging'),
    missedReads: missedReads(row.r),
  };
  if (bool(row.r, false, 'isOrganizationTrail') === true) t.organization = true;
  const kms = str(row.r, 'kmsKeyId');
  if (kms !== undefined && kms !== '') t.kmsKeyId = kms;
  const keyUrn = keys.resolve(row, 'kmsKeyId');
  if (keyUrn) t.keyUrn = keyUrn;
  const bucket = str(row.r, 's3BucketName');
  if (bucket !== undefined && bucket !== '') t.bucket = bucket;
  const bucketUrn = edgeTargets(row, 's3BucketName').find((u) => b.nameOf.has(u) || row.g.byUrn.get(u) !== undefined);
  /** A fact of the trail's bucket: by its name, its URN, or the name of the bucket the edge names. */
  const of = <T>(m: ReadonlyMap<string, T>): T | undefined =>
    (bucket && bucket !== UNKNOWN ? m.get(bucket) : undefined) ?? (bucketUrn ? m.get(bucketUrn) ?? m.get(b.nameOf.get(bucketUrn) ?? '') : undefined);
  const inEstate = (bucket !== undefined && b.known.has(bucket)) || bucketUrn !== undefined;
  t.bucketPublicAccessBlocked = of(b.blocked) ?? (b.accountBlocked ? true : inEstate ? false : 'unknown');
  // Since January 2023 S3 encrypts every new object with SSE-S3 at least: a known bucket without another setting is SSE-S3.
  const enc = of(b.encryption);
  if (enc) t.bucketEncryption = enc;
  else if (inEstate) t.bucketEncryption = { kind: 'sse-s3' };
  return t;
}

interface MetricFilter {
  readonly metric?: string;
  readonly namespace?: string;
  readonly text: string;
}

/** Metric filters, one per transformation: the AWS provider's `metricTransformation` ({name, namespace}), aws-native's `metricTransformations` ({metricName, metricNamespace}). */
function metricFilters(ctxs: readonly GraphCtx[]): MetricFilter[] {
  const out: MetricFilter[] = [];
  const s = (o: JsonObject, ...k: string[]): string | undefined => k.map((x) => o[x]).find((v): v is string => typeof v === 'string');
  for (const row of rows(ctxs, 'logMetricFilter')) {
    const text = `${str(row.r, 'pattern', 'filterPattern') ?? ''} ${awsName(row.r, 'name', 'filterName')}`;
    for (const mt of arr(propAny(row.r, 'metricTransformation', 'metricTransformations'))) {
      const o = obj(mt);
      if (!o) continue;
      const metric = s(o, 'name', 'metricName');
      const namespace = s(o, 'namespace', 'metricNamespace');
      out.push({ ...(metric !== undefined ? { metric } : {}), ...(namespace !== undefined ? { namespace } : {}), text });
    }
  }
  return out;
}

function buildAlarm(row: Row, topics: TopicIndex, filters: readonly MetricFilter[]): Alarm {
  const name = awsName(row.r, 'name', 'alarmName');
  const metricName = knownStr(row.r, 'metricName');
  const namespace = knownStr(row.r, 'namespace');
  const feeding = filters.filter((f) => f.metric !== undefined && f.metric === metricName && (namespace === undefined || f.namespace === undefined || f.namespace === namespace));
  const a: Mutable<Alarm> = {
    ...entityBase(row, name, arnOf(row.r)),
    watches: watchOf(metricName, str(row.r, 'alarmDescription'), name, ...feeding.map((f) => f.text)),
    topics: topics.resolve(row, 'alarmActions'),
    enabled: bool(row.r, true, 'actionsEnabled'),
  };
  if (metricName) a.metricName = metricName;
  if (namespace) a.namespace = namespace;
  const actions = arr(propAny(row.r, 'alarmActions'));
  // A value not known before deployment counts only when it comes from another stack's outputs (a StackReference).
  const fromReference = edgeTargets(row, 'alarmActions').some((u) => row.g.byUrn.get(u)?.type === 'pulumi:pulumi:StackReference');
  const outside = actions.filter((v) => (v === UNKNOWN && fromReference) || (typeof v === 'string' && /^arn:[^:]+:sns:/.test(v) && topics.byValues([v]).length === 0)).length;
  if (a.topics.length === 0 && outside > 0) a.otherTopics = outside;
  const fn = obj(propAny(row.r, 'dimensions'))?.['FunctionName'] ?? arr(propAny(row.r, 'dimensions')).map((d) => obj(d)).find((d) => d?.['name'] === 'FunctionName')?.['value'];
  if (metricName === 'Errors' && namespace === 'AWS/Lambda' && typeof fn === 'string' && fn !== '' && fn !== UNKNOWN) a.lambdaErrorsOf = fn;
  return a;
}

/** An EventBridge rule's state: `state` (ENABLED, DISABLED, ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS) or the older `isEnabled`. */
function ruleEnabled(r: Resource): boolean | 'unknown' {
  const state = str(r, 'state');
  if (state === UNKNOWN) return 'unknown';
  if (state !== undefined && state !== '') return state.toUpperCase().startsWith('ENABLED');
  return bool(r, true, 'isEnabled');
}

/** EventBridge rules with the topics their targets (EventTarget resources, or aws-native's inline `targets`) notify. */
function buildEventRules(ctxs: readonly GraphCtx[], topics: TopicIndex): EventRule[] {
  const ruleRows = rows(ctxs, 'eventRule');
  const ruleRefs = new RefIndex();
  const ruleUrns = new Set(ruleRows.map((r) => r.r.urn));
  for (const row of ruleRows) {
    ruleRefs.add(`${row.g.stack}\u0000${awsName(row.r)}`, row.r.urn);
    ruleRefs.add(arnOf(row.r), row.r.urn);
    ruleRefs.add(idOf(row.r), row.r.urn);
  }
  const ruleTopics = new Map<string, Set<string>>();
  const notify = (rule: string, ts: readonly string[]): void => {
    for (const t of ts) (ruleTopics.get(rule) ?? ruleTopics.set(rule, new Set()).get(rule)!).add(t);
  };
  for (const row of rows(ctxs, 'eventTarget')) {
    const v = str(row.r, 'rule');
    const rule = (v ? ruleRefs.get(`${row.g.stack}\u0000${v}`) ?? ruleRefs.get(v) : undefined) ?? edgeTargets(row, 'rule').find((u) => ruleUrns.has(u));
    if (rule) notify(rule, topics.resolve(row, 'arn'));
  }
  for (const row of ruleRows) {
    const arns = arr(propAny(row.r, 'targets')).map((t) => obj(t)?.['arn']).filter((a): a is string => typeof a === 'string');
    notify(row.r.urn, [...topics.byValues(arns), ...topics.resolve(row, 'targets')]);
  }
  return ruleRows.map((row) => {
    const pattern = jsonText(propAny(row.r, 'eventPattern'));
    // A rule on a schedule (no event pattern) reacts to no event, whatever its name or description says.
    const scheduled = pattern === undefined && knownStr(row.r, 'scheduleExpression') !== undefined;
    const e: Mutable<EventRule> = {
      ...entityBase(row, awsName(row.r), arnOf(row.r)),
      watches: scheduled ? 'other' : watchOf(pattern, str(row.r, 'description'), awsName(row.r)),
      topics: [...(ruleTopics.get(row.r.urn) ?? [])].sort(),
      enabled: ruleEnabled(row.r),
    };
    if (pattern !== undefined) e.pattern = pattern;
    else {
      const sched = knownStr(row.r, 'scheduleExpression');
      if (sched) e.pattern = sched;
    }
    return e;
  });
}

export function buildAudit(ctxs: readonly GraphCtx[], keys: KeyRegistry): Audit {
  const topics = topicIndex(ctxs);
  const buckets = bucketFacts(ctxs, keys);
  const filters = metricFilters(ctxs);
  return {
    trails: rows(ctxs, 'trail').map((row) => buildTrail(row, keys, buckets)),
    alarms: rows(ctxs, 'alarm').map((row) => buildAlarm(row, topics, filters)),
    eventRules: buildEventRules(ctxs, topics),
    topics: topics.topics,
  };
}
