/**
 * Synthetic `pulumi stack export` (version 3) of a secrets estate shaped like the built-in one,
 * at any scale: parameters under /<project>/<env>/<category>/<name>, secrets under
 * <project>/<env>/<group>/<name> with rotation, three customer-managed keys, one role per service
 * and environment with identity policies scoped to that environment, a rotation function, the trail,
 * alarms and a topic. Deterministic: the same options give the same bytes.
 *
 * Used by the benchmark (scripts/bench.ts) and by tests that need a big estate.
 */

export interface SyntheticOptions {
  readonly parameters: number;
  readonly secrets: number;
  /** Services per environment (each gets a role and a policy). */
  readonly services: number;
  readonly project?: string;
  readonly stack?: string;
}

const ENVS = ['dev', 'uat', 'prod'] as const;
const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const SECRET_SIG = '4dabf18193072939515e22adb298388d';
const SECRET_VAL = '1b47061264138c4ac30d75fd1eb44270';

interface Row {
  urn: string;
  custom: boolean;
  type: string;
  id?: string;
  parent?: string;
  provider?: string;
  protect?: boolean;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
  dependencies?: string[];
}

/** A tiny deterministic hash for ids (FNV-1a, hex). */
export function hex(s: string, len = 8): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  let out = '';
  let x = h;
  while (out.length < len) {
    out += (x >>> 0).toString(16).padStart(8, '0');
    x = Math.imul(x ^ (x >>> 13), 0x5bd1e995) >>> 0;
  }
  return out.slice(0, len);
}

export function secretEnvelope(tag: string): Record<string, string> {
  return { [SECRET_SIG]: SECRET_VAL, ciphertext: `v1:${hex(tag, 16)}:${hex(tag + 'x', 24)}` };
}

