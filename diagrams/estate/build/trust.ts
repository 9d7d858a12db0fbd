/**
 * A role's trust, from its trust policy: the kind of principal that assumes it (EKS pod through
 * IRSA or Pod Identity, Lambda, EC2, another account, a CI build, another AWS service), the
 * principals, the EKS service account, and for another account whether it requires an external id.
 */

import type { Mutable } from '../../util/collections.ts';
import type { Condition, PolicyDocument, Trust, TrustKind } from '../model.ts';
import { splitArn } from '../iam/arn.ts';
import { tag } from '../props.ts';

const TRUST_KINDS: ReadonlySet<string> = new Set<TrustKind>(['eks-pod', 'lambda', 'ec2', 'cross-account', 'ci-build', 'service', 'other']);

/**
 * The trust of a role from its trust policy. When the policy cannot be read (unknown, or redacted
 * because it holds a secret), `TrustKind` / `TrustedAccount` / `Namespace` / `ServiceAccount` tags
 * are used if the role has them. A redacted trust policy of a cross-account role is counted as
 * requiring an external id: the external id is the one secret value a trust policy holds.
 */
export function trustOf(
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
  // Another account (or any, `*`) may assume it, whatever else does: said of every kind of trust.
  // A `*` statement limited to the own account (aws:PrincipalAccount, or aws:PrincipalArn of it) is not.
  const anyAccount = doc.statements.some((s) => s.effect === 'Allow' && (s.principals?.any === true || (s.principals?.AWS ?? []).includes('*')) && !limitedToAccount(s.conditions, ownAccount));
  const foreign = aws.map((a) => (/^\d{12}$/.test(a) ? a : splitArn(a)?.account)).find((a) => a !== undefined && /^\d{12}$/.test(a) && a !== ownAccount);
  if (foreign !== undefined || anyAccount) {
    trust.crossAccount = { accountId: foreign ?? '*', requiresExternalId: conditions.some((c) => c.key.toLowerCase() === 'sts:externalid') };
  }
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
  else if (trust.crossAccount !== undefined) setKind('cross-account');
  else if (services.length > 0) setKind('service');
  return trust;
}

/** Whether the conditions limit the callers to `account`: aws:PrincipalAccount equal to it, or aws:PrincipalArn values all in it. */
function limitedToAccount(conditions: readonly Condition[], account: string | undefined): boolean {
  if (account === undefined) return false;
  return conditions.some((c) => {
    if (!/^(StringEquals|StringLike|ArnEquals|ArnLike)$/i.test(c.operator) || c.values.length === 0) return false;
    const key = c.key.toLowerCase();
    if (key === 'aws:principalaccount') return c.values.every((v) => v === account);
    if (key === 'aws:principalarn') return c.values.every((v) => /^arn:[^:]+:(?:iam|sts)::(\d{12}):/.exec(v)?.[1] === account);
    return false;
  });
}
