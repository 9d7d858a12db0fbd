/**
 * View 4, security_compliance_controls: "Which controls protect <env>, and do they hold?"
 * The defence-in-depth layers as bands (outside in), each holding this estate's controls marked
 * met / not met / not applicable from the compliance findings; a side column with audit and
 * detection (trail, alarms, rules, topics) and the frameworks with the controls mapped to them.
 * Failing controls come first and in red, and their count is in the title.
 * The audit pieces are those that serve the stack (the store's `auditOf`): its own, plus those of
 * the stacks it references and of account-level stacks, drawn muted with "from stack <name>"; never
 * a sibling environment's alarms. A control that applies to nothing is drawn as not applicable,
 * never as met.
 */

import { SEVERITIES, type ControlLayer, type Finding, type Severity } from '../compliance/types.ts';
import type { Audit, Role } from '../estate/model.ts';
import { cacheTtlLabel, keyName, listWithMore, lookup, servedLabel } from './common.ts';
import { byString, clip, D2Text, gridColumns, Ids, plural, q, wrap } from './d2text.ts';
import { compose, legendBlock, statusClass, TYPE, type LegendEntry } from './style.ts';
import type { View, ViewInput } from './types.ts';

const BANDS: readonly { layer: Exclude<ControlLayer, 'audit'>; title: string }[] = [
  { layer: 'in-transit', title: '1. Data in transit (TLS)' },
  { layer: 'iam', title: '2. IAM access control (policies, roles, boundaries)' },
  { layer: 'application', title: '3. Application security (authentication, credential caching)' },
  { layer: 'at-rest', title: '4. Data at rest (KMS keys, rotation, replicas)' },
];

const FRAMEWORKS: readonly { key: 'soc2' | 'iso27001' | 'gdpr'; title: string }[] = [
  { key: 'soc2', title: 'SOC 2 Type II' },
  { key: 'iso27001', title: 'ISO 27001' },
  { key: 'gdpr', title: 'GDPR' },
];

const STATUS_ORDER = { 'not-met': 0, met: 1, 'not-applicable': 2 } as const;
const sevRank = (s: Severity): number => SEVERITIES.indexOf(s);

function sortFindings(fs: readonly Finding[]): Finding[] {
  return [...fs].sort(
    (a, b) =>
      STATUS_ORDER[a.status] - STATUS_ORDER[b.status] || sevRank(a.severity) - sevRank(b.severity) || (a.ruleId < b.ruleId ? -1 : a.ruleId > b.ruleId ? 1 : 0),
  );
}

function findingLabel(f: Finding): string {
  const total = f.subjects.length;
  const failing = f.subjects.filter((s) => s.status === 'not-met').length;
  const status =
    f.status === 'not-met'
      ? `NOT MET: ${failing} of ${total} · ${f.severity}`
      : f.status === 'met'
        ? `met (${plural(total, 'resource')}) · ${f.severity}`
        : `not applicable · ${f.severity}`;
  return `${wrap(f.title, 30, 3)}\n${status}`;
}

/**
 * What the roles that may read secret values declare of their secret cache: all of them, some
 * (counted), or none. Roles that read no secret value (a rotation's, a describe-only one) do not count.
 */
function cacheFact(readers: readonly Role[]): string {
  if (readers.length === 0) return 'no role of this stack reads secret values';
  const declared = readers.map(cacheTtlLabel).filter((x): x is string => x !== undefined);
  if (declared.length === 0) return 'client secret cache: not declared';
  const ttls = [...new Set(declared)].sort().join(', ');
  return declared.length === readers.length ? `clients cache secrets (${ttls})` : `${declared.length} of ${plural(readers.length, 'secret reader')} cache (${ttls})`;
}

