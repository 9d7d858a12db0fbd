/**
 * Data in transit (SEC-010): the AWS endpoints of Parameter Store, Secrets Manager and KMS accept
 * TLS only, which no configuration can change; what an estate can add is a resource policy that
 * refuses any request made without TLS (a Deny on `aws:SecureTransport` false), so that the
 * guarantee is written into the secret's and the key's own policy. The rule checks that policy.
 */

import type { PolicyDocument, PolicyStatement } from '../../estate/model.ts';
import { coversAction } from '../../estate/iam/actions.ts';
import { ResourcePattern, splitArn } from '../../estate/iam/arn.ts';
import type { FindingSubject } from '../types.ts';
import { fw, subject, type Rule } from './context.ts';

/**
 * Whether a statement's `Resource` covers the secret or key whose policy it is: absent, `*`, a
 * pattern matching the resource's own ARN, or (ARN not known) a pattern for every secret or key.
 */
function coversResource(st: PolicyStatement, arn: string | undefined): boolean {
  if (st.notResources !== undefined) return false;
  if (st.resources === undefined || st.resources.includes('*')) return true;
  const own = arn !== undefined ? splitArn(arn) : undefined;
  if (own !== undefined && st.resources.some((r) => new ResourcePattern(r).match(own) === 'sure')) return true;
  return st.resources.some((r) => /:(secret|key)[:/]\*$/.test(r) || r.endsWith(':*'));
}

/**
 * A Deny for everyone of `action` on the resource when `aws:SecureTransport` is false, and on
 * nothing else: another condition (an account, an address) would narrow the Deny to some callers.
 */
function deniesWithoutTls(st: PolicyStatement, action: string, arn: string | undefined): boolean {
  if (st.effect !== 'Deny') return false;
  const everyone = st.principals?.any === true || (st.principals?.AWS ?? []).includes('*');
  if (!everyone || !coversAction(st, action) || !coversResource(st, arn)) return false;
  const tls = (c: PolicyStatement['conditions'][number]): boolean => /^bool(ifexists)?$/i.test(c.operator) && c.key.toLowerCase() === 'aws:securetransport' && c.values.some((v) => v.toLowerCase() === 'false');
  return st.conditions.length > 0 && st.conditions.every(tls);
}

function refusesPlaintext(doc: PolicyDocument | undefined, action: string, arn: string | undefined): boolean {
  return doc !== undefined && doc.statements.some((st) => deniesWithoutTls(st, action, arn));
}

export const tlsInTransit: Rule = {
  id: 'SEC-010',
  slug: 'tls-only-policies',
  title: 'Secret and key policies refuse non-TLS requests',
  severity: 'low',
  layer: 'in-transit',
  rationale:
    'The AWS endpoints accept TLS only today; a resource policy that denies every request without TLS (aws:SecureTransport false) keeps that guarantee in the secret\'s and the key\'s own policy, whatever endpoint, proxy or SDK a reader uses.',
  remediation:
    'Add to each secret\'s resource policy and each key policy a statement `{"Effect": "Deny", "Principal": "*", "Action": "*", "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}` (for a secret, `secretsmanager:*`; for a key, `kms:*`).',
  frameworks: fw(['CC6.7'], ['A.8.24', 'A.5.14'], ['Art. 32(1)(a)']),
  evaluate(ctx) {
    const out: FindingSubject[] = [];
    for (const s of ctx.inStack(ctx.estate.secrets)) {
      if (refusesPlaintext(s.policy, 'secretsmanager:GetSecretValue', s.arn)) out.push(subject(s, true, 'resource policy denies requests without TLS'));
      else out.push(subject(s, false, s.policy === undefined ? 'no resource policy: nothing refuses a request without TLS' : 'resource policy does not deny requests without TLS'));
    }
    for (const k of ctx.inStack(ctx.estate.keys)) {
      if (refusesPlaintext(k.policy, 'kms:Decrypt', k.arn)) out.push(subject(k, true, 'key policy denies requests without TLS'));
      else out.push(subject(k, false, k.policy === undefined ? 'default key policy: nothing refuses a request without TLS' : 'key policy does not deny requests without TLS'));
    }
    return out;
  },
};
