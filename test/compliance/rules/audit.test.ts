/**
 * Audit and detection (diagrams/compliance/rules/audit.ts): SEC-040 a multi-region trail with log
 * validation, SEC-041 trail logs encrypted and private, SEC-042 an alarm on denied secret access,
 * SEC-043 an alert on failed rotation; judged on the audit pieces that serve the stack (its own, the
 * referenced and account-level stacks', unless tied to another environment).
 */

import { describe, expect, it } from 'vitest';
import { EstateFixture, OTHER_ACCOUNT, UNKNOWN_VALUE } from '../../fixtures/estates.ts';
import { expectNotApplicable, expectSubjects, finding } from '../helpers.ts';

const ROTATION_FAILED = JSON.stringify({ source: ['aws.secretsmanager'], detail: { eventName: ['RotationFailed'] } });

describe('SEC-040 CloudTrail multi-region with validation', () => {
  it('judges the stack\'s trails and the shared stack\'s, marked with their stack', () => {
    const f = new EstateFixture();
    const shared = f.stack('shared');
    shared.trail('org-trail');
    const dev = f.stack('dev');
    dev.stackReference('organization/app/shared');
    dev.secret('app/dev/db');
    dev.trail('dev-local', { multiRegion: false, validation: false });
    dev.trail('dev-later', { multiRegion: UNKNOWN_VALUE, validation: UNKNOWN_VALUE });
    expectSubjects(finding(f, 'dev', 'SEC-040'), {
      notMet: ['dev-later: multi-region unknown, log validation unknown', 'dev-local: single-region, no log file validation'],
      met: ['org-trail: multi-region, log file validation (from stack shared)'],
    });
  });

  it('is not met, on the stack, when a stack that holds secrets has no trail', () => {
    const f = new EstateFixture();
    f.stack('dev').parameter('/app/dev/token', { type: 'SecureString' });
    const fd = finding(f, 'dev', 'SEC-040');
    expectSubjects(fd, { notMet: ["stack dev: no CloudTrail trail records access to this stack's SecureString parameters"] });
    expect(fd.subjects[0]!.urn).toBe('urn:pulumi:dev::app::pulumi:pulumi:Stack::app-dev');
  });

  it('takes the trails of the stack\'s account (a trail records every call of its account), not those of another account', () => {
    const f = new EstateFixture();
    const shared = f.stack('shared');
    shared.key('k1', { tags: { Environment: 'shared' } });
    shared.trail('prod-trail', { tags: { Environment: 'prod' } });
    shared.trail('eu-only', { multiRegion: false });
    f.stack('dev').secret('app/dev/db');
    f.stack('other', { account: OTHER_ACCOUNT }).secret('app/other/db');
    const e = f.estate();
    // Tagged prod, in the same account: it still records dev's calls; so does the single-region trail of the same region.
    expectSubjects(finding(e, 'dev', 'SEC-040'), { met: ['prod-trail: multi-region, log file validation (from stack shared)'], notMet: ['eu-only: single-region (from stack shared)'] });
    expectSubjects(finding(e, 'other', 'SEC-040'), { notMet: ["stack other: no CloudTrail trail records access to this stack's secrets"] });
  });

  it('is not applicable for a stack that holds nothing to protect, or that references a stack that is not loaded', () => {
    const f = new EstateFixture();
    f.stack('web').parameter('/web/dev/host');
    const dev = f.stack('dev');
    dev.stackReference('organization/app/shared');
    dev.secret('app/dev/db');
    const e = f.estate();
    expectNotApplicable(finding(e, 'web', 'SEC-040'));
    expectNotApplicable(finding(e, 'dev', 'SEC-040'));
  });
});

describe('SEC-040 on trails that do not record the reads', () => {
  it('a stopped trail, a WriteOnly one, one excluding KMS events (classic or advanced selectors), one with no management selector', () => {
    const f = new EstateFixture();
    const s = f.stack('dev');
    s.secret('app/dev/db');
    s.trail('stopped', { props: { enableLogging: false } });
    s.trail('writes', { props: { eventSelectors: [{ readWriteType: 'WriteOnly', includeManagementEvents: true }] } });
    s.trail('no-kms', { props: { eventSelectors: [{ readWriteType: 'All', includeManagementEvents: true, excludeManagementEventSources: ['kms.amazonaws.com'] }] } });
    const mgmt = { field: 'eventCategory', equals: ['Management'] };
    s.trail('adv-no-kms', { props: { advancedEventSelectors: [{ name: 'm', fieldSelectors: [mgmt, { field: 'eventSource', notEquals: ['kms.amazonaws.com'] }] }] } });
    s.trail('adv-writes', { props: { advancedEventSelectors: [{ fieldSelectors: [mgmt, { field: 'readOnly', equals: ['false'] }] }] } });
    s.trail('adv-data', { props: { advancedEventSelectors: [{ fieldSelectors: [{ field: 'eventCategory', equals: ['Data'] }, { field: 'resources.type', equals: ['AWS::S3::Object'] }] }] } });
    s.trail('all', { props: { advancedEventSelectors: [{ fieldSelectors: [mgmt] }] } });
    expectSubjects(finding(f, 'dev', 'SEC-040'), {
      notMet: [
        'adv-data: does not record management events (no selector)',
        'adv-no-kms: does not record KMS events (excluded)',
        'adv-writes: does not record read events (readOnly=false)',
        'no-kms: does not record KMS events (excluded)',
        'stopped: logging stopped (enableLogging false)',
        'writes: does not record read events (WriteOnly)',
      ],
      met: ['all: multi-region, log file validation'],
    });
    const trail = f.estate().audit.trails.find((t) => t.name === 'adv-no-kms')!;
    expect(trail.events).toEqual(['m: eventCategory=Management, eventSource!=kms.amazonaws.com']);
  });
});

