/**
 * Data at rest: customer-managed keys for SecureStrings and secrets (SEC-001), secret rotation
 * (SEC-002), key rotation (SEC-003) and replicas (SEC-004), deletion safety of prod keys and
 * secrets (SEC-005), and no secret in a plain String parameter (SEC-006).
 */

import { UNKNOWN } from '../../graph/types.ts';
import { daysText } from '../../util/collections.ts';
import type { Parameter, Secret } from '../../estate/model.ts';
import { isAwsManagedKeyId } from '../../estate/store.ts';
import type { FindingSubject } from '../types.ts';
import { secretLikeName } from '../../graph/secret-names.ts';
import { fw, list, subject, type Rule } from './context.ts';

const isUnknown = (v: string | undefined): boolean => v === UNKNOWN;

export const cmkEncryption: Rule = {
  id: 'SEC-001',
  slug: 'cmk-encryption',
  title: 'Secrets use a customer-managed key',
  severity: 'high',
  layer: 'at-rest',
  rationale:
    'A customer-managed KMS key lets the key policy decide who can decrypt, per environment and service; the AWS-managed default key trusts every principal of the account that can call the service.',
  remediation:
    'Set `keyId` on SecureString parameters and `kmsKeyId` on secrets to a customer-managed key of yours (an `aws:kms/key:Key` with a key policy and rotation), never to alias/aws/ssm or alias/aws/secretsmanager.',
  frameworks: fw(['CC6.1', 'CC6.7'], ['A.8.24', 'A.5.17'], ['Art. 32(1)(a)', 'Art. 25']),
  evaluate(ctx) {
    const out: FindingSubject[] = [];
    const check = (x: Parameter | Secret, defaultKey: string): FindingSubject => {
      if (x.keyId === undefined || x.keyId === '') return subject(x, false, `encrypted with the AWS-managed ${defaultKey} key`);
      if (isAwsManagedKeyId(x.keyId)) return subject(x, false, `encrypted with the AWS-managed ${x.keyId}`);
      if (x.keyUrn !== undefined) return subject(x, true, `encrypted with ${ctx.keyLabel(x.keyUrn, x.keyId)}`);
      if (isUnknown(x.keyId)) return subject(x, true, 'encrypted with a key set from an output (known at deploy time)');
      return subject(x, true, `encrypted with ${x.keyId} (a key outside the estate)`);
    };
    for (const p of ctx.inStack(ctx.estate.parameters)) if (p.type === 'SecureString') out.push(check(p, 'aws/ssm'));
    for (const s of ctx.inStack(ctx.estate.secrets)) {
      const own = check(s, 'aws/secretsmanager');
      // A replica without kmsKeyId is encrypted with aws/secretsmanager of its region.
      const managed = s.replicas.filter((r) => r.keyId === undefined || r.keyId === '' || isAwsManagedKeyId(r.keyId)).map((r) => r.region);
      out.push(managed.length > 0 ? subject(s, false, `${own.detail}; its replica${managed.length > 1 ? 's' : ''} in ${list(managed)} with the AWS-managed aws/secretsmanager key`) : own);
    }
    return out;
  },
};