export function securityComplianceControls(input: ViewInput): View {
  const { estate, stack } = input;
  const l = lookup(estate);
  const env = servedLabel(l.store, stack, [...l.store.inStack(estate.parameters, stack), ...l.store.inStack(estate.secrets, stack), ...l.store.inStack(estate.keys, stack)]);
  const findings = sortFindings(input.findings.filter((f) => f.stack === stack));
  const failing = findings.filter((f) => f.status === 'not-met');
  const title = `Which controls protect ${env}, and do they hold?` + titleCount(findings, failing.length);
  const purpose = `The defence-in-depth layers of ${env} with the estate's actual controls, whether each holds, the audit trail and alerts, and the frameworks they map to.`;
  const t = new D2Text();
  const legendEntries: LegendEntry[] = [];
  for (const s of ['not-met', 'met', 'not-applicable'] as const) if (findings.some((f) => f.status === s)) legendEntries.push({ cls: statusClass(s) });
  const facts = layerFacts(input);

  const notes = findings.length
    ? [`${plural(findings.length, 'check')}: ${failing.length} not met, ${findings.filter((f) => f.status === 'met').length} met, ${findings.filter((f) => f.status === 'not-applicable').length} not applicable`]
    : ['no compliance checks were evaluated for this stack'];
  // One row: the bands | audit, frameworks and the legend.
  t.line('grid-rows: 1');
  t.line('grid-columns: 2');
  t.line('horizontal-gap: 40');
  defenceBands(t, findings, facts);

  // Side column: audit and detection, then frameworks.
  const audit = l.store.auditOf(stack);
  if ([...audit.trails, ...audit.topics, ...audit.alarms, ...audit.eventRules].some((x) => x.stack !== stack)) legendEntries.push({ cls: 'external' });
  const auditFindings = findings.filter((f) => f.layer === 'audit');
  t.block(`side: ${q('Audit, detection and frameworks')}`, (b) => {
    b.line('class: group');
    b.line(`style.font-size: ${TYPE.heading}`);
    b.line('grid-columns: 1');
    b.line('grid-gap: 16');
    auditBlock(b, audit, stack, auditFindings);
    frameworksBlock(b, findings);
    legendBlock(b, 'legend', { legend: legendEntries, notes, columns: 3, noteWidth: 60 });
  });
  const d2 = compose(
    { title, direction: 'right', layout: 'elk', pad: 20, ...(failing.length ? { titleColor: '#922B21' } : {}) },
    t,
  );
  return { name: 'security_compliance_controls', title, purpose, d2 };
}

/** The title's count: how many controls fail and how many are met, all met, or none applies. */
function titleCount(findings: readonly Finding[], failing: number): string {
  return findings.length === 0
    ? ''
    : failing
      ? ` (${plural(failing, 'control')} failing, ${findings.filter((f) => f.status === 'met').length} met)`
      : findings.some((f) => f.status === 'met')
        ? ` (all ${findings.filter((f) => f.status === 'met').length} that apply met)`
        : ' (no control applies)';
}

/** Facts of the estate per layer (what is there, independent of the checks). */
function layerFacts(input: ViewInput): Record<string, string | undefined> {
  const { estate, stack } = input;
  const params = lookup(estate).store.inStack(estate.parameters, stack);
  const secrets = lookup(estate).store.inStack(estate.secrets, stack);
  const keyUrns = new Set([...params.map((p) => p.keyUrn), ...secrets.map((s) => s.keyUrn)].filter((u): u is string => !!u));
  const keys = estate.keys.filter((k) => keyUrns.has(k.urn) || k.stack === stack).sort(byString((k) => keyName(k)));
  const l = lookup(estate);
  const roles = l.store.inStack(estate.roles, stack);
  const policies = l.store.inStack(estate.policies, stack);
  const secretReaders = roles.filter((r) => (l.access.get(r.urn)?.secretValues.length ?? 0) > 0);
  // What the listed keys encrypt: this stack's SecureStrings and secrets, and any stack's under this stack's own keys.
  const listed = new Map(keys.map((k) => [k.urn, k]));
  const underKeys = <T extends { readonly stack: string; readonly keyUrn?: string }>(xs: readonly T[]): number =>
    xs.filter((x) => x.keyUrn !== undefined && listed.has(x.keyUrn) && (x.stack === stack || listed.get(x.keyUrn)!.stack === stack)).length;
  const encrypted = `encrypt ${plural(underKeys(estate.parameters.filter((p) => p.type === 'SecureString')), 'SecureString')}, ${plural(underKeys(estate.secrets), 'secret')}`;
  return {
    'in-transit': undefined,
    iam: roles.length || policies.length ? `${plural(roles.length, 'role')}, ${plural(policies.length, 'policy', 'policies')} in ${stack}` : undefined,
    application: secrets.length ? `${secrets.filter((s) => s.rotation.enabled).length} of ${plural(secrets.length, 'secret')} rotate\n${cacheFact(secretReaders)}` : undefined,
    'at-rest': keys.length
      ? `KMS keys:\n${listWithMore(keys.map((k) => `${keyName(k)}${k.stack !== stack ? ` (stack ${k.stack})` : ''}`), 4).join('\n')}\n${encrypted}`
      : undefined,
  };
}