describe('SEC-043 on an alarm on the rotation function', () => {
  it("an alarm on the rotation function's AWS/Lambda Errors metric reports failed rotations; one on another function does not", () => {
    const f = new EstateFixture();
    const s = f.stack('dev');
    const topic = s.topic('alerts', ['sec@example.com']);
    s.secret('app/dev/db', { rotationDays: 30, rotationLambda: s.lambda('rotate', s.role('rotate-role', { trust: 'lambda' })) });
    s.lambda('web', s.role('web-role', { trust: 'lambda' }));
    s.alarm('rotate-errors', { metricName: 'Errors', namespace: 'AWS/Lambda', description: 'errors', topics: [topic], props: { dimensions: { FunctionName: 'rotate' } } });
    s.alarm('web-errors', { metricName: 'Errors', namespace: 'AWS/Lambda', description: 'errors', topics: [topic], props: { dimensions: { FunctionName: 'web' } } });
    expectSubjects(finding(f, 'dev', 'SEC-043'), { met: ['rotate-errors: notifies 1 topic'] });
  });

  it('an alarm notifying a topic of a stack that is not loaded (its ARN) notifies someone, not nobody', () => {
    const f = new EstateFixture();
    const s = f.stack('dev');
    s.secret('app/dev/db');
    s.alarm('access-denied', { props: { alarmActions: [`arn:aws:sns:eu-west-1:${OTHER_ACCOUNT}:security-alerts`] } });
    expectSubjects(finding(f, 'dev', 'SEC-042'), { met: ['access-denied: notifies 1 SNS topic outside the loaded stacks'] });
  });
});

describe('SEC-040 with an organization trail', () => {
  it("an organization trail of the management account serves a member account's stack, saying on what condition", () => {
    const f = new EstateFixture();
    f.stack('shared').trail('org-trail', { props: { isOrganizationTrail: true } });
    f.stack('shared').trail('mgmt-only');
    f.stack('member', { account: OTHER_ACCOUNT }).secret('app/member/db');
    expectSubjects(finding(f, 'member', 'SEC-040'), {
      met: ['org-trail: multi-region, log file validation (from stack shared); organization trail of account 111122223333: records this stack\'s calls if its account is in the organization'],
    });
  });
});

describe('SEC-041 on the AWS-managed S3 key', () => {
  it('a bucket default of SSE-KMS with aws/s3 (or no key id) is not a customer-managed key', () => {
    const f = new EstateFixture();
    const s = f.stack('dev');
    s.secret('app/dev/db');
    s.bucket('aws-key-logs', { encryption: 'alias/aws/s3' });
    s.trail('t', { bucket: 'aws-key-logs' });
    expectSubjects(finding(f, 'dev', 'SEC-041'), { notMet: ['t: logs encrypted with the AWS-managed key aws/s3, not a customer-managed key'] });
  });
});

describe('SEC-042 and SEC-043 on disabled alerts', () => {
  it('an alarm with actionsEnabled false, an event rule DISABLED: notify nobody', () => {
    const f = new EstateFixture();
    const s = f.stack('dev');
    const topic = s.topic('alerts', ['sec@example.com']);
    s.secret('app/dev/db', { rotationDays: 30, rotationLambda: s.lambda('rotate', s.role('rotate-role', { trust: 'lambda' })) });
    s.alarm('access-denied', { topics: [topic], props: { actionsEnabled: false } });
    s.eventRule('rotation-failed', { pattern: ROTATION_FAILED, topics: [topic], props: { state: 'DISABLED' } });
    s.eventRule('rotation-failed-on', { pattern: ROTATION_FAILED, topics: [topic], props: { state: 'ENABLED' } });
    expectSubjects(finding(f, 'dev', 'SEC-042'), { notMet: ['access-denied: disabled: notifies nobody'] });
    expectSubjects(finding(f, 'dev', 'SEC-043'), { notMet: ['rotation-failed: disabled: notifies nobody'], met: ['rotation-failed-on: notifies 1 topic'] });
  });
});

