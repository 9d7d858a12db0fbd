/**
 * Audit and alerts (shared stack): a multi-region CloudTrail trail with log file validation,
 * KMS-encrypted, into a bucket with public access blocked and TLS required, also delivered to
 * CloudWatch Logs; an SNS topic subscribed by the notification emails; an EventBridge rule for failed
 * rotations and a CloudWatch alarm on AccessDenied for secret, parameter and decrypt calls, both
 * notifying the topic.
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { PROJECT } from './catalogue.ts';
import type { AccountConfig } from './config.ts';
import { policy, tags } from './naming.ts';

export interface AuditTrailArgs {
  readonly account: AccountConfig;
  readonly trailName: string;
  /** ARN of the KMS key that encrypts the log files. */
  readonly kmsKeyArn: pulumi.Input<string>;
  readonly logRetentionDays: number;
  readonly protect: boolean;
}

export class AuditTrail extends pulumi.ComponentResource {
  public readonly trail: aws.cloudtrail.Trail;
  public readonly bucket: aws.s3.Bucket;
  public readonly logGroup: aws.cloudwatch.LogGroup;

  constructor(name: string, args: AuditTrailArgs, opts?: pulumi.ComponentResourceOptions) {
    if (!/^[A-Za-z0-9._-]{3,128}$/.test(args.trailName)) throw new Error(`${name}: trail name '${args.trailName}' is not a valid CloudTrail name`);
    if (args.logRetentionDays < 90) throw new Error(`${name}: log retention ${args.logRetentionDays} days is below the 90 days audits need`);
    super('mono-repo:audit:AuditTrail', name, {}, opts);
    const { accountId, region } = args.account;
    const t = tags('shared', 'cloudtrail', 'audit');
    const trailArn = `arn:aws:cloudtrail:${region}:${accountId}:trail/${args.trailName}`;

    this.bucket = new aws.s3.Bucket(
      `${name}-bucket`,
      { bucket: `${PROJECT}-audit-trail-${accountId}-${region}`, forceDestroy: false, tags: t },
      { parent: this, protect: args.protect },
    );
    const publicAccess = new aws.s3.BucketPublicAccessBlock(
      `${name}-bucket-public-access`,
      { bucket: this.bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
      { parent: this },
    );
    new aws.s3.BucketVersioning(`${name}-bucket-versioning`, { bucket: this.bucket.id, versioningConfiguration: { status: 'Enabled' } }, { parent: this });
    new aws.s3.BucketServerSideEncryptionConfiguration(
      `${name}-bucket-encryption`,
      { bucket: this.bucket.id, // Log files are SSE-KMS encrypted by the trail itself (kmsKeyId); other objects get SSE-S3.
        rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' } }] },
      { parent: this },
    );
    const bucketPolicy = new aws.s3.BucketPolicy(
      `${name}-bucket-policy`,
      {
        bucket: this.bucket.id,
        policy: pulumi.jsonStringify(
          policy([
            {
              Sid: 'CloudTrailChecksAcl',
              Effect: 'Allow',
              Principal: { Service: 'cloudtrail.amazonaws.com' },
              Action: 's3:GetBucketAcl',
              Resource: this.bucket.arn,
              Condition: { StringEquals: { 'aws:SourceArn': trailArn } },
            },
            {
              Sid: 'CloudTrailWritesLogs',
              Effect: 'Allow',
              Principal: { Service: 'cloudtrail.amazonaws.com' },
              Action: 's3:PutObject',
              Resource: pulumi.interpolate`${this.bucket.arn}/AWSLogs/${accountId}/*`,
              Condition: { StringEquals: { 's3:x-amz-acl': 'bucket-owner-full-control', 'aws:SourceArn': trailArn } },
            },
            {
              Sid: 'DenyInsecureTransport',
              Effect: 'Deny',
              Principal: '*',
              Action: 's3:*',
              Resource: [this.bucket.arn, pulumi.interpolate`${this.bucket.arn}/*`],
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            },
          ]),
        ),
      },
      { parent: this, dependsOn: [publicAccess] },
    );

    this.logGroup = new aws.cloudwatch.LogGroup(
      `${name}-log-group`,
      { name: `/aws/cloudtrail/${args.trailName}`, retentionInDays: args.logRetentionDays, tags: t },
      { parent: this },
    );
    const logsRole = new aws.iam.Role(
      `${name}-logs-role`,
      {
        name: `${PROJECT}-cloudtrail-logs`,
        description: 'Lets CloudTrail deliver the audit trail to CloudWatch Logs',
        assumeRolePolicy: pulumi.jsonStringify(
          policy([
            {
              Effect: 'Allow',
              Principal: { Service: 'cloudtrail.amazonaws.com' },
              Action: 'sts:AssumeRole',
              Condition: { StringEquals: { 'aws:SourceArn': trailArn } },
            },
          ]),
        ),
        tags: t,
      },
      { parent: this },
    );
    const logsPolicy = new aws.iam.RolePolicy(
      `${name}-logs-policy`,
      {
        role: logsRole.id,
        policy: pulumi.jsonStringify(
          policy([
            {
              Sid: 'DeliverTrailToLogGroup',
              Effect: 'Allow',
              Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
              Resource: pulumi.interpolate`${this.logGroup.arn}:log-stream:*`,
            },
          ]),
        ),
      },
      { parent: this },
    );

    this.trail = new aws.cloudtrail.Trail(
      `${name}-trail`,
      {
        name: args.trailName,
        s3BucketName: this.bucket.id,
        isMultiRegionTrail: true,
        includeGlobalServiceEvents: true,
        enableLogFileValidation: true,
        enableLogging: true,
        kmsKeyId: args.kmsKeyArn,
        cloudWatchLogsGroupArn: pulumi.interpolate`${this.logGroup.arn}:*`,
        cloudWatchLogsRoleArn: logsRole.arn,
        eventSelectors: [{ readWriteType: 'All', includeManagementEvents: true }],
        tags: t,
      },
      { parent: this, dependsOn: [bucketPolicy, logsPolicy] },
    );
    this.registerOutputs({ trailArn: this.trail.arn, bucket: this.bucket.id, logGroup: this.logGroup.name });
  }
}

/** CloudWatch Logs filter: a denied call to Secrets Manager, Parameter Store or KMS. */
export const ACCESS_DENIED_PATTERN =
  '{ (($.errorCode = "AccessDenied*") || ($.errorCode = "*UnauthorizedOperation")) && (($.eventSource = "secretsmanager.amazonaws.com") || ($.eventSource = "ssm.amazonaws.com") || ($.eventSource = "kms.amazonaws.com")) }';

/** EventBridge pattern: Secrets Manager reports a failed or abandoned rotation. */
export const ROTATION_FAILED_PATTERN = {
  source: ['aws.secretsmanager'],
  'detail-type': ['AWS Service Event via CloudTrail'],
  detail: { eventSource: ['secretsmanager.amazonaws.com'], eventName: ['RotationFailed', 'RotationAbandoned'] },
};

export const ALARM_NAMESPACE = 'MonoRepo/Security';
export const ACCESS_DENIED_METRIC = 'SecretsAccessDenied';

export interface AlertsArgs {
  readonly account: AccountConfig;
  readonly notificationEmails: readonly string[];
  /** Log group the trail delivers to. */
  readonly trailLogGroupName: pulumi.Input<string>;
}

export class Alerts extends pulumi.ComponentResource {
  public readonly topic: aws.sns.Topic;

  constructor(name: string, args: AlertsArgs, opts?: pulumi.ComponentResourceOptions) {
    if (args.notificationEmails.length === 0) throw new Error(`${name}: at least one notification email is needed`);
    super('mono-repo:audit:Alerts', name, {}, opts);
    const t = tags('shared', 'alerts', 'audit');
    const { accountId, region } = args.account;

    this.topic = new aws.sns.Topic(`${name}-topic`, { name: `${PROJECT}-security-alerts`, displayName: 'mono-repo security alerts', tags: t }, { parent: this });
    args.notificationEmails.forEach((email, i) => {
      new aws.sns.TopicSubscription(`${name}-email-${i + 1}`, { topic: this.topic.arn, protocol: 'email', endpoint: email }, { parent: this });
    });

    const rule = new aws.cloudwatch.EventRule(
      `${name}-rotation-failed`,
      {
        name: `${PROJECT}-rotation-failed`,
        description: 'A Secrets Manager rotation failed or was abandoned',
        eventPattern: JSON.stringify(ROTATION_FAILED_PATTERN),
        tags: t,
      },
      { parent: this },
    );
    new aws.cloudwatch.EventTarget(`${name}-rotation-failed-target`, { rule: rule.name, arn: this.topic.arn, targetId: 'security-alerts' }, { parent: this });

    new aws.sns.TopicPolicy(
      `${name}-topic-policy`,
      {
        arn: this.topic.arn,
        policy: pulumi.jsonStringify(
          policy([
            {
              Sid: 'EventBridgePublishesRotationFailures',
              Effect: 'Allow',
              Principal: { Service: 'events.amazonaws.com' },
              Action: 'sns:Publish',
              Resource: this.topic.arn,
              Condition: { ArnEquals: { 'aws:SourceArn': rule.arn } },
            },
            {
              Sid: 'CloudWatchAlarmsPublish',
              Effect: 'Allow',
              Principal: { Service: 'cloudwatch.amazonaws.com' },
              Action: 'sns:Publish',
              Resource: this.topic.arn,
              Condition: { ArnLike: { 'aws:SourceArn': `arn:aws:cloudwatch:${region}:${accountId}:alarm:${PROJECT}-*` } },
            },
          ]),
        ),
      },
      { parent: this },
    );

    const filter = new aws.cloudwatch.LogMetricFilter(
      `${name}-access-denied-filter`,
      {
        name: `${PROJECT}-secrets-access-denied`,
        logGroupName: args.trailLogGroupName,
        pattern: ACCESS_DENIED_PATTERN,
        metricTransformation: { name: ACCESS_DENIED_METRIC, namespace: ALARM_NAMESPACE, value: '1', defaultValue: '0' },
      },
      { parent: this },
    );
    new aws.cloudwatch.MetricAlarm(
      `${name}-access-denied-alarm`,
      {
        name: `${PROJECT}-secrets-access-denied`,
        alarmDescription: 'AccessDenied on a Secrets Manager, Parameter Store or KMS call',
        namespace: ALARM_NAMESPACE,
        metricName: ACCESS_DENIED_METRIC,
        statistic: 'Sum',
        period: 300,
        evaluationPeriods: 1,
        threshold: 1,
        comparisonOperator: 'GreaterThanOrEqualToThreshold',
        treatMissingData: 'notBreaching',
        alarmActions: [this.topic.arn],
        tags: t,
      },
      { parent: this, dependsOn: [filter] },
    );
    this.registerOutputs({ topicArn: this.topic.arn, ruleArn: rule.arn });
  }
}
