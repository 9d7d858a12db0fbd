/**
 * Secrets kept outside Secrets Manager and Parameter Store: in function and container environment
 * variables (SEC-050), as database master passwords set in the program (SEC-051), in plain text in the
 * Pulumi state (SEC-052: judged on stacks read from a stored state or preview, not on a program's own
 * values), and as generated values or Kubernetes Secrets whose values live in the state (SEC-053).
 * Subjects are one per resource and name the property paths, never the value.
 */

import type { ExposureKind, SecretExposure } from '../../estate/model.ts';
import type { FindingSubject } from '../types.ts';
import { fw, list, subject, type Rule, type RuleContext } from './context.ts';

function exposuresOf(ctx: RuleContext, kinds: readonly ExposureKind[]): SecretExposure[] {
  return ctx.inStack(ctx.estate.exposures).filter((x) => kinds.includes(x.kind));
}

/** The paths of each resource's exposures, by URN, in estate order. */
function pathsByResource(xs: readonly SecretExposure[]): Map<string, { x: SecretExposure; paths: string[] }> {
  const out = new Map<string, { x: SecretExposure; paths: string[] }>();
  for (const x of xs) {
    const hit = out.get(x.urn);
    if (hit) hit.paths.push(x.path);
    else out.set(x.urn, { x, paths: [x.path] });
  }
  return out;
}

/** One subject per scanned resource: not met with what was found, else met. */
function scannedSubjects(
  ctx: RuleContext,
  scope: 'environment' | 'database',
  kinds: readonly ExposureKind[],
  okDetail: string,
  found: (paths: readonly string[]) => string,
): FindingSubject[] {
  const byUrn = pathsByResource(exposuresOf(ctx, kinds));
  return ctx
    .inStack(ctx.estate.exposureScans)
    .filter((s) => s.scope === scope)
    .map((s) => {
      const hit = byUrn.get(s.urn);
      return hit === undefined ? subject(s, true, okDetail) : subject(s, false, found(hit.paths));
    });
}

/** Whether the stack was read from its program (under mocks, or by the policy pack at deploy time) rather than from a stored state. */
function readFromProgram(ctx: RuleContext): boolean {
  return ctx.summary.source.kind === 'program';
}

export const noSecretEnvironment: Rule = {
  id: 'SEC-050',
  slug: 'no-secret-environment',
  title: 'No secrets in environment variables',
  severity: 'high',
  layer: 'application',
  rationale:
    'A secret in a Lambda environment variable or an ECS container\'s plain `environment` is readable by anyone who can describe the function or task definition, is copied into the Pulumi state and every deployment log, and cannot be rotated without a deployment.',
  remediation:
    'Read the secret at run time from Secrets Manager or a SecureString parameter (the Parameters and Secrets Lambda extension, or ECS `secrets` with `valueFrom`); keep only its ARN or name in the environment.',
  frameworks: fw(['CC6.1', 'CC6.7'], ['A.5.17', 'A.8.24'], ['Art. 32(1)(a)']),
  evaluate(ctx) {
    return scannedSubjects(ctx, 'environment', ['lambda-environment', 'ecs-environment'], 'no environment variable holds a secret', (paths) => `secret in ${list(paths, 3)}`);
  },
};

export const managedDatabasePasswords: Rule = {
  id: 'SEC-051',
  slug: 'managed-database-passwords',
  title: 'Database master passwords managed by Secrets Manager',
  severity: 'high',
  layer: 'at-rest',
  rationale:
    'A master password set in the program lives in the Pulumi state and the program\'s configuration and is never rotated; `manageMasterUserPassword` keeps it in Secrets Manager, rotated by RDS.',
  remediation: 'Set `manageMasterUserPassword: true` (RDS, Aurora) and remove the password from the program and its configuration.',
  frameworks: fw(['CC6.1'], ['A.5.17', 'A.8.24'], ['Art. 32(1)(a)']),
  evaluate(ctx) {
    return scannedSubjects(ctx, 'database', ['database-password'], 'no master password in the program', (paths) => `master password set in the program (${list(paths)}) instead of manageMasterUserPassword`);
  },
};

export const noPlaintextState: Rule = {
  id: 'SEC-052',
  slug: 'no-plaintext-state',
  title: 'No secret in plain text in the state',
  severity: 'critical',
  layer: 'at-rest',
  rationale:
    'A state file that holds a secret in plain text (exported with `--show-secrets`, a plaintext secrets provider, or a field that is secret by the resource schema but not marked) hands the value to everyone who can read the state or its backups.',
  remediation:
    'Mark the value secret (`pulumi.secret`, `additionalSecretOutputs`, `pulumi config set --secret`), re-export without `--show-secrets`, and rotate every value that was stored in plain text.',
  frameworks: fw(['CC6.1', 'CC6.7'], ['A.8.12', 'A.8.24'], ['Art. 32(1)(a)']),
  evaluate(ctx) {
    // A program's values are not stored anywhere yet: there is no state to judge.
    if (readFromProgram(ctx)) return [];
    const found = [...pathsByResource(exposuresOf(ctx, ['plaintext-in-state'])).values()];
    if (found.length > 0) return found.map(({ x, paths }) => subject(x, false, `${list(paths, 3)} stored in plain text`));
    return [ctx.stackSubject('met', 'no secret found in plain text (secret envelopes and fields secret by schema checked)')];
  },
  note: (ctx) => (readFromProgram(ctx) ? 'the stack was read from its program, not from a state file: there is no stored state to check' : undefined),
};

export const stateHeldSecrets: Rule = {
  id: 'SEC-053',
  slug: 'state-held-secrets',
  title: 'Generated secrets and Kubernetes Secrets kept out of the state',
  severity: 'low',
  layer: 'at-rest',
  rationale:
    'A `@pulumi/random` password or key and a Kubernetes Secret\'s data are stored in the Pulumi state (encrypted as secrets there): whoever can export the state with `--show-secrets` reads them, and they change only when the program runs.',
  remediation:
    'Generate credentials where they are kept (Secrets Manager `GenerateSecretString`, `manageMasterUserPassword`, a rotation function) and sync Kubernetes Secrets from Secrets Manager (External Secrets, the Secrets Store CSI driver); restrict who can export the state.',
  frameworks: fw(['CC6.1'], ['A.5.17', 'A.8.24'], ['Art. 32(1)(a)']),
  evaluate(ctx) {
    return exposuresOf(ctx, ['random-value', 'kubernetes-secret']).map((x) => subject(x, false, x.kind === 'random-value' ? `generated value (${x.path}) in the state` : `Kubernetes Secret ${x.path} in the state`));
  },
};
