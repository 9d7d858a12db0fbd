/**
 * Audit and detection: a multi-region trail with log validation (SEC-040), trail logs encrypted and
 * private (SEC-041), an alarm on denied secret access (SEC-042) and on failed rotations (SEC-043),
 * judged on the audit pieces that serve the stack (`Store.auditOf`).
 */

import type { FindingSubject } from '../types.ts';
import { fw, plural, subject, type Rule, type RuleContext } from './context.ts';

/**
 * Shared shape of the audit rules: the pieces that serve the stack are judged whenever there are
 * any; when there are none, a stack that holds secrets, SecureStrings or keys misses them (unless it
 * references a stack that is not loaded: checked where that stack is).
 */
function auditSubjects(ctx: RuleContext, found: FindingSubject[], missing: string): FindingSubject[] {
  if (found.length > 0) return found;
  if (!ctx.holdsSecrets()) return [];
  const notLoaded = ctx.missingReferences();
  if (notLoaded.length > 0) return []; // checked where the referenced stack is loaded
  return [ctx.stackSubject('not-met', missing)];
}

/** What the stack holds that audit logs would record access to: `secrets, SecureString parameters and KMS keys`. */
function heldLabel(ctx: RuleContext): string {
  const parts = [
    ctx.inStack(ctx.estate.secrets).length > 0 ? 'secrets' : '',
    ctx.inStack(ctx.estate.parameters).some((p) => p.type === 'SecureString') ? 'SecureString parameters' : '',
    ctx.inStack(ctx.estate.keys).length > 0 ? 'KMS keys' : '',
  ].filter(Boolean);
  return parts.length <= 1 ? (parts[0] ?? 'secrets') : `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`;
}

export const trailRule: Rule = {
  id: 'SEC-040',
  slug: 'cloudtrail-multi-region',
  title: 'CloudTrail multi-region with validation',
  severity: 'high',
  layer: 'audit',
  rationale:
    'Every read of a secret, parameter or key is an API call; a multi-region trail with log file validation records them all in a form that cannot be altered unnoticed.',
  remediation:
    'Create an `aws:cloudtrail/trail:Trail` with `isMultiRegionTrail: true`, `enableLogFileValidation: true`, `includeGlobalServiceEvents: true`, logging on, management read events recorded (no `WriteOnly` selector, KMS events not excluded), and a KMS key for the logs.',
  frameworks: fw(['CC7.2', 'CC7.3', 'CC4.1'], ['A.8.15', 'A.8.16'], ['Art. 30', 'Art. 32(1)(d)', 'Art. 33']),
  evaluate(ctx) {
    const found = ctx.store
      .auditOf(ctx.stack)
      .trails
      .map((t) => {
        const problems: string[] = [];
        if (t.logging !== true) problems.push(t.logging === 'unknown' ? 'logging unknown' : 'logging stopped (enableLogging false)');
        if (t.missedReads === 'unknown') problems.push('event selectors unknown');
        else if (t.missedReads.length > 0) problems.push(`does not record ${t.missedReads.join(', ')}`);
        if (t.multiRegion !== true) problems.push(t.multiRegion === 'unknown' ? 'multi-region unknown' : 'single-region');
        if (t.logFileValidation !== true) problems.push(t.logFileValidation === 'unknown' ? 'log validation unknown' : 'no log file validation');
        const org = t.organization === true && t.account !== ctx.summary.account ? `; organization trail of account ${t.account ?? '(unknown)'}: records this stack's calls if its account is in the organization` : '';
        const from = t.stack === ctx.stack ? '' : ` (from stack ${t.stack})`;
        return subject(t, problems.length === 0, problems.length > 0 ? `${problems.join(', ')}${from}${org}` : `multi-region, log file validation${from}${org}`);
      });
    return auditSubjects(ctx, found, `no CloudTrail trail records access to this stack's ${heldLabel(ctx)}`);
  },
};

