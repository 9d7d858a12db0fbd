/**
 * Data at rest (diagrams/compliance/rules/at-rest.ts): SEC-001 customer-managed keys, SEC-002 secret
 * rotation, SEC-003 key rotation, SEC-004 key replicas, SEC-005 deletion safety of prod keys and
 * secrets, SEC-006 no secret in a String parameter. Expected details are written from the resources.
 */

import { describe, expect, it } from 'vitest';
import { EstateFixture, UNKNOWN_VALUE } from '../../fixtures/estates.ts';
import { expectNotApplicable, expectSubjects, finding } from '../helpers.ts';

describe('SEC-001 secrets use a customer-managed key', () => {
  it('is met for SecureStrings and secrets on a key of the estate, by ARN, id or alias, in this stack or another', () => {
    const f = new EstateFixture();
    const shared = f.stack('shared').key('shared-key');
    const s = f.stack('dev');
    const own = s.key('dev-key');
    s.parameter('/app/dev/by-arn', { type: 'SecureString', key: own });
    s.parameter('/app/dev/by-id', { type: 'SecureString', key: shared.id });
    s.parameter('/app/dev/by-alias', { type: 'SecureString', key: 'alias/shared-key' });
    s.parameter('/app/dev/plain', { type: 'String' });
    s.secret('app/dev/db', { key: own });
    expectSubjects(finding(f, 'dev', 'SEC-001'), {
      met: ['/app/dev/by-alias: encrypted with alias/shared-key', '/app/dev/by-arn: encrypted with alias/dev-key', '/app/dev/by-id: encrypted with alias/shared-key', 'app/dev/db: encrypted with alias/dev-key'],
    });
  });

  it('is not met on the AWS-managed keys, named or by default', () => {
    const f = new EstateFixture();
    const s = f.stack('dev');
    s.parameter('/app/dev/default', { type: 'SecureString' });
    s.parameter('/app/dev/named', { type: 'SecureString', key: 'alias/aws/ssm' });
    s.secret('app/dev/default');
    s.secret('app/dev/named', { key: 'alias/aws/secretsmanager' });
    expectSubjects(finding(f, 'dev', 'SEC-001'), {
      notMet: [
        '/app/dev/default: encrypted with the AWS-managed aws/ssm key',
        '/app/dev/named: encrypted with the AWS-managed alias/aws/ssm',
        'app/dev/default: encrypted with the AWS-managed aws/secretsmanager key',
        'app/dev/named: encrypted with the AWS-managed alias/aws/secretsmanager',
      ],
    });
  });

  it('accepts a key outside the estate and a key not known before deployment, saying which', () => {
    const f = new EstateFixture();
    const s = f.stack('dev');
    s.parameter('/app/dev/foreign', { type: 'SecureString', key: 'arn:aws:kms:eu-west-1:999999999999:key/abc' });
    s.secret('app/dev/later', { key: UNKNOWN_VALUE });
    expectSubjects(finding(f, 'dev', 'SEC-001'), {
      met: ['/app/dev/foreign: encrypted with arn:aws:kms:eu-west-1:999999999999:key/abc (a key outside the estate)', 'app/dev/later: encrypted with a key set from an output (known at deploy time)'],
    });
  });

  it('reads the aws-native secret and key (named by the key when it has no alias)', () => {
    const f = new EstateFixture();
    const s = f.stack('dev');
    s.nativeSecret('app/dev/native', { key: s.nativeKey('native-key') });
    s.nativeSecret('app/dev/default');
    expectSubjects(finding(f, 'dev', 'SEC-001'), { notMet: ['app/dev/default: encrypted with the AWS-managed aws/secretsmanager key'], met: ['app/dev/native: encrypted with native-key'] });
  });

  it('is not applicable without SecureStrings or secrets', () => {
    const f = new EstateFixture();
    f.stack('dev').parameter('/app/dev/host');
    expectNotApplicable(finding(f, 'dev', 'SEC-001'));
  });
});

describe('SEC-001 on replica secrets', () => {
  it('a replica without its own key is encrypted with aws/secretsmanager of its region', () => {
    const f = new EstateFixture();
    const s = f.stack('prod');
    const k = s.key('app-key');
    s.secret('app/prod/replicated', { key: k, replicaRegions: ['us-east-1'] });
    expectSubjects(finding(f, 'prod', 'SEC-001'), { notMet: ['app/prod/replicated: encrypted with alias/app-key; its replica in us-east-1 with the AWS-managed aws/secretsmanager key'] });
  });
});

