/**
 * Data in transit (diagrams/compliance/rules/in-transit.ts): SEC-010 asks each secret's resource
 * policy and each key policy to deny every request made without TLS.
 */

import { describe, it } from 'vitest';
import { ACCOUNT, EstateFixture, type Statement } from '../../fixtures/estates.ts';
import { expectNotApplicable, expectSubjects, finding } from '../helpers.ts';

const tlsOnly = (action: string, extra: Statement = {}): Statement => ({
  Sid: 'DenyWithoutTls',
  Effect: 'Deny',
  Principal: '*',
  Action: action,
  Resource: '*',
  Condition: { Bool: { 'aws:SecureTransport': 'false' } },
  ...extra,
});
const root: Statement = { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' };

describe('SEC-010 secret and key policies refuse non-TLS requests', () => {
  it('is met by a Deny for everyone when aws:SecureTransport is false, on the Secret, a SecretPolicy, a key policy and aws-native forms', () => {
    const f = new EstateFixture();
    const s = f.stack('prod');
    s.secret('app/prod/inline', { policy: [tlsOnly('secretsmanager:*')] });
    const separate = s.secret('app/prod/separate');
    s.secretPolicy(separate, [tlsOnly('secretsmanager:GetSecretValue', { Condition: { BoolIfExists: { 'aws:securetransport': 'False' } } })]);
    s.secret('app/prod/own-arn', { policy: [tlsOnly('*', { Resource: s.secretArn('app/prod/own-arn') })] });
    s.key('prod-key', { policy: [root, tlsOnly('kms:*', { Principal: { AWS: '*' } })] });
    s.nativeSecret('app/prod/native', { policy: [tlsOnly('secretsmanager:*')] });
    s.nativeKey('native-key', { policy: [root, tlsOnly('kms:Decrypt')] });
    expectSubjects(finding(f, 'prod', 'SEC-010'), {
      met: [
        'alias/prod-key: key policy denies requests without TLS',
        'app/prod/inline: resource policy denies requests without TLS',
        'app/prod/native: resource policy denies requests without TLS',
        'app/prod/own-arn: resource policy denies requests without TLS',
        'app/prod/separate: resource policy denies requests without TLS',
        'native-key: key policy denies requests without TLS',
      ],
    });
  });

  it('is not met without a policy, or when the Deny is missing, partial or not about TLS', () => {
    const f = new EstateFixture();
    const s = f.stack('prod');
    s.secret('app/prod/none');
    s.key('default-key');
    s.secret('app/prod/allow-only', { policy: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/app` }, Action: 'secretsmanager:GetSecretValue', Resource: '*' }] });
    s.secret('app/prod/one-principal', { policy: [tlsOnly('secretsmanager:*', { Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/app` } })] });
    s.secret('app/prod/writes-only', { policy: [tlsOnly('secretsmanager:PutSecretValue')] });
    s.secret('app/prod/other-secret', { policy: [tlsOnly('secretsmanager:*', { Resource: s.secretArn('app/prod/another') })] });
    s.secret('app/prod/tls-true', { policy: [tlsOnly('secretsmanager:*', { Condition: { Bool: { 'aws:SecureTransport': 'true' } } })] });
    s.key('no-deny-key', { policy: [root] });
    expectSubjects(finding(f, 'prod', 'SEC-010'), {
      notMet: [
        'alias/default-key: default key policy: nothing refuses a request without TLS',
        'alias/no-deny-key: key policy does not deny requests without TLS',
        'app/prod/allow-only: resource policy does not deny requests without TLS',
        'app/prod/none: no resource policy: nothing refuses a request without TLS',
        'app/prod/one-principal: resource policy does not deny requests without TLS',
        'app/prod/other-secret: resource policy does not deny requests without TLS',
        'app/prod/tls-true: resource policy does not deny requests without TLS',
        'app/prod/writes-only: resource policy does not deny requests without TLS',
      ],
    });
  });

  it('judges only the stack\'s own secrets and keys', () => {
    const f = new EstateFixture();
    const k = f.stack('shared').key('shared-key');
    f.stack('prod').parameter('/app/prod/token', { type: 'SecureString', key: k });
    expectNotApplicable(finding(f, 'prod', 'SEC-010'));
  });
});