export const trailStorage: Rule = {
  id: 'SEC-041',
  slug: 'cloudtrail-log-protection',
  title: 'Trail logs encrypted and private',
  severity: 'medium',
  layer: 'audit',
  rationale: 'Audit logs reveal who read which secret; they are encrypted with a customer-managed key and their bucket blocks public access.',
  remediation: 'Set `kmsKeyId` on the trail and an `aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock` with all four blocks on its bucket.',
  frameworks: fw(['CC6.1', 'CC7.2'], ['A.8.15', 'A.8.24'], ['Art. 32(1)(a)', 'Art. 30']),
  evaluate(ctx) {
    const found = ctx.store
      .auditOf(ctx.stack)
      .trails
      .map((t) => {
        const problems: string[] = [];
        // The trail's own key, or the bucket's default SSE-KMS encryption (which the log files get when the trail sets none).
        const kms = (t.kmsKeyId !== undefined && t.kmsKeyId !== '') || t.bucketEncryption.kind === 'sse-kms';
        if (!kms) problems.push(t.bucketEncryption.kind === 'unknown' ? 'logs not encrypted with a KMS key (the trail sets none; the bucket\'s default encryption is not known)' : 'logs not encrypted with a KMS key (the bucket uses SSE-S3)');
        else if (!(t.kmsKeyId !== undefined && t.kmsKeyId !== '') && t.bucketEncryption.kind === 'sse-kms' && awsManagedS3Key(t.bucketEncryption)) problems.push('logs encrypted with the AWS-managed key aws/s3, not a customer-managed key');
        if (t.bucketPublicAccessBlocked !== true) {
          problems.push(t.bucketPublicAccessBlocked === 'unknown' ? 'bucket public access block unknown' : 'bucket public access not blocked');
        }
        const from = t.stack === ctx.stack ? '' : ` (from stack ${t.stack})`;
        return subject(t, problems.length === 0, problems.length > 0 ? `${problems.join(', ')}${from}` : `KMS-encrypted, bucket private${from}`);
      });
    return auditSubjects(ctx, found, 'no CloudTrail trail, so no audit log to protect');
  },
};

/** A bucket's SSE-KMS with no key id, or `alias/aws/s3`: the AWS-managed key, whose policy the account does not write. */
function awsManagedS3Key(enc: { readonly keyId?: string; readonly keyUrn?: string }): boolean {
  if (enc.keyUrn !== undefined) return false;
  return enc.keyId === undefined || enc.keyId === '' || /(^|:)alias\/aws\/s3$/.test(enc.keyId);
}

function watchRule(
  ctx: RuleContext,
  watch: 'access-denied' | 'rotation-failure',
  applies: boolean,
  missing: string,
): FindingSubject[] {
  if (!applies) return [];
  const audit = ctx.store.auditOf(ctx.stack);
  // A failed rotation is also an error of its function: an alarm on a rotation function's Errors metric.
  const rotators = watch === 'rotation-failure' ? new Set(ctx.store.rotationFunctions().map((f) => f.name)) : new Set<string>();
  const watchers = [...audit.alarms, ...audit.eventRules].filter((a) => a.watches === watch || ('lambdaErrorsOf' in a && a.lambdaErrorsOf !== undefined && rotators.has(a.lambdaErrorsOf)));
  const found = watchers.map((a) => {
    const from = a.stack === ctx.stack ? '' : ` (from stack ${a.stack})`;
    if (a.enabled !== true) return subject(a, false, `${a.enabled === 'unknown' ? 'enabled or not is unknown' : 'disabled'}: notifies nobody${from}`);
    if (a.topics.length > 0) return subject(a, true, `notifies ${plural(a.topics.length, 'topic')}${from}`);
    const other = 'otherTopics' in a ? (a.otherTopics ?? 0) : 0;
    return other > 0 ? subject(a, true, `notifies ${plural(other, 'SNS topic')} outside the loaded stacks${from}`) : subject(a, false, `notifies nobody (no SNS topic)${from}`);
  });
  return auditSubjects(ctx, found, missing);
}

export const accessDeniedAlarm: Rule = {
  id: 'SEC-042',
  slug: 'alarm-access-denied',
  title: 'Alarm on denied secret access',
  severity: 'medium',
  layer: 'audit',
  rationale:
    'Repeated AccessDenied on GetSecretValue, GetParameter or Decrypt is how probing for secrets looks; an alarm that notifies someone turns the trail into detection.',
  remediation:
    'Add a CloudWatch metric filter on the trail\'s log group for AccessDenied on secretsmanager, ssm and kms calls, and an alarm on it that notifies an SNS topic with subscribers.',
  frameworks: fw(['CC7.2', 'CC7.3'], ['A.8.16', 'A.5.25'], ['Art. 32(1)(d)', 'Art. 33']),
  evaluate(ctx) {
    return watchRule(ctx, 'access-denied', true, 'no alarm watches AccessDenied on secret, parameter or decrypt calls');
  },
};

export const rotationFailureAlarm: Rule = {
  id: 'SEC-043',
  slug: 'alarm-rotation-failure',
  title: 'Alert on failed rotation',
  severity: 'medium',
  layer: 'audit',
  rationale: 'A failed rotation leaves a credential past its schedule and may leave a pending version behind; someone must be told.',
  remediation:
    'Add an EventBridge rule for Secrets Manager RotationFailed (source aws.secretsmanager, CloudTrail event RotationFailed / RotationAbandoned) or an alarm on the rotation Lambda\'s errors, targeting an SNS topic with subscribers.',
  frameworks: fw(['CC7.2', 'CC7.3'], ['A.8.16', 'A.5.17'], ['Art. 32(1)(d)']),
  evaluate(ctx) {
    const rotating = ctx.inStack(ctx.estate.secrets).some((s) => s.rotation.enabled);
    return watchRule(ctx, 'rotation-failure', rotating, 'no alarm or event rule reports failed rotations');
  },
};

