/**
 * Monitoring and audit: the trails, alarms and event rules that serve the stack (its own and those
 * of the stacks it references and of account-level stacks, marked with their stack), with how each
 * trail's logs are encrypted (the trail's key, else its bucket's default encryption). An event rule
 * that watches nothing of interest and notifies nobody (a schedule) is not an alarm and is left out.
 */

import type { Trail } from '../../estate/model.ts';
import { code, md } from '../escape.ts';
import { AWS_KEY, keyLabel } from '../format.ts';
import { table, type MonitoringSection } from '../model.ts';
import type { PageContext } from './context.ts';

export function trailKey(c: PageContext, t: Trail): string {
  if (t.keyUrn !== undefined || (t.kmsKeyId !== undefined && t.kmsKeyId !== '')) return keyLabel(c.store, t.keyUrn, t.kmsKeyId, AWS_KEY.cloudtrail);
  const e = t.bucketEncryption;
  if (e.kind === 'sse-kms') return `bucket default SSE-KMS (${keyLabel(c.store, e.keyUrn, e.keyId, AWS_KEY.s3)})`;
  if (e.kind === 'sse-s3') return 'none: SSE-S3 (S3-managed keys)';
  return 'not known (bucket not in the loaded stacks)';
}

export function topicLabel(c: PageContext, urn: string): string {
  const t = c.estate.audit.topics.find((x) => x.urn === urn);
  if (!t) return md(urn);
  const subs = t.subscriptions.map((s) => `${md(s.protocol)}: ${md(s.endpoint)}`).join(', ');
  return `${md(t.name)}${subs ? ` (${subs})` : ''}`;
}

export function monitoringSection(c: PageContext): MonitoringSection {
  const audit = c.store.auditOf(c.stack);
  const from = (x: { readonly stack: string }) => md(c.fromStack(x));
  const trailTable = table(
    ['Trail', 'Multi-region', 'Log file validation', 'Log encryption', 'Bucket', 'Audited events'],
    audit.trails.map((t) => [
      `${md(t.name)}${from(t)}`,
      String(t.multiRegion),
      String(t.logFileValidation),
      code(trailKey(c, t)),
      `${md(t.bucket ?? '')}${t.bucketPublicAccessBlocked === true ? ' (public access blocked)' : t.bucketPublicAccessBlocked === false ? ' (**public access not blocked**)' : ''}`,
      t.events.map(md).join('<br>'),
    ]),
  );
  const rules = audit.eventRules.filter((r) => r.watches !== 'other' || r.topics.length > 0);
  const alarmTable = table(
    ['Alarm or rule', 'Watches', 'Metric or pattern', 'Notifies'],
    [
      ...audit.alarms.map((a) => [`${md(a.name)}${from(a)}`, a.watches, md([a.namespace, a.metricName].filter(Boolean).join(' / ')), a.topics.map((u) => topicLabel(c, u)).join('<br>') || 'nobody']),
      ...rules.map((r) => [`${md(r.name)}${from(r)}`, r.watches, code(r.pattern ?? ''), r.topics.map((u) => topicLabel(c, u)).join('<br>') || 'nobody']),
    ],
  );
  const refs = c.summary.references.length > 0;
  return {
    hasTrails: audit.trails.length > 0,
    trailTable,
    hasAlarms: audit.alarms.length + rules.length > 0,
    alarmTable,
    monitoringIntro: refs
      ? `What records and watches this stack: its own trails, alarms and event rules, and those of the stacks it references (${c.summary.references.map(md).join(', ')}) and of account-level stacks that serve it, marked with their stack; other environments' alarms are not listed.`
      : '',
    noTrails: `No CloudTrail trail in this stack${refs ? ' or in the stacks it uses' : ''}.`,
    noAlarms: `No alarms or event rules that watch it in this stack${refs ? ' or in the stacks it uses' : ''}.`,
  };
}
