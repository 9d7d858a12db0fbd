/**
 * The rotation Lambda of one environment: the handler of infra/rotation/handler.ts bundled by
 * infra/rotation/bundle.ts (CommonJS `index.js` for the nodejs22.x runtime, dependencies included;
 * built once per process), its execution role
 * `mono-repo-<env>-secret-rotation` with the environment's SecretsManagerRotation policy, its log
 * group, the permission for Secrets Manager to invoke it, and an alarm on its errors that notifies the
 * shared alert topic.
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { ROTATION_LAMBDA_HANDLER, ROTATION_LAMBDA_RUNTIME, bundleRotationHandler } from './rotation/bundle.ts';
import { ROTATION_ROLE, roleName, type Environment } from './catalogue.ts';
import type { AccountConfig } from './config.ts';
import { rotationLogGroupName } from './iam.ts';
import { environmentSecretsPattern, policy, tags } from './naming.ts';

/** The Lambda runtime (defined with the bundle, in infra/rotation/bundle.ts). */
export const LAMBDA_RUNTIME = ROTATION_LAMBDA_RUNTIME;

export interface RotationFunctionArgs {
  readonly env: Environment;
  readonly account: AccountConfig;
  readonly logRetentionDays: number;
  /** The environment's SecretsManagerRotation policy. */
  readonly rotationPolicyArn: pulumi.Input<string>;
  /** SNS topic of the shared stack notified when the function fails. */
  readonly alertTopicArn: pulumi.Input<string>;
  /** Optional VPC placement (a database rotation must reach PostgreSQL). */
  readonly vpc?: { readonly subnetIds: readonly string[]; readonly securityGroupIds: readonly string[] };
}

export class RotationFunction extends pulumi.ComponentResource {
  public readonly role: aws.iam.Role;
  public readonly function: aws.lambda.Function;
  public readonly permission: aws.lambda.Permission;

  constructor(name: string, args: RotationFunctionArgs, opts?: pulumi.ComponentResourceOptions) {
    if (args.vpc !== undefined && (args.vpc.subnetIds.length === 0 || args.vpc.securityGroupIds.length === 0)) {
      throw new Error(`${name}: a VPC placement needs at least one subnet and one security group`);
    }
    super('mono-repo:rotation:RotationFunction', name, {}, opts);
    const functionName = roleName(args.env, ROTATION_ROLE);
    const t = tags(args.env, ROTATION_ROLE, 'rotation');

    const logGroup = new aws.cloudwatch.LogGroup(
      `${name}-logs`,
      { name: rotationLogGroupName(args.env), retentionInDays: args.logRetentionDays, tags: t },
      { parent: this },
    );
    this.role = new aws.iam.Role(
      `${name}-role`,
      {
        name: functionName,
        description: `Execution role of the ${args.env} secret rotation Lambda`,
        assumeRolePolicy: pulumi.jsonStringify(
          policy([
            {
              Sid: 'LambdaService',
              Effect: 'Allow',
              Principal: { Service: 'lambda.amazonaws.com' },
              Action: 'sts:AssumeRole',
              Condition: { StringEquals: { 'aws:SourceAccount': args.account.accountId } },
            },
          ]),
        ),
        tags: { ...t, TrustKind: 'lambda' },
      },
      { parent: this },
    );
    const attachments: pulumi.Resource[] = [
      new aws.iam.RolePolicyAttachment(`${name}-role-rotation`, { role: this.role.name, policyArn: args.rotationPolicyArn }, { parent: this }),
    ];
    if (args.vpc !== undefined) {
      attachments.push(
        new aws.iam.RolePolicyAttachment(
          `${name}-role-vpc`,
          { role: this.role.name, policyArn: 'arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole' },
          { parent: this },
        ),
      );
    }

    this.function = new aws.lambda.Function(
      `${name}-function`,
      {
        name: functionName,
        description: `Rotates the ${args.env} secrets of mono-repo (generic keys and PostgreSQL users)`,
        runtime: LAMBDA_RUNTIME,
        architectures: ['arm64'],
        handler: ROTATION_LAMBDA_HANDLER,
        role: this.role.arn,
        // Bundled asynchronously (esbuild works in its own process while the program goes on),
        // once per process.
        code: bundleRotationHandler().then((code) => new pulumi.asset.AssetArchive({ 'index.js': new pulumi.asset.StringAsset(code) })),
        timeout: 60,
        memorySize: 256,
        environment: {
          variables: {
            SECRETS_MANAGER_ENDPOINT: `https://secretsmanager.${args.account.region}.amazonaws.com`,
            ROTATION_DB_TLS: 'require',
          },
        },
        loggingConfig: { logFormat: 'Text', logGroup: logGroup.name },
        ...(args.vpc !== undefined ? { vpcConfig: { subnetIds: [...args.vpc.subnetIds], securityGroupIds: [...args.vpc.securityGroupIds] } } : {}),
        tags: t,
      },
      { parent: this, dependsOn: [...attachments, logGroup] },
    );

    this.permission = new aws.lambda.Permission(
      `${name}-invoke`,
      {
        action: 'lambda:InvokeFunction',
        function: this.function.name,
        principal: 'secretsmanager.amazonaws.com',
        sourceAccount: args.account.accountId,
        sourceArn: environmentSecretsPattern(args.account, args.env),
      },
      { parent: this },
    );

    new aws.cloudwatch.MetricAlarm(
      `${name}-errors`,
      {
        name: `${functionName}-errors`,
        alarmDescription: `The ${args.env} rotation Lambda failed`,
        namespace: 'AWS/Lambda',
        metricName: 'Errors',
        dimensions: { FunctionName: this.function.name },
        statistic: 'Sum',
        period: 300,
        evaluationPeriods: 1,
        threshold: 1,
        comparisonOperator: 'GreaterThanOrEqualToThreshold',
        treatMissingData: 'notBreaching',
        alarmActions: [args.alertTopicArn],
        tags: t,
      },
      { parent: this },
    );
    this.registerOutputs({ functionArn: this.function.arn, roleArn: this.role.arn });
  }
}