describe('SEC-002 secrets rotate within 90 days', () => {
  it('is met by a rotation of at most 90 days by a function of the estate, or one set from an output', () => {
    const f = new EstateFixture();
    const s = f.stack('dev');
    const fn = s.lambda('rotator', s.role('rotator-role'));
    s.secret('app/dev/thirty', { rotationDays: 30, rotationLambda: fn });
    s.secret('app/dev/ninety', { rotationDays: 90, rotationLambda: fn.arn });
    s.secret('app/dev/rate', { rotationSchedule: 'rate(10 days)', rotationLambda: fn });
    s.secret('app/dev/hours', { rotationSchedule: 'rate(4 hours)', rotationLambda: fn });
    s.secret('app/dev/later', { rotationDays: 30, rotationLambda: UNKNOWN_VALUE });
    expectSubjects(finding(f, 'dev', 'SEC-002'), {
      met: ['app/dev/hours: rotates every 4 h by rotator', 'app/dev/later: rotates every 30 d by a function known at deploy time', 'app/dev/ninety: rotates every 90 d by rotator', 'app/dev/rate: rotates every 10 d by rotator', 'app/dev/thirty: rotates every 30 d by rotator'],
    });
  });

  it('is not met without rotation, past 90 days, on an unknown interval, or without a function of the estate', () => {
    const f = new EstateFixture();
    const s = f.stack('dev');
    const fn = s.lambda('rotator', s.role('rotator-role'));
    s.secret('app/dev/none');
    s.secret('app/dev/slow', { rotationDays: 120, rotationLambda: fn });
    s.secret('app/dev/cron', { rotationSchedule: 'cron(0 0 1 * ? *)', rotationLambda: fn });
    s.secret('app/dev/orphan', { rotationDays: 30 });
    s.secret('app/dev/gone', { rotationDays: 30, rotationLambda: 'arn:aws:lambda:eu-west-1:111122223333:function:gone' });
    expectSubjects(finding(f, 'dev', 'SEC-002'), {
      notMet: [
        'app/dev/cron: rotation interval unknown (cron(0 0 1 * ? *)); must be at most 90 d',
        'app/dev/gone: rotation function arn:aws:lambda:eu-west-1:111122223333:function:gone is not in the estate',
        'app/dev/none: rotation is not enabled',
        'app/dev/orphan: rotates every 30 d but names no rotation function',
        'app/dev/slow: rotates every 120 d (more than 90 d)',
      ],
    });
  });

  it('applies a stricter maximum from the options', () => {
    const f = new EstateFixture();
    const s = f.stack('dev');
    s.secret('app/dev/thirty', { rotationDays: 30, rotationLambda: s.lambda('rotator', s.role('r')) });
    expectSubjects(finding(f, 'dev', 'SEC-002', { maxSecretRotationDays: 20 }), { notMet: ['app/dev/thirty: rotates every 30 d (more than 20 d)'] });
  });

  it('is not applicable without secrets', () => {
    const f = new EstateFixture();
    f.stack('dev').parameter('/app/dev/token', { type: 'SecureString' });
    expectNotApplicable(finding(f, 'dev', 'SEC-002'));
  });
});