describe('SEC-041 trail logs encrypted and private', () => {
  it('is met for a KMS-encrypted trail whose bucket blocks public access', () => {
    const f = new EstateFixture();
    const s = f.stack('shared');
    s.bucket('audit-logs');
    s.trail('trail', { key: s.key('trail-key'), bucket: 'audit-logs' });
    expectSubjects(finding(f, 'shared', 'SEC-041'), { met: ['trail: KMS-encrypted, bucket private'] });
  });

  it('counts the bucket\'s default SSE-KMS encryption as encrypting the logs when the trail names no key', () => {
    const f = new EstateFixture();
    const s = f.stack('shared');
    s.bucket('kms-logs', { encryption: s.key('bucket-key') });
    s.trail('trail', { bucket: 'kms-logs' });
    expectSubjects(finding(f, 'shared', 'SEC-041'), { met: ['trail: KMS-encrypted, bucket private'] });
  });

  it('names each problem: no key, a bucket not blocked, a bucket not in the estate', () => {
    const f = new EstateFixture();
    const s = f.stack('shared');
    s.key('k');
    s.bucket('open-logs', { blocked: false });
    s.trail('open-trail', { bucket: 'open-logs' });
    s.trail('elsewhere-trail', { key: s.key('trail-key'), bucket: 'bucket-of-another-account' });
    expectSubjects(finding(f, 'shared', 'SEC-041'), {
      notMet: ['elsewhere-trail: bucket public access block unknown', 'open-trail: logs not encrypted with a KMS key (the bucket uses SSE-S3), bucket public access not blocked'],
    });
  });

  it('is not met, on the stack, without a trail', () => {
    const f = new EstateFixture();
    f.stack('shared').key('k');
    expectSubjects(finding(f, 'shared', 'SEC-041'), { notMet: ['stack shared: no CloudTrail trail, so no audit log to protect'] });
  });
});

describe('SEC-042 alarm on denied secret access', () => {
  it('is met by an alarm that notifies a topic, not met by one that notifies nobody', () => {
    const f = new EstateFixture();
    const shared = f.stack('shared');
    const topic = shared.topic('security-alerts', ['security@example.com']);
    shared.alarm('access-denied', { topics: [topic] });
    shared.alarm('access-denied-silent');
    shared.alarm('cpu-high', { metricName: 'CPUUtilization', description: 'CPU', topics: [topic] });
    const dev = f.stack('dev');
    dev.secret('app/dev/db');
    const e = f.estate();
    expectSubjects(finding(e, 'shared', 'SEC-042'), { notMet: ['access-denied-silent: notifies nobody (no SNS topic)'], met: ['access-denied: notifies 1 topic'] });
    expectSubjects(finding(e, 'dev', 'SEC-042'), {
      notMet: ['access-denied-silent: notifies nobody (no SNS topic) (from stack shared)'],
      met: ['access-denied: notifies 1 topic (from stack shared)'],
    });
  });

  it('is not met, on the stack, without such an alarm, even when another environment has one', () => {
    const f = new EstateFixture();
    const shared = f.stack('shared');
    shared.alarm('prod-access-denied', { topics: [shared.topic('alerts')] });
    f.stack('prod').secret('app/prod/db');
    f.stack('dev').secret('app/dev/db');
    const e = f.estate();
    expectSubjects(finding(e, 'dev', 'SEC-042'), { notMet: ['stack dev: no alarm watches AccessDenied on secret, parameter or decrypt calls'] });
    expectSubjects(finding(e, 'prod', 'SEC-042'), { met: ['prod-access-denied: notifies 1 topic (from stack shared)'] });
  });

  it('is not applicable for a stack with nothing to protect', () => {
    const f = new EstateFixture();
    f.stack('web').role('web-role');
    expectNotApplicable(finding(f, 'web', 'SEC-042'));
  });
});

describe('SEC-043 alert on failed rotation', () => {
  it('is met by an event rule on RotationFailed that notifies a topic, once secrets rotate', () => {
    const f = new EstateFixture();
    const s = f.stack('dev');
    s.secret('app/dev/db', { rotationDays: 30, rotationLambda: s.lambda('rotator', s.role('rotation-role')) });
    s.eventRule('rotation-failed', { pattern: ROTATION_FAILED, topics: [s.topic('alerts')] });
    expectSubjects(finding(f, 'dev', 'SEC-043'), { met: ['rotation-failed: notifies 1 topic'] });
  });

  it('is not met, on the stack, when secrets rotate and nothing reports a failure', () => {
    const f = new EstateFixture();
    const s = f.stack('dev');
    s.secret('app/dev/db', { rotationDays: 30, rotationLambda: s.lambda('rotator', s.role('rotation-role')) });
    s.eventRule('nightly', { schedule: 'rate(1 day)', topics: [s.topic('alerts')] });
    expectSubjects(finding(f, 'dev', 'SEC-043'), { notMet: ['stack dev: no alarm or event rule reports failed rotations'] });
  });

  it('is not applicable when no secret of the stack rotates', () => {
    const f = new EstateFixture();
    const s = f.stack('dev');
    s.secret('app/dev/db');
    s.eventRule('rotation-failed', { pattern: ROTATION_FAILED, topics: [s.topic('alerts')] });
    expectNotApplicable(finding(f, 'dev', 'SEC-043'));
  });
});
