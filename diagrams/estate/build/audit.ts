/**
 * Audit and alerting: CloudTrail trails (multi-region, log validation, KMS key, the bucket's public
 * access blocks and encryption, the events recorded), CloudWatch alarms (with the metric filters
 * that feed them), EventBridge rules and their targets, and the SNS topics they notify.
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


export function buildAudit(ctxs: readonly GraphCtx[], keys: KeyRegistry): Audit {
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
    ...entityBase(row, awsName(row.r), arnOf(row.r) ?? (idOf(row.r)?.startsWith('arn:') ? idOf(row.r) : undefined)),
    subscriptions: (subsOf.get(row.r.urn) ?? []).sort((a, b) => compareStrings(a.protocol, b.protocol) || compareStrings(a.endpoint, b.endpoint)),
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
  // Default bucket encryption: the bucket's own configuration (v1 inline, aws-native), or a separate resource.
  const encByBucket = new Map<string, Trail['bucketEncryption']>(); // bucket name or URN -> encryption
  const encryptionOf = (row: Row, rules: readonly JsonValue[]): Trail['bucketEncryption'] | undefined => {
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
  };
  for (const row of bucketRows) {
    const cfg = obj(arr(propAny(row.r, 'serverSideEncryptionConfiguration', 'bucketEncryption'))[0]);
    const rules = arr(cfg?.['rule'] ?? cfg?.['rules'] ?? cfg?.['serverSideEncryptionConfiguration']);
    const e = encryptionOf(row, rules);
    if (e === undefined) continue;
    encByBucket.set(row.r.urn, e);
    const n = bucketNameOf.get(row.r.urn);
    if (n) encByBucket.set(n, e);
  }
  for (const row of rows(ctxs, 'bucketEncryption')) {
    const e = encryptionOf(row, arr(propAny(row.r, 'rules', 'rule')));
    if (e === undefined) continue;
    const b = knownStr(row.r, 'bucket');
    if (b) encByBucket.set(b, e);
    for (const to of edgeTargets(row, 'bucket')) encByBucket.set(to, e);
  }
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
      ...entityBase(row, awsName(row.r), arnOf(row.r)),
      multiRegion: bool(row.r, false, 'isMultiRegionTrail'),
      logFileValidation: bool(row.r, false, 'enableLogFileValidation'),
      bucketPublicAccessBlocked: 'unknown',
      bucketEncryption: { kind: 'unknown' },
      events: trailEvents(row.r),
    };
    const kms = str(row.r, 'kmsKeyId');
    if (kms !== undefined && kms !== '') t.kmsKeyId = kms;
    const keyUrn = keys.resolve(row, 'kmsKeyId');
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
    // Since January 2023 S3 encrypts every new object with SSE-S3 at least: a known bucket without another setting is SSE-S3.
    const enc = (bucket && bucket !== UNKNOWN ? encByBucket.get(bucket) : undefined) ?? (bucketUrn ? encByBucket.get(bucketUrn) ?? encByBucket.get(bucketNameOf.get(bucketUrn) ?? '') : undefined);
    if (enc) t.bucketEncryption = enc;
    else if ((bucket && knownBuckets.has(bucket)) || bucketUrn) t.bucketEncryption = { kind: 'sse-s3' };
    return t;
  });

  const alarms: Alarm[] = rows(ctxs, 'alarm').map((row) => {
    const metricName = knownStr(row.r, 'metricName');
    const namespace = knownStr(row.r, 'namespace');
    const filters = logFilters.filter((f) => f.metric !== undefined && f.metric === metricName && (namespace === undefined || f.namespace === undefined || f.namespace === namespace));
    const a: Mutable<Alarm> = {
      ...entityBase(row, awsName(row.r), arnOf(row.r)),
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
      ...entityBase(row, awsName(row.r), arnOf(row.r)),
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
  return { trails, alarms, eventRules, topics };
}
