/**
 * Operational procedures and troubleshooting, from the stack's own facts: how to rotate its secrets
 * now, how to revoke access, and where to look when access is denied or a rotation fails.
 */

import { code, md } from '../escape.ts';
import type { OperationsSection } from '../model.ts';
import type { PageContext } from './context.ts';
import { topicLabel } from './monitoring.ts';
import { rotationFunctionNames } from './rotation.ts';

export function operationsSection(c: PageContext): OperationsSection {
  const secrets = c.mine(c.estate.secrets);
  const rotated = secrets.filter((s) => s.rotation.enabled);
  const policies = c.mine(c.estate.policies);
  const principals = c.store.principals.filter((p) => p.stack === c.stack);
  const audit = c.store.auditOf(c.stack);
  const from = (x: { readonly stack: string }) => md(c.fromStack(x));
  const fns = rotationFunctionNames(c);
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
        fns.length ? `The rotation runs in ${fns.map(code).join(', ')}; follow it in the function's CloudWatch log group.` : 'The rotation function is not known to this estate.',
        'Services pick the new AWSCURRENT version up when their cached copy expires; restart them to force it.',
      ],
    });
  }
  if (policies.length > 0) {
    procedures.push({
      title: 'Access revocation',
      steps: [
        `Detach or narrow the policy in the Pulumi program and deploy (${code(`pulumi up --stack ${c.summary.stack}`)}); ${
          policies.length > 40 ? `this stack has ${policies.length} policies, listed under IAM policies above` : `the policies of this stack are ${policies.map((p) => md(p.name)).join(', ')}`
        }.`,
        'Regenerate these docs and check the access matrix above.',
      ],
    });
  }
  if (principals.length > 0 || denied.length > 0) {
    troubleshooting.push({
      issue: 'Access denied',
      checks: [
        'Check the principal in the access matrix above: the identity policy (within any permissions boundary) and, for SecureString parameters and secrets, the KMS key policy must both allow it.',
        ...denied.map((a) => `${md(a.name)}${from(a)} fires on denied calls and notifies ${notifies(a.topics)}.`),
        ...(audit.trails.length ? [`The call is recorded by trail ${audit.trails.map((t) => `${md(t.name)}${from(t)}`).join(', ')}.`] : []),
      ],
    });
  }
  if (rotated.length > 0 || rotationAlarms.length > 0) {
    troubleshooting.push({
      issue: 'Rotation failures',
      checks: [
        ...(fns.length ? [`Read the logs of ${fns.map(code).join(', ')}.`] : []),
        ...rotationAlarms.map((a) => `${md(a.name)}${from(a)} watches rotation failures and notifies ${notifies(a.topics)}.`),
        'A version left in AWSPENDING blocks the next rotation: check the secret versions (`aws secretsmanager list-secret-version-ids`).',
      ],
    });
  }
  return { hasProcedures: procedures.length > 0, procedures, hasTroubleshooting: troubleshooting.length > 0, troubleshooting };
}