describe('SEC-003 KMS keys rotate automatically', () => {
  it('judges the stack\'s symmetric keys: on, period within 365 days, off, too long, not known', () => {
    const f = new EstateFixture();
    const s = f.stack('shared');
    s.key('default-period');
    s.key('half-year', { rotationPeriodInDays: 180 });
    s.key('off', { rotation: false });
    s.key('too-long', { rotationPeriodInDays: 400 });
    s.key('later', { rotation: UNKNOWN_VALUE });
    s.key('signing', { keyUsage: 'SIGN_VERIFY', rotation: false });
    expectSubjects(finding(f, 'shared', 'SEC-003'), {
      notMet: ['alias/later: automatic rotation could not be determined', 'alias/off: automatic rotation is off', 'alias/too-long: rotates every 400 d (more than 365 d)'],
      met: ['alias/default-period: rotates every 365 d', 'alias/half-year: rotates every 180 d'],
    });
  });

  it('an ExternalKey (imported material) is a key of the estate: its policy is judged, its rotation is not asked for, its material never shown', () => {
    const f = new EstateFixture();
    const s = f.stack('shared');
    const id = '0000aaaa-0000-0000-0000-000000000000';
    const urn = s.add('aws:kms/externalKey:ExternalKey', 'imported', { keyMaterialBase64: 'cGxhbnRlZC1rZXktbWF0ZXJpYWw=', policy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 'kms:*', Resource: '*' }] }) }, { id, arn: s.keyArn(id) });
    s.secret('app/shared/db', { key: { urn, arn: s.keyArn(id), id, name: 'imported' } });
    const e = f.estate();
    expect(e.keys.map((k) => k.name)).toEqual(['imported']);
    expect(JSON.stringify(e)).not.toContain('cGxhbnRlZC1rZXktbWF0ZXJpYWw=');
    expect(finding(e, 'shared', 'SEC-003').status).toBe('not-applicable');
    expectSubjects(finding(e, 'shared', 'SEC-025'), { notMet: ['imported: key policy allows * (any AWS principal)'] });
  });

  it('leaves out keys KMS cannot rotate: asymmetric and HMAC key specs, custom key stores', () => {
    const f = new EstateFixture();
    const s = f.stack('shared');
    s.key('rsa', { keySpec: 'RSA_2048', rotation: false });
    s.key('hmac', { keySpec: 'HMAC_256', keyUsage: 'GENERATE_VERIFY_MAC', rotation: false });
    s.key('cloudhsm', { customKeyStoreId: 'cks-1234567890abcdef0', rotation: false });
    s.key('symmetric', { keySpec: 'SYMMETRIC_DEFAULT', rotation: false });
    expectSubjects(finding(f, 'shared', 'SEC-003'), { notMet: ['alias/symmetric: automatic rotation is off'] });
  });

  it('judges in an environment stack the shared keys its data uses, marked with their stack, and not the others', () => {
    const f = new EstateFixture();
    const shared = f.stack('shared');
    const used = shared.key('used-key', { rotation: false });
    shared.key('unused-key', { rotation: false });
    const trailKey = shared.key('trail-key');
    const dev = f.stack('dev');
    dev.parameter('/app/dev/token', { type: 'SecureString', key: used });
    dev.parameter('/app/dev/host', { type: 'String', key: 'alias/unused-key' });
    dev.trail('dev-trail', { key: trailKey });
    const e = f.estate();
    expectSubjects(finding(e, 'dev', 'SEC-003'), { notMet: ['alias/used-key: automatic rotation is off (stack shared)'], met: ['alias/trail-key: rotates every 365 d (stack shared)'] });
    // The owning stack judges its own keys without a stack mark.
    expect(finding(e, 'shared', 'SEC-003').subjects.map((x) => `${x.name}: ${x.detail}`)).toEqual([
      'alias/unused-key: automatic rotation is off',
      'alias/used-key: automatic rotation is off',
      'alias/trail-key: rotates every 365 d',
    ]);
  });

  it('is not applicable, with a note, where the keys used are defined in a stack that is not loaded', () => {
    const f = new EstateFixture();
    const dev = f.stack('dev');
    dev.stackReference('organization/app/shared');
    dev.parameter('/app/dev/a', { type: 'SecureString', key: dev.keyArn('aaaa-1111') });
    dev.secret('app/dev/b', { key: dev.keyArn('aaaa-1111') });
    dev.secret('app/dev/c', { key: dev.keyArn('bbbb-2222') });
    const fd = finding(f, 'dev', 'SEC-003');
    expectNotApplicable(fd);
    expect(fd.note).toBe('2 keys (aaaa-1111, bbbb-2222) used by 3 resources of this stack are not judged here (stack organization/app/shared is not loaded): checked where the key is defined');
  });

  it('says where no referenced stack explains a missing key, and has no note when every key resolves', () => {
    const f = new EstateFixture();
    const dev = f.stack('dev');
    dev.secret('app/dev/a', { key: 'arn:aws:kms:eu-west-1:999999999999:key/abc' });
    expect(finding(f, 'dev', 'SEC-003').note).toBe('1 key (abc) used by 1 resource of this stack is not judged here (not defined in the loaded stacks): checked where the key is defined');
    const g = new EstateFixture();
    const s = g.stack('dev');
    s.secret('app/dev/a', { key: s.key('k') });
    s.secret('app/dev/b', { key: 'alias/aws/secretsmanager' });
    expect(finding(g, 'dev', 'SEC-003').note).toBeUndefined();
  });

  it('says a key not known before deployment (a preview, no dependency edge to the key) is not judged', () => {
    const f = new EstateFixture();
    const dev = f.stack('dev');
    dev.key('k');
    dev.secret('app/dev/a', { key: UNKNOWN_VALUE });
    dev.parameter('/app/dev/b', { type: 'SecureString', key: UNKNOWN_VALUE });
    expect(finding(f, 'dev', 'SEC-003').note).toBe('the keys of 2 resources of this stack are not known before deployment (they may be any key): not judged');
  });

  it('reads the aws-native key', () => {
    const f = new EstateFixture();
    f.stack('shared').nativeKey('native-key', { rotation: false });
    expectSubjects(finding(f, 'shared', 'SEC-003'), { notMet: ['native-key: automatic rotation is off'] });
  });
});

