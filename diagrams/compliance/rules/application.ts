/**
 * Application security: service roles least-privilege (SEC-030), build roles read no secrets
 * (SEC-031), and rotation functions can rotate their secrets (SEC-032).
 */

import type { PolicyStatement } from '../../estate/model.ts';
import { KEY_ADMIN, PARAMETER_WRITE, SECRET_ROTATE, SECRET_WRITE } from '../../estate/iam/actions.ts';
import { wildcardMatch } from '../../estate/iam/arn.ts';
import type { FindingSubject } from '../types.ts';
import { fw, list, plural, subject, type AppliedStatement, type Rule } from './context.ts';
import { grantedActions, secretValueReach } from './iam.ts';

/** Action wildcards that grant a whole service (or everything) at once. */
function serviceWildcards(st: PolicyStatement): string[] {
  if (st.effect !== 'Allow') return [];
  if (st.notActions !== undefined) return [`NotAction ${st.notActions.join(',')}`];
  return (st.actions ?? []).filter((a) => /^(\*|(ssm|secretsmanager|kms):\*)$/i.test(a));
}

const WILDCARD_SERVICES = ['ssm', 'secretsmanager', 'kms'] as const;

/** The services a wildcard (or NotAction) reaches whole. */
function wildcardServices(w: string): string[] {
  const m = /^(ssm|secretsmanager|kms):\*$/i.exec(w);
  return m ? [m[1]!.toLowerCase()] : [...WILDCARD_SERVICES];
}

const MORE_THAN_READ: readonly string[] = [...PARAMETER_WRITE, ...SECRET_WRITE, ...KEY_ADMIN];

/**
 * The more-than-reading problems of a role's statements. With a known permissions boundary the
 * effective permissions are the intersection: a wildcard counts only for services the boundary
 * also grants whole, a write only when the boundary allows it too.
 */
function moreThanReading(statements: readonly AppliedStatement[], boundary: readonly PolicyStatement[] | 'unknown' | undefined): Set<string> {
  const bounded = Array.isArray(boundary) ? (boundary as readonly PolicyStatement[]) : undefined;
  const boundaryWild = new Set((bounded ?? []).flatMap((st) => serviceWildcards(st).flatMap(wildcardServices)));
  const problems = new Set<string>();
  for (const { st, policy, managed } of statements) {
    const via = managed ? ` (AWS-managed ${policy})` : '';
    const wild = serviceWildcards(st).filter((w) => bounded === undefined || wildcardServices(w).some((x) => boundaryWild.has(x)));
    for (const w of wild) problems.add(`action ${w}${via}`);
    const writes = grantedActions(st, MORE_THAN_READ).filter((a) => bounded === undefined || bounded.some((b) => grantedActions(b, [a]).length > 0));
    if (writes.length > 0 && wild.length === 0) problems.add(`${list(writes, 2)}${via}`);
  }
  return problems;
}

export const leastPrivilege: Rule = {
  id: 'SEC-030',
  slug: 'service-least-privilege',
  title: 'Service roles least-privilege',
  severity: 'high',
  layer: 'application',
  rationale:
    'Services read their configuration and secrets through their own roles; a service role that can write or delete parameters, secrets or keys, or holds a service-wide wildcard, lets a compromised service change what every other service reads.',
  remediation:
    'Give service roles only the read actions of ParameterStoreReadOnly / SecretsManagerReadOnly on their own paths; no ssm:*, secretsmanager:*, kms:* or *, no Put/Delete/ScheduleKeyDeletion, no AdministratorAccess or PowerUserAccess.',
  frameworks: fw(['CC6.1', 'CC6.3'], ['A.5.15', 'A.5.18', 'A.8.2'], ['Art. 25', 'Art. 32(1)(b)']),
  evaluate(ctx) {
    const out: FindingSubject[] = [];
    for (const role of ctx.inStack(ctx.estate.roles)) {
      if (ctx.store.isRotationRole(role.urn)) continue;
      const statements = ctx.statementsOf(ctx.store.principal(role.urn));
      const access = ctx.access(role.urn);
      const touches =
        (access !== undefined &&
          access.parameters.length + access.secretValues.length + access.secretMetadata.length + access.secretWrites.length + access.keys.length > 0) ||
        statements.some(({ st }) => (st.actions ?? st.notActions ?? []).some((a) => /^(\*|ssm:|secretsmanager:|kms:)/i.test(a)));
      if (!touches) continue;
      const problems = moreThanReading(statements, ctx.boundaryOf(ctx.store.principal(role.urn)));
      if (access !== undefined && access.secretWrites.length > 0) {
        problems.add(`writes ${list(access.secretWrites.map((a) => ctx.entityName(a.resourceUrn)), 2)}`);
      }
      out.push(
        problems.size > 0
          ? subject(role, false, `more than reading: ${list([...problems].sort())}`)
          : subject(role, true, 'no write, delete or service-wide action on parameters, secrets or keys'),
      );
    }
    return out;
  },
};

