/**
 * Operational procedures and troubleshooting, from the stack's own facts: how to rotate its secrets
 * now, how to revoke access, and where to look when access is denied or a rotation fails.
 */

import type { Secret } from '../../estate/model.ts';
import { compareStrings } from '../../util/collections.ts';
import { code, md } from '../escape.ts';
import { duration, externalPolicyLabel } from '../format.ts';
import type { OperationsSection } from '../model.ts';
import type { PageContext } from './context.ts';
import { topicLabel } from './monitoring.ts';
import { rotationFunctionNames, rotationFunctionsText } from './rotation.ts';

/**
 * When readers see a rotated value: on their next read, or when the cache their role declares
 * (`SecretCacheTtl`) expires. Only declared caches are named; without one, the page says so.
 */
function cacheStep(c: PageContext, rotated: readonly Secret[]): string {
  const readers = new Map<string, { name: string; ttl?: number }>();
  for (const s of rotated) {
    for (const r of c.store.readersOf(s.urn)) {
      const role = r.kind === 'secret-value' ? c.store.findPrincipal(r.principal)?.role : undefined;
      if (role === undefined || c.store.isRotationRole(role.urn)) continue;
      readers.set(role.urn, { name: role.name, ...(role.secretCacheTtlSeconds !== undefined ? { ttl: role.secretCacheTtlSeconds } : {}) });
    }
  }
  const declared = [...readers.values()].filter((r) => r.ttl !== undefined).sort((a, b) => compareStrings(a.name, b.name));
  if (declared.length === 0) {
    return 'Readers get the new AWSCURRENT version on their next read; no reading role declares a secret cache (tag `SecretCacheTtl`), so how long a service keeps an old copy is not known here: restart it to force the new version.';
  }
  const others = readers.size - declared.length;
  return `Readers get the new AWSCURRENT version on their next read, or when their cached copy expires: ${declared.map((r) => `${md(r.name)} caches for ${duration(r.ttl!)}`).join(', ')} (tag \`SecretCacheTtl\`)${others > 0 ? `; ${others} other reading role${others === 1 ? ' declares' : 's declare'} no cache` : ''}. Restart a service to force the new version.`;
}

/** `AdministratorAccess (AWS-managed) on payments-admins, ...`: policies the stack's principals have by ARN. */
function attachedByArn(c: PageContext): string[] {
  const out: string[] = [];
  for (const p of c.store.principals) {
    const h = p.stack === c.stack ? (p.role ?? p.user ?? p.group) : undefined;
    for (const arn of h?.externalPolicies ?? []) out.push(`${externalPolicyLabel(arn)} on ${md(p.name)}`);
  }
  return out.sort(compareStrings);
}

export function operationsSection(c: PageContext): OperationsSection {
  const secrets = c.mine(c.estate.secrets);
  const rotated = secrets.filter((s) => s.rotation.enabled);
  const encrypted = secrets.length > 0 || c.mine(c.estate.parameters).some((p) => p.type === 'SecureString');
  const policies = c.mine(c.estate.policies);
  const principals = c.store.principals.filter((p) => p.stack === c.stack);
  const audit = c.store.auditOf(c.stack);
  const from = (x: { readonly stack: string }) => md(c.fromStack(x));
  const fns = rotationFunctionsText(c);
  const fnNames = rotationFunctionNames(c);
  const watchers = [...audit.alarms, ...audit.eventRules];
  const denied = watchers.filter((a) => a.watches === 'access-denied');
  const rotationAlarms = watchers.filter((a) => a.watches === 'rotation-failure');
  const notifies = (topics: readonly string[]) => topics.map((u) => topicLabel(c, u)).join(', ') || 'nobody';
  const procedures: { title: string; steps: string[] }[] = [];
  const troubleshooting: { issue: string; checks: string[] }[] = [];
  if (rotated.length > 0) {
    procedures.push({
      title: 'Credential compromise: rotate immediately',
      steps: [
        `Start a rotation now: ${code(`aws secretsmanager rotate-secret --secret-id ${rotated[0]!.name}`)} (this stack rotates ${rotated.length} secret${rotated.length === 1 ? '' : 's'}).`,
        fns ? `The rotation runs in ${fns}; follow it in the function's CloudWatch log group.` : 'The rotation function is not known to this estate.',
        cacheStep(c, rotated),
      ],
    });
  }
  const byArn = attachedByArn(c);
  if (policies.length > 0 || byArn.length > 0) {
    const own =
      policies.length === 0 ? '' : policies.length > 40 ? `this stack has ${policies.length} policies, listed under IAM policies above` : `the policies of this stack are ${policies.map((p) => md(p.name)).join(', ')}`;
    const arns = byArn.length === 0 ? '' : `it attaches by ARN ${byArn.length > 40 ? `${byArn.length} policies, listed under Principals above` : byArn.join(', ')}`;
    procedures.push({
      title: 'Access revocation',
      steps: [`Detach or narrow the policy in the Pulumi program and deploy (${code(`pulumi up --stack ${c.summary.stack}`)}); ${[own, arns].filter(Boolean).join('; ')}.`, 'Regenerate these docs and check the access matrix above.'],
    });
  }
  if (principals.length > 0 || denied.length > 0) {
    troubleshooting.push({
      issue: 'Access denied',
      checks: [
        encrypted
          ? 'Check the principal in the access matrix above: the identity policy (within any permissions boundary) and, for SecureString parameters and secrets, the KMS key policy must both allow it.'
          : 'Check the principal in the access matrix above: its identity policy (within any permissions boundary) must allow the call, and for a KMS key the key policy too.',
        ...denied.map((a) => `${md(a.name)}${from(a)} fires on denied calls and notifies ${notifies(a.topics)}.`),
        ...(audit.trails.length ? [`The call is recorded by trail ${audit.trails.map((t) => `${md(t.name)}${from(t)}`).join(', ')}.`] : []),
      ],
    });
  }
  if (rotated.length > 0 || rotationAlarms.length > 0) {
    troubleshooting.push({
      issue: 'Rotation failures',
      checks: [
        ...(fnNames.length ? [`Read the logs of ${fnNames.map(code).join(', ')}.`] : []),
        ...rotationAlarms.map((a) => `${md(a.name)}${from(a)} watches rotation failures and notifies ${notifies(a.topics)}.`),
        'A version left in AWSPENDING blocks the next rotation: check the secret versions (`aws secretsmanager list-secret-version-ids`).',
      ],
    });
  }
  return { hasProcedures: procedures.length > 0, procedures, hasTroubleshooting: troubleshooting.length > 0, troubleshooting };
}