describe('SEC-004 critical keys replicated to a second region', () => {
  it('requires a replica in another region of prod keys and of multi-region keys', () => {
    const f = new EstateFixture();
    const prod = f.stack('prod');
    prod.key('replicated', { multiRegion: true, replicaRegion: 'eu-central-1' });
    prod.key('single');
    prod.key('no-replica', { multiRegion: true });
    const dev = f.stack('dev');
    dev.key('dev-single');
    dev.key('dev-multi', { multiRegion: true });
    const e = f.estate();
    expectSubjects(finding(e, 'prod', 'SEC-004'), {
      notMet: ['alias/no-replica: prod key (in prod), multi-region but has no replica in another region', 'alias/single: prod key (in prod) but single-region: cannot be replicated'],
      met: ['alias/replicated: prod key (in prod), replicated to eu-central-1'],
    });
    // A dev key is judged only when declared multi-region.
    expectSubjects(finding(e, 'dev', 'SEC-004'), { notMet: ['alias/dev-multi: declared multi-region, multi-region but has no replica in another region'] });
  });

  it('treats a shared key that encrypts prod data as a prod key, and a replica in the same region as none', () => {
    const f = new EstateFixture();
    const shared = f.stack('shared');
    const k = shared.key('data-key', { multiRegion: true, replicaRegion: 'eu-west-1' });
    f.stack('prod').secret('app/prod/db', { key: k });
    const e = f.estate();
    expectSubjects(finding(e, 'shared', 'SEC-004'), { notMet: ['alias/data-key: prod key (encrypts prod data (app/prod/db)), multi-region but has no replica in another region'] });
    expectSubjects(finding(e, 'prod', 'SEC-004'), {
      notMet: ['alias/data-key: prod key (encrypts prod data (app/prod/db)), multi-region but has no replica in another region (stack shared)'],
    });
  });

  it('follows an Environment tag over the stack\'s environment, and the prod environments of the options', () => {
    const f = new EstateFixture();
    const dev = f.stack('dev');
    dev.parameter('/app/dev/a', { tags: { Environment: 'dev' } });
    dev.parameter('/app/dev/b', { tags: { Environment: 'dev' } });
    dev.key('dev-key');
    dev.key('tagged-key', { tags: { Environment: 'production' } });
    const eu = f.stack('eu');
    eu.key('live-key', { tags: { Environment: 'live' } });
    const e = f.estate();
    expectSubjects(finding(e, 'dev', 'SEC-004'), { notMet: ['alias/tagged-key: prod key (in production) but single-region: cannot be replicated'] });
    expectNotApplicable(finding(e, 'eu', 'SEC-004'));
    expectSubjects(finding(e, 'eu', 'SEC-004', { prodEnvironments: ['live'] }), { notMet: ['alias/live-key: prod key (in live) but single-region: cannot be replicated'] });
  });

  it('is not applicable for single-region keys outside prod', () => {
    const f = new EstateFixture();
    f.stack('dev').key('dev-key');
    expectNotApplicable(finding(f, 'dev', 'SEC-004'));
  });
});

