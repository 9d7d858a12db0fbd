/**
 * Audit and alerting (build/audit.ts): CloudTrail trails (wherever they sit: inside awsx, eks or
 * user components too), their bucket's public access block and encryption; alarms and the metric
 * filters that feed them; EventBridge rules and their targets; SNS topics and subscriptions.
 */
import { describe, expect, it } from 'vitest';
import { ACCOUNT, EstateFixture, REGION } from '../../fixtures/estates.ts';
import { named } from '../helpers.ts';

describe('trails', () => {
  it('trails inside components are real trails, with their multi-region and log validation values', () => {
    const f = new EstateFixture('audit');
    const s = f.stack('prod');
    const org = s.component('awsx:index:OrgAudit', 'org');
    const nested = s.within(org, () => s.component('custom:audit:Region', 'eu'));
    s.within(org, () => s.trail('org-trail', { multiRegion: true, validation: true }));
    s.within(nested, () => s.trail('eu-trail', { multiRegion: false, validation: true }));
    const user = s.component('my:components:Audit', 'user-audit');
    s.within(user, () => s.add('aws-native:cloudtrail:Trail', 'native', { trailName: 'native-trail', s3BucketName: 'native-logs', isLogging: true, isMultiRegionTrail: true, enableLogFileValidation: true }, { id: 'native-trail', arn: `arn:aws:cloudtrail:${REGION}:${ACCOUNT}:trail/native-trail` }));
    const e = f.estate();
    expect(e.audit.trails.map((t) => [t.name, t.multiRegion, t.logFileValidation])).toEqual([
      ['eu-trail', false, true],
      ['native-trail', true, true],
      ['org-trail', true, true],
    ]);
    expect(e.stacks[0]!.coverage).toMatchObject({ resources: 3, modelled: 3, components: 3, unmodelled: {} });
  });

  it('key by ARN, the bucket\'s public access block and SSE-KMS encryption with its key', () => {
    const f = new EstateFixture();
    const s = f.stack('shared');
    const key = s.key('trail-key');
    s.bucket('kms-logs', { encryption: key });
    s.trail('kms-trail', { key, bucket: 'kms-logs' });
    s.bucket('s3-logs', { encryption: 'sse-s3', blocked: false });
    s.trail('s3-trail', { bucket: 's3-logs', multiRegion: false, validation: false });
    s.bucket('default-logs');
    s.trail('default-trail', { bucket: 'default-logs' });
    s.trail('foreign-trail', { bucket: 'bucket-of-another-stack' });
    const e = f.estate();
    expect(named(e.audit.trails, 'kms-trail')).toMatchObject({ kmsKeyId: key.arn, keyUrn: key.urn, bucket: 'kms-logs', bucketPublicAccessBlocked: true, bucketEncryption: { kind: 'sse-kms', keyId: key.arn, keyUrn: key.urn }, events: ['management events (read+write)'] });
    expect(named(e.audit.trails, 's3-trail')).toMatchObject({ multiRegion: false, logFileValidation: false, bucketPublicAccessBlocked: false, bucketEncryption: { kind: 'sse-s3' } });
    expect(named(e.audit.trails, 'default-trail')).toMatchObject({ bucketPublicAccessBlocked: true, bucketEncryption: { kind: 'sse-s3' } });
    expect(named(e.audit.trails, 'foreign-trail')).toMatchObject({ bucketPublicAccessBlocked: 'unknown', bucketEncryption: { kind: 'unknown' } });
  });

  it('an account-level public access block covers every bucket; event selectors read as words', () => {
    const f = new EstateFixture();
    const s = f.stack('shared');
    s.add('aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock', 'account', { blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true }, { id: ACCOUNT });
    s.add('aws:cloudtrail/trail:Trail', 't', { name: 't', s3BucketName: 'anywhere', eventSelectors: [{ readWriteType: 'WriteOnly', includeManagementEvents: true, dataResources: [{ type: 'AWS::S3::Object', values: ['arn:aws:s3:::b/'] }] }] }, { id: 't' });
    expect(f.estate().audit.trails[0]).toMatchObject({ bucketPublicAccessBlocked: true, events: ['data events: AWS::S3::Object (arn:aws:s3:::b/) (write)', 'management events (write)'], multiRegion: false });
  });
});