export const secretRotation: Rule = {
  id: 'SEC-002',
  slug: 'secret-rotation',
  title: 'Secrets rotate within 90 days',
  severity: 'high',
  layer: 'at-rest',
  rationale:
    'A credential that never changes stays useful to whoever copied it; scheduled rotation by a function that exists bounds the exposure (AWS Config secretsmanager-rotation-enabled-check, maximum 90 days).',
  remediation:
    'Give every secret a SecretRotation with `rotationRules.automaticallyAfterDays` of 90 or fewer and a rotation Lambda defined in the estate (function, execution role, invoke permission for secretsmanager.amazonaws.com).',
  frameworks: fw(['CC6.1', 'CC6.2'], ['A.5.17', 'A.8.24'], ['Art. 32(1)(b)']),
  evaluate(ctx) {
    const max = ctx.options.maxSecretRotationDays;
    return ctx.inStack(ctx.estate.secrets).map((s) => {
      const r = s.rotation;
      if (!r.enabled) return subject(s, false, 'rotation is not enabled');
      if (r.intervalDays === undefined) {
        return subject(s, false, `rotation interval unknown (${r.scheduleExpression ?? 'no schedule'}); must be at most ${max} d`);
      }
      if (r.intervalDays > max) return subject(s, false, `rotates every ${daysText(r.intervalDays)} (more than ${max} d)`);
      if (r.functionUrn !== undefined) {
        const f = ctx.store.findFunction(r.functionUrn);
        return subject(s, true, `rotates every ${daysText(r.intervalDays)} by ${f?.name ?? 'its rotation function'}`);
      }
      if (r.functionArn === undefined) return subject(s, false, `rotates every ${daysText(r.intervalDays)} but names no rotation function`);
      if (isUnknown(r.functionArn)) return subject(s, true, `rotates every ${daysText(r.intervalDays)} by a function known at deploy time`);
      return subject(s, false, `rotation function ${r.functionArn} is not in the estate`);
    });
  },
};

export const keyRotation: Rule = {
  id: 'SEC-003',
  slug: 'kms-key-rotation',
  title: 'KMS keys rotate automatically',
  severity: 'medium',
  layer: 'at-rest',
  rationale:
    'Automatic rotation renews the key material yearly without re-encrypting data, limiting how much data any one key version protects.',
  remediation: 'Set `enableKeyRotation: true` (and `rotationPeriodInDays` of 365 or fewer) on every symmetric customer-managed key.',
  frameworks: fw(['CC6.1'], ['A.8.24'], ['Art. 32(1)(a)']),
  evaluate(ctx) {
    const max = ctx.options.maxKeyRotationDays;
    const out: FindingSubject[] = [];
    for (const k of ctx.keysInScope()) {
      if (k.keyUsage !== undefined && k.keyUsage !== UNKNOWN && k.keyUsage !== 'ENCRYPT_DECRYPT') continue;
      // KMS rotates only symmetric encryption keys whose material it generated (not asymmetric or HMAC keys, imported material, custom key stores).
      if ((k.keySpec !== undefined && k.keySpec !== 'SYMMETRIC_DEFAULT') || k.customKeyStore === true || k.importedMaterial === true) continue;
      const from = ctx.fromStack(k);
      if (k.rotationEnabled === 'unknown') out.push(subject(k, false, `automatic rotation could not be determined${from}`));
      else if (!k.rotationEnabled) out.push(subject(k, false, `automatic rotation is off${from}`));
      else if (k.rotationPeriodDays !== undefined && k.rotationPeriodDays > max) {
        out.push(subject(k, false, `rotates every ${k.rotationPeriodDays} d (more than ${max} d)${from}`));
      } else out.push(subject(k, true, `rotates every ${k.rotationPeriodDays ?? 365} d${from}`));
    }
    return out;
  },
  note: (ctx) => ctx.unresolvedKeyNote(),
};

export const keyReplicas: Rule = {
  id: 'SEC-004',
  slug: 'kms-key-replicas',
  title: 'Critical keys replicated to a second region',
  severity: 'medium',
  layer: 'at-rest',
  rationale:
    'Data encrypted under a single-region key is lost with the region; a multi-region key with a replica lets the data be decrypted elsewhere.',
  remediation:
    'Create multi-region keys (`multiRegion: true`) for keys that protect prod data, and an `aws:kms/replicaKey:ReplicaKey` in a second region for each.',
  frameworks: fw(['A1.2', 'CC9.1'], ['A.5.30', 'A.8.14'], ['Art. 32(1)(b)', 'Art. 32(1)(c)']),
  evaluate(ctx) {
    const out: FindingSubject[] = [];
    for (const k of ctx.keysInScope()) {
      const prod = ctx.isProdKey(k.urn);
      if (!k.multiRegion && !prod) continue;
      const why = prod ? `prod key (${ctx.prodKeyWhy(k.urn)})` : 'declared multi-region';
      const from = ctx.fromStack(k);
      if (!k.multiRegion) {
        out.push(subject(k, false, `${why} but single-region: cannot be replicated${from}`));
        continue;
      }
      const elsewhere = k.replicas.filter((r) => r.region === undefined || k.region === undefined || r.region !== k.region);
      if (elsewhere.length === 0) out.push(subject(k, false, `${why}, multi-region but has no replica in another region${from}`));
      else {
        const regions = elsewhere.map((r) => r.region ?? 'unknown region');
        out.push(subject(k, true, `${why}, replicated to ${list(regions)}${from}`));
      }
    }
    return out;
  },
  note: (ctx) => ctx.unresolvedKeyNote(),
};

