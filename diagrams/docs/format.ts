/**
 * Shared formatting of the docs sections: key and rotation labels, the source line, principal
 * kinds, money, the page limits past which an inventory goes to a CSV file, and the CSV writer.
 */

import type { Secret, SecretCategory, StackSummary } from '../estate/model.ts';
import { daysText } from '../util/collections.ts';
import { isAwsManagedKeyId, type PrincipalEntry, type Store } from '../estate/store.ts';
import { code, link, md, replaceControls, wellFormed } from './escape.ts';
import type { Attachment, AttachmentLink } from './model.ts';

/** Rows a page shows inline before the inventory goes to a CSV file beside it. */
export const PAGE_ROWS = 200;
/** Principals the access matrix shows as columns; past this it is one row per principal. */
export const MATRIX_MAX_COLUMNS = 40;

/** The default AWS-managed key of a service, as a resource without a key uses it. */
export const AWS_KEY = Object.freeze({ ssm: 'alias/aws/ssm', secretsmanager: 'alias/aws/secretsmanager', cloudtrail: 'alias/aws/cloudtrail', s3: 'alias/aws/s3' });

/**
 * The AWS-managed key (`alias/aws/...`) a resource is encrypted with: the one its key id names, or
 * `awsDefault` when it names none; undefined for a customer-managed key (of the estate or not).
 */
export function awsManagedKey(store: Store, keyUrn: string | undefined, keyId: string | undefined, awsDefault: string): string | undefined {
  if (store.findKey(keyUrn) !== undefined) return undefined;
  if (keyId === undefined || keyId === '') return awsDefault;
  return isAwsManagedKeyId(keyId) ? keyId.replace(/^.*(alias\/)/, '$1') : undefined;
}

/** A key for a table cell: the estate key's first alias or name, `alias/aws/... (AWS managed)`, or the key id as given. */
export function keyLabel(store: Store, keyUrn: string | undefined, keyId: string | undefined, awsDefault: string): string {
  const k = store.findKey(keyUrn);
  if (k) return k.aliases[0] ?? k.name;
  const managed = awsManagedKey(store, keyUrn, keyId, awsDefault);
  return managed !== undefined ? `${managed} (AWS managed)` : keyId!;
}

export function rotationLabel(s: Secret): string {
  if (!s.rotation.enabled) return 'not rotated';
  if (s.rotation.intervalDays !== undefined) return `every ${daysText(s.rotation.intervalDays)}`;
  return s.rotation.scheduleExpression ?? 'enabled (schedule unknown)';
}

export const CATEGORY_LABEL: Readonly<Record<SecretCategory, string>> = {
  database: 'Database secrets',
  application: 'Application secrets',
  service: 'Service secrets',
  other: 'Other secrets',
};
export const CATEGORY_ORDER: readonly SecretCategory[] = ['database', 'application', 'service', 'other'];

export const TRUST_LABEL: Readonly<Record<string, string>> = {
  'eks-pod': 'EKS pod (IRSA)',
  lambda: 'Lambda execution',
  ec2: 'EC2 instance role',
  'cross-account': 'cross-account',
  'ci-build': 'CI build',
  service: 'AWS service',
  other: 'other',
};

export const SEVERITY_RANK: Readonly<Record<string, number>> = { critical: 0, high: 1, medium: 2, low: 3 };
export const STATUS_LABEL: Readonly<Record<string, string>> = { met: 'met', 'not-met': '**NOT MET**', 'not-applicable': 'n/a' };

/** Seconds as `90 s`, `15 min`, `2 h`, `1 d`: the largest unit that divides them. */
export function duration(seconds: number): string {
  for (const [unit, n] of [['d', 86_400], ['h', 3_600], ['min', 60]] as const) if (seconds >= n && seconds % n === 0) return `${seconds / n} ${unit}`;
  return `${seconds} s`;
}

/** A policy attached by ARN for a cell: `AdministratorAccess (AWS-managed)`, or the ARN of a policy defined elsewhere. */
export function externalPolicyLabel(arn: string): string {
  const m = /^arn:aws[\w-]*:iam::aws:policy\/(?:.*\/)?([^/]+)$/.exec(arn);
  return m ? `${md(m[1]!)} (AWS-managed)` : code(arn);
}

export function usd(n: number): string {
  return `$${n.toFixed(2)}`;
}

/**
 * What a page was generated from, without where the file was: the source kind and format, the
 * deployment time and Pulumi version where the state records them.
 */
export function sourceText(s: Pick<StackSummary, 'project' | 'stack' | 'deployedAt' | 'pulumiVersion'> & { readonly source: { readonly kind: string; readonly format: string } }): string {
  const { kind, format } = s.source;
  // A format that already names the kind ('program (mocks)', 'preview') is not repeated after it.
  const what = format === kind || format.startsWith(`${kind} `) ? format : `${kind} (${format})`;
  const parts = [what, `${s.project}/${s.stack}`];
  if (s.deployedAt) parts.push(`deployed ${s.deployedAt}`);
  if (s.pulumiVersion) parts.push(`Pulumi ${s.pulumiVersion}`);
  return parts.join(', ');
}

/** A principal's kind in words, for tables. */
export function principalKind(p: PrincipalEntry): string {
  if (p.role) {
    const t = p.role.trust;
    const eks = t.eks ? ` (${[t.eks.namespace, t.eks.serviceAccount].filter(Boolean).join('/')})` : '';
    const x = t.crossAccount ? ` from ${t.crossAccount.accountId}${t.crossAccount.requiresExternalId ? ', external id required' : ''}` : '';
    return `role: ${TRUST_LABEL[t.kind] ?? t.kind}${eks}${x}`;
  }
  if (p.user) return 'IAM user';
  if (p.group) return 'IAM group';
  switch (p.kind) {
    case 'account':
      return 'another account';
    case 'service':
      return 'AWS service';
    case 'any':
      return 'any AWS principal';
    default:
      return `${p.kind} of another account`;
  }
}

/** The name of a principal for a table cell, with its stack when it is not the page's. */
export function principalName(p: PrincipalEntry, stack: string): string {
  return `${md(p.name)}${p.stack !== undefined && p.stack !== stack ? ` (stack ${md(p.stack)})` : ''}`;
}

/** A key's name for a table cell, with its stack when it is not the page's. */
export function keyCellName(k: { readonly aliases: readonly string[]; readonly name: string; readonly stack: string }, stack: string): string {
  return `${code(k.aliases[0] ?? k.name)}${k.stack !== stack ? ` (stack ${md(k.stack)})` : ''}`;
}

// ─── CSV ────────────────────────────────────────────────────────────────────────────

/**
 * One CSV field: one line, well-formed (unpaired surrogates as U+FFFD), control and bidi characters
 * as `\u{XXXX}`, quoted when needed; a leading `= + - @` is prefixed with `'` so that a spreadsheet
 * never runs it.
 */
function field(v: string | number): string {
  let s = replaceControls(wellFormed(String(v).replace(/\r\n|\r|\n/g, ' ')));
  if (/^[=+\-@\t]/.test(s)) s = `'${s}`;
  return /[",]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csv(headers: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  return [headers, ...rows].map((r) => r.map(field).join(',')).join('\n') + '\n';
}

export const NO_ATTACHMENT: AttachmentLink = Object.freeze({ has: false, link: '', text: '' });

/** Records an attachment and returns its link. */
export function attach(out: Attachment[], name: string, contents: string, text: string): AttachmentLink {
  out.push({ name, contents });
  return { has: true, link: link(name, name), text };
}