describe('alarms, rules and topics', () => {
  const f = new EstateFixture();
  const s = f.stack('shared');
  const topic = s.topic('security-alerts', ['sec@example.com']);
  s.add('aws:cloudwatch/logMetricFilter:LogMetricFilter', 'denied-filter', { name: 'denied', pattern: '{ ($.errorCode = "AccessDenied") }', metricTransformation: { name: 'DeniedCalls', namespace: 'Security', value: '1' } }, { id: 'denied' });
  s.alarm('denied-calls', { metricName: 'DeniedCalls', description: 'calls', topics: [topic] });
  s.alarm('cpu', { metricName: 'CPUUtilization', description: 'CPU high' });
  s.eventRule('rotation-failed', { pattern: JSON.stringify({ source: ['aws.secretsmanager'], detail: { eventName: ['RotationFailed'] } }), topics: [topic] });
  s.eventRule('nightly', { schedule: 'cron(0 3 * * ? *)' });
  const e = f.estate();

  it('an alarm watches what its metric filter matches; topics by ARN', () => {
    expect(named(e.audit.alarms, 'denied-calls')).toMatchObject({ watches: 'access-denied', topics: [topic.urn], metricName: 'DeniedCalls', namespace: 'Security' });
    expect(named(e.audit.alarms, 'cpu')).toMatchObject({ watches: 'other', topics: [] });
  });

  it('rules: pattern or schedule, targets resolved to topics', () => {
    expect(named(e.audit.eventRules, 'rotation-failed')).toMatchObject({ watches: 'rotation-failure', topics: [topic.urn] });
    expect(named(e.audit.eventRules, 'nightly')).toMatchObject({ watches: 'other', topics: [], pattern: 'cron(0 3 * * ? *)' });
  });

  it('topics with their subscriptions', () => {
    expect(e.audit.topics).toHaveLength(1);
    expect(e.audit.topics[0]).toMatchObject({ name: 'security-alerts', arn: topic.arn, subscriptions: [{ protocol: 'email', endpoint: 'sec@example.com' }] });
  });
});

describe('aws-native audit shapes', () => {
  const f = new EstateFixture();
  const s = f.stack('shared');
  const topicArn = `arn:aws:sns:${REGION}:${ACCOUNT}:native-alerts`;
  const topic = s.add('aws-native:sns:Topic', 'alerts', { topicName: 'native-alerts', subscription: [{ protocol: 'email', endpoint: 'ops@example.com' }] }, { id: topicArn, outputs: { topicName: 'native-alerts', subscription: [{ protocol: 'email', endpoint: 'ops@example.com' }], topicArn } });
  s.add('aws-native:sns:Subscription', 'pager', { topicArn, protocol: 'https', endpoint: 'https://pager.example.com' }, { id: `${topicArn}:pager` });
  s.add('aws-native:logs:MetricFilter', 'denied', { filterName: 'denied', logGroupName: 'trail', filterPattern: '{ $.errorCode = "AccessDenied" }', metricTransformations: [{ metricName: 'Denied', metricNamespace: 'Sec', metricValue: '1' }] }, { id: 'denied' });
  s.add('aws-native:cloudwatch:Alarm', 'denied-alarm', { alarmName: 'denied-alarm', metricName: 'Denied', namespace: 'Sec', alarmActions: [topicArn] }, { id: 'denied-alarm' });
  s.add('aws-native:events:Rule', 'rotation', { name: 'rotation-events', eventPattern: { source: ['aws.secretsmanager'], 'detail-type': ['AWS Service Event via CloudTrail'], detail: { eventName: ['RotationFailed'] } }, targets: [{ id: 'alerts', arn: topicArn }] }, { id: 'rotation-events' });
  s.add('aws-native:s3:Bucket', 'logs', { bucketName: 'native-logs', publicAccessBlockConfiguration: { blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true }, bucketEncryption: { serverSideEncryptionConfiguration: [{ serverSideEncryptionByDefault: { sseAlgorithm: 'aws:kms', kmsMasterKeyId: 'alias/logs' } }] } }, { id: 'native-logs' });
  s.add('aws-native:cloudtrail:Trail', 'trail', { trailName: 'native-trail', s3BucketName: 'native-logs', isLogging: true, isMultiRegionTrail: true }, { id: 'native-trail' });
  const e = f.estate();

  it('Topic: topicName, topicArn, inline subscriptions; Subscription by topicArn', () => {
    expect(e.audit.topics).toEqual([expect.objectContaining({ urn: topic, name: 'native-alerts', arn: topicArn, subscriptions: [{ protocol: 'email', endpoint: 'ops@example.com' }, { protocol: 'https', endpoint: 'https://pager.example.com' }] })]);
  });

  it('Alarm: alarmName, fed by a MetricFilter\'s metricTransformations; Rule: inline targets', () => {
    expect(named(e.audit.alarms, 'denied-alarm')).toMatchObject({ watches: 'access-denied', topics: [topic] });
    expect(named(e.audit.eventRules, 'rotation-events')).toMatchObject({ watches: 'rotation-failure', topics: [topic] });
  });

  it('Bucket: inline public access block and SSE-KMS encryption, read for the trail', () => {
    expect(named(e.audit.trails, 'native-trail')).toMatchObject({ multiRegion: true, logFileValidation: false, bucketPublicAccessBlocked: true, bucketEncryption: { kind: 'sse-kms', keyId: 'alias/logs' } });
  });
});

describe('event rules on a schedule', () => {
  it('watch nothing, whatever their name or description says (a scheduled report is not an alert)', () => {
    const f = new EstateFixture();
    const s = f.stack('shared');
    s.eventRule('report-rotation-failures', { schedule: 'rate(1 day)', description: 'Report rotation failures' });
    s.eventRule('rotation-failed', { pattern: JSON.stringify({ source: ['aws.secretsmanager'], 'detail-type': ['AWS API Call via CloudTrail'], detail: { eventName: ['RotationFailed'] } }) });
    const e = f.estate();
    expect(e.audit.eventRules.map((r) => [r.name, r.watches])).toEqual([
      ['report-rotation-failures', 'other'],
      ['rotation-failed', 'rotation-failure'],
    ]);
  });
});