export function syntheticExport(opts: SyntheticOptions): unknown {
  const project = opts.project ?? 'bench';
  const stack = opts.stack ?? 'synthetic';
  const urn = (type: string, name: string, parentType?: string): string =>
    `urn:pulumi:${stack}::${project}::${parentType ? `${parentType}$` : ''}${type}::${name}`;
  const stackUrn = urn('pulumi:pulumi:Stack', `${project}-${stack}`);
  const providerUrn = urn('pulumi:providers:aws', 'default_7_48_0');
  const providerRef = `${providerUrn}::${hex('provider', 8)}-0000-4000-8000-${hex('p2', 12)}`;
  const rows: Row[] = [];
  const tags = (env: string, service: string, category: string) => ({
    Environment: env,
    Service: service,
    Category: category,
    ManagedBy: 'pulumi',
  });
  const custom = (type: string, name: string, id: string, inputs: Record<string, unknown>, outputs: Record<string, unknown> = {}): Row => {
    const row: Row = {
      urn: urn(type, name),
      custom: true,
      type,
      id,
      parent: stackUrn,
      provider: providerRef,
      inputs,
      outputs: { ...inputs, id, ...outputs },
    };
    rows.push(row);
    return row;
  };

  rows.push({ urn: stackUrn, custom: false, type: 'pulumi:pulumi:Stack', outputs: {} });
  rows.push({ urn: providerUrn, custom: true, type: 'pulumi:providers:aws', id: hex('provider', 8), inputs: { region: REGION }, outputs: { region: REGION } });

  // Keys
  const keyNames = ['parameter-store', 'secrets-manager', 'database'];
  const keyArn: Record<string, string> = {};
  for (const k of keyNames) {
    const keyId = `${hex(k, 8)}-${hex(k + '1', 4)}-4${hex(k + '2', 3)}-8${hex(k + '3', 3)}-${hex(k + '4', 12)}`;
    const arn = `arn:aws:kms:${REGION}:${ACCOUNT}:key/${keyId}`;
    keyArn[k] = arn;
    custom('aws:kms/key:Key', `${project}-${k}-key`, keyId, {
      description: `${project} ${k} key`,
      enableKeyRotation: true,
      rotationPeriodInDays: 365,
      deletionWindowInDays: 30,
      multiRegion: true,
      tags: tags('shared', 'platform', 'encryption'),
    }, { arn, keyId });
    custom('aws:kms/alias:Alias', `${project}-${k}-alias`, `alias/${project}-${k}-key`, {
      name: `alias/${project}-${k}-key`,
      targetKeyId: keyId,
    }, { arn: `arn:aws:kms:${REGION}:${ACCOUNT}:alias/${project}-${k}-key`, targetKeyArn: arn });
  }

  // Parameters: spread over envs and categories of at most ~60 leaves each.
  const perEnv = Math.ceil(opts.parameters / ENVS.length);
  const categories = Math.max(4, Math.ceil(perEnv / 60));
  let made = 0;
  for (const env of ENVS) {
    for (let i = 0; i < perEnv && made < opts.parameters; i++, made++) {
      const category = `category-${String(i % categories).padStart(3, '0')}`;
      const name = `/${project}/${env}/${category}/param-${String(i).padStart(5, '0')}`;
      const r = i % 10;
      const type = r < 6 ? 'String' : r < 7 ? 'StringList' : 'SecureString';
      const value = type === 'SecureString' ? secretEnvelope(name) : type === 'StringList' ? 'a,b,c' : `value-${i}`;
      custom('aws:ssm/parameter:Parameter', `${env}-${category}-param-${i}`, name, {
        name,
        type,
        tier: 'Standard',
        description: `Synthetic ${type} parameter ${i}`,
        value,
        ...(type === 'SecureString' ? { keyId: keyArn['parameter-store'] } : {}),
        tags: tags(env, `service-${i % opts.services}`, category),
      }, { arn: `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter${name}` });
    }
  }

  // Rotation functions, one per env
  const fnArn: Record<string, string> = {};
  for (const env of ENVS) {
    const roleName = `${project}-${env}-rotation`;
    const roleArn = `arn:aws:iam::${ACCOUNT}:role/${roleName}`;
    custom('aws:iam/role:Role', roleName, roleName, {
      name: roleName,
      assumeRolePolicy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] }),
      tags: tags(env, 'rotation', 'iam'),
    }, { arn: roleArn });
    custom('aws:iam/rolePolicy:RolePolicy', `${roleName}-policy`, `${roleName}:rotation`, {
      role: roleName,
      name: 'rotation',
      policy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{
          Effect: 'Allow',
          Action: ['secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecretVersionStage', 'secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'],
          Resource: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${project}/${env}/*`,
        }],
      }),
    });
    const fname = `${project}-${env}-secret-rotation`;
    fnArn[env] = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${fname}`;
    custom('aws:lambda/function:Function', fname, fname, {
      name: fname,
      role: roleArn,
      runtime: 'nodejs20.x',
      handler: 'index.handler',
      tags: tags(env, 'rotation', 'lambda'),
    }, { arn: fnArn[env] });
  }

  // Secrets
  const groups = [
    ['database', 'rds'],
    ['application', 'api'],
    ['service', 'airflow'],
  ] as const;
  const perEnvSecrets = Math.ceil(opts.secrets / ENVS.length);
  made = 0;
  for (const env of ENVS) {
    for (let i = 0; i < perEnvSecrets && made < opts.secrets; i++, made++) {
      const [category, group] = groups[i % groups.length]!;
      const name = `${project}/${env}/${group}/secret-${String(i).padStart(4, '0')}`;
      const arn = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${name}-${hex(name, 6)}`;
      const secret = custom('aws:secretsmanager/secret:Secret', `${env}-${group}-secret-${i}`, arn, {
        name,
        description: `Synthetic ${category} secret ${i}`,
        kmsKeyId: category === 'database' ? keyArn['database'] : keyArn['secrets-manager'],
        recoveryWindowInDays: env === 'prod' ? 30 : 7,
        tags: tags(env, `service-${i % opts.services}`, category),
      }, { arn });
      custom('aws:secretsmanager/secretVersion:SecretVersion', `${env}-${group}-secret-${i}-version`, `${arn}|v1`, {
        secretId: arn,
        secretString: secretEnvelope(arn),
      });
      custom('aws:secretsmanager/secretRotation:SecretRotation', `${env}-${group}-secret-${i}-rotation`, arn, {
        secretId: arn,
        rotationLambdaArn: fnArn[env],
        rotationRules: { automaticallyAfterDays: category === 'database' ? 30 : category === 'application' ? 60 : 90 },
      }).dependencies = [secret.urn];
    }
  }

  // Service roles and their policies
  for (const env of ENVS) {
    for (let s = 0; s < opts.services; s++) {
      const service = `service-${s}`;
      const roleName = `${project}-${env}-${service}`;
      custom('aws:iam/role:Role', roleName, roleName, {
        name: roleName,
        assumeRolePolicy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{
            Effect: 'Allow',
            Principal: { Federated: `arn:aws:iam::${ACCOUNT}:oidc-provider/oidc.eks.${REGION}.amazonaws.com/id/EXAMPLE` },
            Action: 'sts:AssumeRoleWithWebIdentity',
            Condition: { StringEquals: { [`oidc.eks.${REGION}.amazonaws.com/id/EXAMPLE:sub`]: `system:serviceaccount:${service}:${service}` } },
          }],
        }),
        tags: tags(env, service, 'iam'),
      }, { arn: `arn:aws:iam::${ACCOUNT}:role/${roleName}` });
      const cat = `category-${String(s % categories).padStart(3, '0')}`;
      custom('aws:iam/rolePolicy:RolePolicy', `${roleName}-read`, `${roleName}:read`, {
        role: roleName,
        name: 'read',
        policy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Action: ['ssm:GetParameter', 'ssm:GetParameters', 'ssm:GetParametersByPath'],
              Resource: [
                `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/${project}/${env}/${cat}`,
                `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/${project}/${env}/${cat}/*`,
              ],
            },
            {
              Effect: 'Allow',
              Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
              Resource: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${project}/${env}/${groups[s % groups.length]![1]}/*`,
            },
            {
              Effect: 'Allow',
              Action: 'kms:Decrypt',
              Resource: [keyArn['parameter-store'], keyArn['secrets-manager']],
              Condition: { StringEquals: { 'kms:ViaService': [`ssm.${REGION}.amazonaws.com`, `secretsmanager.${REGION}.amazonaws.com`] } },
            },
          ],
        }),
      });
    }
  }

  // Audit
  const topicArn = `arn:aws:sns:${REGION}:${ACCOUNT}:${project}-security-alerts`;
  custom('aws:sns/topic:Topic', `${project}-security-alerts`, topicArn, { name: `${project}-security-alerts` }, { arn: topicArn });
  custom('aws:cloudtrail/trail:Trail', `${project}-trail`, `${project}-trail`, {
    name: `${project}-trail`,
    isMultiRegionTrail: true,
    enableLogFileValidation: true,
    kmsKeyId: keyArn['secrets-manager'],
    s3BucketName: `${project}-audit-logs`,
  }, { arn: `arn:aws:cloudtrail:${REGION}:${ACCOUNT}:trail/${project}-trail` });
  custom('aws:cloudwatch/metricAlarm:MetricAlarm', `${project}-access-denied`, `${project}-access-denied`, {
    name: `${project}-access-denied`,
    metricName: 'SecretsAccessDenied',
    namespace: `${project}/Security`,
    alarmDescription: 'AccessDenied on secretsmanager, ssm or kms calls',
    alarmActions: [topicArn],
    comparisonOperator: 'GreaterThanOrEqualToThreshold',
    threshold: 1,
    evaluationPeriods: 1,
    period: 300,
    statistic: 'Sum',
  });

  return {
    version: 3,
    deployment: {
      manifest: { time: '2026-01-01T00:00:00.000Z', magic: 'synthetic', version: 'v3.270.0' },
      secrets_providers: { type: 'passphrase', state: { salt: 'v1:synthetic' } },
      resources: rows,
    },
  };
}