export const prodDeletion: Rule = {
  id: 'SEC-005',
  slug: 'prod-deletion-safety',
  title: 'Prod keys and secrets protected from deletion',
  severity: 'high',
  layer: 'at-rest',
  rationale:
    'Deleting a prod key makes every value it encrypted unreadable, and deleting a prod secret breaks its services; `protect` stops Pulumi from deleting them and a 30-day window leaves time to cancel.',
  remediation:
    'Set the `protect` (or `retainOnDelete`) resource option on prod keys and secrets, `deletionWindowInDays: 30` on keys and `recoveryWindowInDays: 30` on secrets (never 0).',
  frameworks: fw(['A1.2', 'CC8.1'], ['A.8.13', 'A.5.30'], ['Art. 32(1)(c)']),
  evaluate(ctx) {
    const out: FindingSubject[] = [];
    const minKey = ctx.options.minProdKeyDeletionWindowDays;
    const minSecret = ctx.options.minProdRecoveryWindowDays;
    for (const k of ctx.inStack(ctx.estate.keys)) {
      if (!ctx.isProdKey(k.urn)) continue;
      const window = k.deletionWindowDays ?? 30;
      const problems: string[] = [];
      if (!k.protect && k.retainOnDelete !== true) problems.push('not protected');
      if (window < minKey) problems.push(`deletion window ${window} d (less than ${minKey} d)`);
      out.push(
        subject(k, problems.length === 0, problems.length > 0 ? `prod key: ${problems.join(', ')}` : `${k.protect ? 'protected' : 'retained on delete'}, deletion window ${window} d`),
      );
    }
    for (const s of ctx.inStack(ctx.estate.secrets)) {
      const env = ctx.envOf(s);
      if (env === undefined || !ctx.isProdEnv(env)) continue;
      const window = s.recoveryWindowDays ?? 30;
      const problems: string[] = [];
      if (!s.protect && s.retainOnDelete !== true) problems.push('not protected');
      if (window === 0) problems.push('deleted without recovery (window 0)');
      else if (window < minSecret) problems.push(`recovery window ${window} d (less than ${minSecret} d)`);
      out.push(
        subject(s, problems.length === 0, problems.length > 0 ? `prod secret: ${problems.join(', ')}` : `${s.protect ? 'protected' : 'retained on delete'}, recovery window ${window} d`),
      );
    }
    return out;
  },
};

export const plaintextSecretParameter: Rule = {
  id: 'SEC-006',
  slug: 'no-plaintext-secret-parameter',
  title: 'No secret in a plain String parameter',
  severity: 'high',
  layer: 'at-rest',
  rationale:
    'A String parameter is stored and returned unencrypted and readable by anyone with ssm:GetParameter; a name such as password, token or key says the value is a secret that belongs in a SecureString.',
  remediation: 'Change the parameter to `type: "SecureString"` with a customer-managed `keyId`, or move the value to Secrets Manager.',
  frameworks: fw(['CC6.1', 'C1.1'], ['A.8.24', 'A.5.17'], ['Art. 32(1)(a)', 'Art. 25']),
  evaluate(ctx) {
    return ctx.inStack(ctx.estate.parameters)
      .filter((p) => p.type === 'String' || p.type === 'StringList')
      .map((p) => {
        const hit = secretLikeName(p.leaf);
        return hit === undefined
          ? subject(p, true, `${p.type}; name does not suggest a secret`)
          : subject(p, false, `${p.type} whose name says "${hit}": should be a SecureString`);
      });
  },
};