describe('SEC-005 prod keys and secrets protected from deletion', () => {
  it('is met for protected prod keys and secrets with 30-day windows (the AWS default when unset)', () => {
    const f = new EstateFixture();
    const s = f.stack('prod');
    s.key('prod-key', { protect: true });
    s.secret('app/prod/db', { protect: true });
    s.secret('app/prod/api', { protect: true, recoveryWindowInDays: 30 });
    expectSubjects(finding(f, 'prod', 'SEC-005'), {
      met: ['alias/prod-key: protected, deletion window 30 d', 'app/prod/api: protected, recovery window 30 d', 'app/prod/db: protected, recovery window 30 d'],
    });
  });

  it('counts retainOnDelete as protection; a secret the stack only reads (external) is judged where it is managed', () => {
    const f = new EstateFixture();
    const s = f.stack('prod');
    const k = s.key('retained-key');
    const sec = s.secret('app/prod/retained');
    const read = s.secret('partner/prod/token');
    const row = (urn: string) => s.rows.find((r) => r.urn === urn) as { retainOnDelete?: boolean; external?: boolean };
    row(k.urn).retainOnDelete = true;
    row(sec.urn).retainOnDelete = true;
    row(read.urn).external = true;
    expectSubjects(finding(f, 'prod', 'SEC-005'), {
      met: ['alias/retained-key: retained on delete, deletion window 30 d', 'app/prod/retained: retained on delete, recovery window 30 d'],
    });
    expect(finding(f, 'prod', 'SEC-002').subjects.map((x) => x.name)).toEqual(['app/prod/retained']);
  });

  it('names each problem: not protected, a short window, no recovery', () => {
    const f = new EstateFixture();
    const s = f.stack('prod');
    s.key('short', { protect: true, deletionWindowInDays: 7 });
    s.key('loose');
    s.secret('app/prod/week', { recoveryWindowInDays: 7 });
    s.secret('app/prod/now', { protect: true, recoveryWindowInDays: 0 });
    expectSubjects(finding(f, 'prod', 'SEC-005'), {
      notMet: [
        'alias/loose: prod key: not protected',
        'alias/short: prod key: deletion window 7 d (less than 30 d)',
        'app/prod/now: prod secret: deleted without recovery (window 0)',
        'app/prod/week: prod secret: not protected, recovery window 7 d (less than 30 d)',
      ],
    });
  });

  it('judges a secret tagged prod in another stack, a shared key encrypting prod data, and the options\' windows', () => {
    const f = new EstateFixture();
    const shared = f.stack('shared');
    const k = shared.key('data-key', { protect: true, deletionWindowInDays: 14 });
    shared.secret('app/shared/prod-token', { protect: true, recoveryWindowInDays: 14, tags: { Environment: 'prod' } });
    f.stack('prod').parameter('/app/prod/token', { type: 'SecureString', key: k });
    const e = f.estate();
    expectSubjects(finding(e, 'shared', 'SEC-005'), { notMet: ['alias/data-key: prod key: deletion window 14 d (less than 30 d)', 'app/shared/prod-token: prod secret: recovery window 14 d (less than 30 d)'] });
    expectSubjects(finding(e, 'shared', 'SEC-005', { minProdKeyDeletionWindowDays: 14, minProdRecoveryWindowDays: 7 }), {
      met: ['alias/data-key: protected, deletion window 14 d', 'app/shared/prod-token: protected, recovery window 14 d'],
    });
  });

  it('is not applicable outside prod', () => {
    const f = new EstateFixture();
    const s = f.stack('dev');
    s.key('dev-key');
    s.secret('app/dev/db', { recoveryWindowInDays: 0 });
    expectNotApplicable(finding(f, 'dev', 'SEC-005'));
  });
});

describe('SEC-006 no secret in a plain String parameter', () => {
  it('flags String and StringList parameters whose last segment names a secret', () => {
    const f = new EstateFixture();
    const s = f.stack('dev');
    s.parameter('/app/dev/db/password');
    s.parameter('/app/dev/api/apiToken');
    s.parameter('/app/dev/api/keys', { type: 'StringList' });
    s.parameter('/app/dev/db/host');
    s.parameter('/app/dev/db/password-min-length');
    s.parameter('/app/dev/kms/key-id');
    s.parameter('/app/dev/db/secure', { type: 'SecureString' });
    expectSubjects(finding(f, 'dev', 'SEC-006'), {
      notMet: ['/app/dev/api/apiToken: String whose name says "token": should be a SecureString', '/app/dev/api/keys: StringList whose name says "keys": should be a SecureString', '/app/dev/db/password: String whose name says "password": should be a SecureString'],
      met: ['/app/dev/db/host: String; name does not suggest a secret', '/app/dev/db/password-min-length: String; name does not suggest a secret', '/app/dev/kms/key-id: String; name does not suggest a secret'],
    });
  });

  it('is not applicable with SecureStrings only', () => {
    const f = new EstateFixture();
    f.stack('dev').parameter('/app/dev/db/password', { type: 'SecureString' });
    expectNotApplicable(finding(f, 'dev', 'SEC-006'));
  });
});