/** The defence-in-depth bands, outside in: each with its layer's facts and controls. */
function defenceBands(t: D2Text, findings: readonly Finding[], facts: Readonly<Record<string, string | undefined>>): void {
  t.block(`defence: ${q('Defence in depth (outside in)')}`, (b) => {
    b.line('class: group');
    b.line(`style.font-size: ${TYPE.heading}`);
    b.line('grid-columns: 1');
    b.line('grid-gap: 16');
    for (const band of BANDS) {
      const fs = findings.filter((f) => f.layer === band.layer);
      const bandFailing = fs.filter((f) => f.status === 'not-met').length;
      const head = `${band.title}${bandFailing ? ` · ${bandFailing} failing` : ''}`;
      const cells = fs.length + (facts[band.layer] ? 1 : 0);
      b.block(`${band.layer.replace('-', '_')}: ${q(head)}`, (c) => {
        c.line(`class: ${bandFailing ? 'warn' : 'lane'}`);
        c.line(`grid-columns: ${Math.max(1, gridColumns(Math.max(cells, 1), 4))}`);
        c.line('grid-gap: 10');
        const ids = new Ids('c_');
        const fact = facts[band.layer];
        if (fact) c.line(`facts: ${q(fact)} { class: ${band.layer === 'at-rest' ? 'key' : 'step'} }`);
        for (const f of fs) c.line(`${ids.id(f.ruleId)}: ${q(findingLabel(f))} { class: ${statusClass(f.status)} }`);
        if (cells === 0) c.line(`none: ${q('no checks evaluated for this layer')} { class: note }`);
      });
    }
  });
}

/** A piece of another stack says where it is from. */
function fromLine(x: { readonly stack: string }, stack: string): string {
  return x.stack === stack ? '' : `\nfrom stack ${x.stack}`;
}

/** A piece of another stack is drawn muted. */
function pieceClass(x: { readonly stack: string }, stack: string): string {
  return x.stack === stack ? 'step' : 'external';
}