export const buildRoleNoSecrets: Rule = {
  id: 'SEC-031',
  slug: 'build-role-no-secrets',
  title: 'Build roles read no secrets',
  severity: 'high',
  layer: 'application',
  rationale:
    'What a CI build reads ends up in its artefacts and logs (a front-end bundle is public); a build role reads only non-secret configuration.',
  remediation:
    'Give build roles ssm:GetParameter(s)/GetParametersByPath on String parameters only, no secretsmanager:GetSecretValue and no kms:Decrypt; serve secrets at run time through the service\'s own role.',
  frameworks: fw(['CC6.1', 'CC8.1'], ['A.8.25', 'A.5.15', 'A.5.17'], ['Art. 25', 'Art. 32(1)(b)']),
  evaluate(ctx) {
    return ctx.inStack(ctx.estate.roles)
      .filter((r) => r.trust.kind === 'ci-build')
      .map((role) => {
        const reach = secretValueReach(ctx, role.urn);
        return reach.length > 0
          ? subject(role, false, `can read secret values: ${list(reach)}`)
          : subject(role, true, 'reads non-secret configuration only');
      });
  },
};

/** The service principal Secrets Manager invokes rotation functions as. */
const SECRETS_MANAGER_PRINCIPAL = 'secretsmanager.amazonaws.com';

export const rotationWired: Rule = {
  id: 'SEC-032',
  slug: 'rotation-wired',
  title: 'Rotation functions can rotate their secrets',
  severity: 'medium',
  layer: 'application',
  rationale:
    'A rotation whose function lacks GetSecretValue, PutSecretValue, UpdateSecretVersionStage or decrypt on the key, or that Secrets Manager may not invoke, fails on schedule and leaves the old credential in place.',
  remediation:
    'Attach SecretsManagerRotation (GetSecretValue, DescribeSecret, PutSecretValue, UpdateSecretVersionStage, GetRandomPassword) on the rotated secrets to the function\'s role, let the role decrypt and generate data keys with each secret\'s KMS key via secretsmanager, and grant `lambda:InvokeFunction` to `secretsmanager.amazonaws.com` with an `aws:lambda/permission:Permission` on the function.',
  frameworks: fw(['CC6.1', 'CC7.1'], ['A.5.17', 'A.8.9'], ['Art. 32(1)(b)', 'Art. 32(1)(d)']),
  evaluate(ctx) {
    const out: FindingSubject[] = [];
    // Invoke permissions are known when the estate records any: some function is the target of an
    // aws:lambda/permission:Permission. Then a rotation function that Secrets Manager may not invoke
    // is not met. An estate without any Permission (managed outside Pulumi, or in a stack that is not
    // loaded) leaves it unknown: the function is judged on its role alone and the detail says so.
    const permissionsKnown = ctx.estate.functions.some((f) => f.invokePrincipals.length > 0);
    const unknownNote = permissionsKnown ? '' : '; invoke permission unknown (no Lambda permission in the estate)';
    for (const f of ctx.inStack(ctx.store.rotationFunctions())) {
      const invokable = f.invokePrincipals.some((p) => p.toLowerCase() === SECRETS_MANAGER_PRINCIPAL);
      const invokeProblem =
        permissionsKnown && !invokable
          ? `Secrets Manager may not invoke it (${f.invokePrincipals.length === 0 ? 'no invoke permission' : `invoke permission only for ${list(f.invokePrincipals)}`})`
          : undefined;
      const rotated = ctx.estate.secrets.filter((s) => s.rotation.functionUrn === f.urn);
      const role = ctx.store.findRole(f.roleUrn);
      if (role === undefined) {
        const roleProblem = f.roleArn === undefined ? 'has no execution role' : 'execution role is not in the estate';
        out.push(subject(f, false, invokeProblem === undefined ? roleProblem : `${roleProblem}; ${invokeProblem}`));
        continue;
      }
      if (rotated.length === 0) {
        out.push(invokeProblem === undefined ? subject(f, true, `no secret of the estate rotates with it yet${unknownNote}`) : subject(f, false, invokeProblem));
        continue;
      }
      const access = ctx.access(role.urn);
      const missing: string[] = [];
      for (const s of rotated) {
        const writes = access?.secretWrites.find((a) => a.resourceUrn === s.urn);
        const reads = access?.secretValues.find((a) => a.resourceUrn === s.urn);
        const lacks: string[] = [];
        if (reads === undefined) lacks.push('GetSecretValue');
        for (const a of SECRET_ROTATE) {
          if (!(writes?.actions ?? []).some((g) => wildcardMatch(g, a, true))) lacks.push(a.replace('secretsmanager:', ''));
        }
        if (s.keyUrn !== undefined && !(access?.keys ?? []).some((k) => k.resourceUrn === s.keyUrn && (k.paths.includes('secretsmanager') || k.paths.includes('direct')))) {
          lacks.push(`decrypt with ${ctx.keyLabel(s.keyUrn, s.keyId)}`);
        }
        if (lacks.length > 0) missing.push(`${s.name} (${lacks.join(', ')})`);
      }
      const problems = [...(missing.length > 0 ? [`role lacks: ${list(missing, 2)}`] : []), ...(invokeProblem !== undefined ? [invokeProblem] : [])];
      out.push(
        problems.length > 0
          ? subject(f, false, problems.join('; '))
          : subject(f, true, `role can rotate its ${plural(rotated.length, 'secret')}${rotated.some((s) => s.keyUrn !== undefined) ? ' (kms:GenerateDataKey with the customer-managed keys of the secrets is not checked)' : ''}${permissionsKnown ? '; Secrets Manager may invoke it' : unknownNote}`),
      );
    }
    return out;
  },
};