/** Audit and alerting: the trails, topics, alarms and event rules that serve the stack, and the audit controls. */
function auditBlock(b: D2Text, audit: Audit, stack: string, auditFindings: readonly Finding[]): void {
  b.block(`audit: ${q('Audit and alerting')}`, (a) => {
    a.line('class: lane');
    a.line('icon: ${icon_cloudtrail}');
    a.line('grid-columns: 2');
    a.line('grid-gap: 10');
    const ids = new Ids('a_');
    for (const tr of audit.trails) {
      const props = [
        tr.multiRegion === true ? 'multi-region' : tr.multiRegion === false ? 'single region' : 'region scope unknown',
        tr.logFileValidation === true ? 'log validation' : tr.logFileValidation === false ? 'NO log validation' : 'log validation unknown',
        // The trail's own key, else its bucket's default encryption (as the page's Monitoring table).
        tr.keyUrn || tr.kmsKeyId
          ? 'KMS-encrypted'
          : tr.bucketEncryption.kind === 'sse-kms'
            ? 'bucket SSE-KMS'
            : tr.bucketEncryption.kind === 'sse-s3'
              ? 'not KMS-encrypted'
              : 'log encryption unknown',
        tr.bucketPublicAccessBlocked === true ? 'bucket private' : tr.bucketPublicAccessBlocked === false ? 'bucket NOT blocked' : '',
      ].filter(Boolean);
      a.line(`${ids.id(`trail:${tr.name}`)}: ${q(`CloudTrail ${clip(tr.name, 36)}\n${props.join(' · ')}${tr.events.length ? `\n${listWithMore(tr.events, 3).join(', ')}` : ''}${fromLine(tr, stack)}`)} { class: ${pieceClass(tr, stack)} }`);
    }
    for (const tp of audit.topics) {
      a.line(`${ids.id(`topic:${tp.name}`)}: ${q(`SNS ${clip(tp.name, 36)}\n${plural(tp.subscriptions.length, 'subscription')}${fromLine(tp, stack)}`)} { class: ${pieceClass(tp, stack)} }`);
    }
    const topicName = new Map(audit.topics.map((tp) => [tp.urn, tp.name]));
    const notifies = (topics: readonly string[]): string => {
      const names = topics.map((u) => topicName.get(u)).filter((n): n is string => !!n);
      return names.length ? `\n→ SNS ${listWithMore(names.map((n) => clip(n, 30)), 2).join(', ')}` : '';
    };
    const watchers = [
      ...audit.alarms.map((x) => ({ kind: 'alarm', x, label: `alarm ${clip(x.name, 36)}\n${x.watches === 'other' ? (x.metricName ?? 'metric') : x.watches}${notifies(x.topics)}${fromLine(x, stack)}` })),
      ...audit.eventRules.map((x) => ({ kind: 'rule', x, label: `EventBridge ${clip(x.name, 34)}\n${x.watches}${notifies(x.topics)}${fromLine(x, stack)}` })),
    ];
    for (const w of watchers) a.line(`${ids.id(`${w.kind}:${w.x.name}`)}: ${q(w.label)} { class: ${pieceClass(w.x, stack)} }`);
    for (const f of auditFindings) a.line(`${ids.id(`finding:${f.ruleId}`)}: ${q(findingLabel(f))} { class: ${statusClass(f.status)} }`);
    if (!audit.trails.length && !audit.alarms.length && !audit.eventRules.length && !auditFindings.length) {
      a.line(`none: ${q('no trail, alarm or event rule serves this stack')} { class: warn }`);
    }
  });
}

/** The compliance frameworks, each with the controls the checks map to and whether they hold. */
function frameworksBlock(b: D2Text, findings: readonly Finding[]): void {
  b.block(`frameworks: ${q('Compliance frameworks (controls mapped)')}`, (fw) => {
    fw.line('class: lane');
    fw.line('grid-columns: 3');
    fw.line('grid-gap: 10');
    for (const f of FRAMEWORKS) {
      const byControl = new Map<string, Finding[]>();
      for (const x of findings) for (const c of x.frameworks[f.key]) byControl.set(c, [...(byControl.get(c) ?? []), x]);
      const lines = [...byControl]
        .sort(byString(([c]) => c))
        .map(([c, xs]) => `${c} ${xs.some((x) => x.status === 'not-met') ? 'NOT MET' : xs.every((x) => x.status === 'not-applicable') ? 'n/a' : 'met'}`);
      const anyFail = [...byControl.values()].some((xs) => xs.some((x) => x.status === 'not-met'));
      const allNa = [...byControl.values()].every((xs) => xs.every((x) => x.status === 'not-applicable'));
      const cls = lines.length === 0 || allNa ? 'status-not-applicable' : anyFail ? 'status-not-met' : 'status-met';
      fw.line(`${f.key}: ${q(`${f.title}\n${lines.length ? listWithMore(lines, 8).join('\n') : 'no mapped checks'}`)} { class: ${cls} }`);
    }
  });
}
