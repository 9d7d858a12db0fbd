/**
 * Redaction of values a state holds unmarked: environment variables as `{name, value}` pairs (ECS,
 * in a task definition's JSON text or as data; Kubernetes containers), references under secret-like
 * names (kept: they are not secrets), and kubeconfigs with and without credentials.
 */
import { describe, expect, it } from 'vitest';
import { graphFromStateDocument } from '../../diagrams/sources/state.ts';
import { EstateFixture } from '../fixtures/estates.ts';
import { newRedactionContext, redactProperties } from '../../diagrams/graph/redact.ts';
import { REDACTED } from '../../diagrams/graph/types.ts';

const PASSWORD = 'Gerdisch419-planted';

function graphOf(build: (s: ReturnType<EstateFixture['stack']>) => void) {
  const f = new EstateFixture('app');
  const s = f.stack('dev');
  build(s);
  const g = graphFromStateDocument(s.exportDocument(), 'test');
  return { g, json: JSON.stringify(g) };
}

describe('unmarked values', () => {
  it('redacts an ECS container variable named like a secret inside the JSON text of containerDefinitions, and records where', () => {
    const { g, json } = graphOf((s) => s.taskDefinition('web', [{ name: 'app', environment: { PORT: '8080', WORDPRESS_DB_PASSWORD: PASSWORD } }], { json: true }));
    expect(json).not.toContain(PASSWORD);
    expect(json).toContain('8080');
    const paths = g.metadata.plaintextSecrets.map((p) => `${p.path} ${p.reason}`);
    expect(paths).toContain('inputs.containerDefinitions[0].environment[1].value unmarked-sensitive-field');
    const td = g.resources.find((r) => r.type === 'aws:ecs/taskDefinition:TaskDefinition')!;
    // Still JSON text the estate can read.
    expect(JSON.parse(td.inputs['containerDefinitions'] as string)[0].environment[0]).toEqual({ name: 'PORT', value: '8080' });
  });

  it('redacts `{name, value}` pairs held as data (an aws-native task definition)', () => {
    const { g, json } = graphOf((s) => s.taskDefinition('web', [{ name: 'app', environment: { API_TOKEN: PASSWORD } }], { native: true }));
    expect(json).not.toContain(PASSWORD);
    expect(g.metadata.plaintextSecrets.map((p) => p.path)).toContain('inputs.containerDefinitions[0].environment[0].value');
  });

  it('keeps a reference under a secret-like name: an ARN, a dynamic reference, a parameter path', () => {
    const refs = {
      DB_PASSWORD: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:db-AbCdEf',
      API_TOKEN: '{{resolve:secretsmanager:api:SecretString:token}}',
      APP_SECRET: '/app/dev/secret',
    };
    const { g, json } = graphOf((s) => s.lambda('fn', s.role('fn-role'), { environment: refs }));
    for (const v of Object.values(refs)) expect(json).toContain(JSON.stringify(v).slice(1, -1));
    expect(g.metadata.plaintextSecrets.filter((p) => p.path.includes('environment'))).toEqual([]);
  });

  it('does not call a kubeconfig that authenticates by a command a secret in plain text; one that holds a token is', () => {
    const exec = JSON.stringify({ users: [{ name: 'u', user: { exec: { command: 'aws', args: ['eks', 'get-token', '--cluster-name', 'c'] } } }] });
    const token = 'users:\n- name: u\n  user:\n    token: planted-kube-token\n';
    const { g, json } = graphOf((s) => {
      s.add('pulumi:providers:kubernetes', 'exec', { kubeconfig: exec }, { id: 'exec-id' });
      s.add('pulumi:providers:kubernetes', 'static', { kubeconfig: token }, { id: 'static-id' });
    });
    expect(json).not.toContain('planted-kube-token');
    expect(json).not.toContain('get-token'); // redacted all the same
    const urns = new Set(g.metadata.plaintextSecrets.filter((p) => p.path.endsWith('kubeconfig')).map((p) => p.urn.split('::').pop()));
    expect([...urns]).toEqual(['static']);
  });

  it('redacts values that real states hold unmarked: variables named like secrets, credentials inside URLs, connection strings and scripts, schema-secret fields', () => {
    const planted = (n: number) => `planted-${n}-${PASSWORD}`;
    const { g, json } = graphOf((s) => {
      s.lambda('fn', s.role('fn-role'), {
        environment: { DB_PASS: planted(1), STRIPE_KEY: planted(2), JWT_SIGNING_KEY: planted(3), MYSQL_PWD: planted(4), DATABASE_URL: `postgres://app:${planted(5)}@db:5432/app`, LOG_LEVEL: 'info', KMS_KEY_ARN: 'arn:aws:kms:eu-west-1:111122223333:key/k', REDIS_HOST: 'redis' },
      });
      s.add('aws:kms/ciphertext:Ciphertext', 'ct', { keyId: 'k', plaintext: planted(6), ciphertextBlob: 'AQID' });
      s.add('aws:apigateway/apiKey:ApiKey', 'key', { name: 'partner', value: planted(7) });
      s.add('aws:appsync/apiKey:ApiKey', 'ask', { apiId: 'a', key: planted(8) });
      s.add('pulumi:providers:aws-native', 'native', { region: 'eu-west-1', secretKey: planted(9), accessKey: 'AKIAEXAMPLE' });
      s.add('aws:glue/connection:Connection', 'gc', { connectionProperties: { USERNAME: 'u', JDBC_CONNECTION_URL: `jdbc:postgresql://h/db?user=u&password=${planted(10)}` } });
      s.add('aws:ec2/instance:Instance', 'vm', { userData: `#!/bin/bash\nexport DB_PASSWORD=${planted(11)}\n` });
      s.add('aws:ssm/parameter:Parameter', 'legacy', { name: '/app/dev/legacy/password', type: 'String', value: planted(12) });
      s.add('aws:ssm/parameter:Parameter', 'sec', { name: '/app/dev/x', type: 'SecureString', insecureValue: planted(13) });
      s.add('aws:ssm/parameter:Parameter', 'host', { name: '/app/dev/db/host', type: 'String', value: 'db.internal' });
    });
    for (let n = 1; n <= 13; n++) expect(json, `planted ${n}`).not.toContain(planted(n));
    for (const kept of ['info', 'arn:aws:kms:eu-west-1:111122223333:key/k', 'redis', 'db.internal']) expect(json).toContain(kept);
    const fn = g.metadata.plaintextSecrets.filter((p) => p.path.includes('environment')).map((p) => p.path.split('.').pop());
    expect([...new Set(fn)].sort()).toEqual(['DATABASE_URL', 'DB_PASS', 'JWT_SIGNING_KEY', 'MYSQL_PWD', 'STRIPE_KEY']);
  });

  it("redacts a stack output's kubeconfig that holds a token and a connection string's password", () => {
    const ctx = newRedactionContext();
    const out = redactProperties({ kubeconfig: 'users:\n- name: u\n  user:\n    token: planted-kube\n', connectionString: 'Server=x;Password=planted-conn', endpoint: 'https://api.example.com' }, { type: 'pulumi:pulumi:Stack', bag: 'outputs' }, ctx);
    expect(out).toEqual({ kubeconfig: REDACTED, connectionString: REDACTED, endpoint: 'https://api.example.com' });
  });

  it('keeps what only looks like a credential: tags in upper case, policy JSON with a URL and an address, URLs with ports and addresses, lookup keys', () => {
    const kept = {
      ALLOWED_ORIGINS: 'https://app.example.com:443,mailto:ops@example.com',
      SMTP_URL: 'smtp://mail.example.com:587?from=alerts@example.com',
      RESET_LINK: 'https://app.example.com/account?forgot_password=1',
      DB_URL: 'postgres://app@db.internal:5432/app?sslmode=require',
      PARTITION_KEY: 'pk',
      S3_KEY: 'uploads/report.csv',
      TOKEN_ISSUER: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc',
      PASS_THROUGH: 'true',
    };
    const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Federated: 'accounts.google.com' }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: { StringEquals: { 'accounts.google.com:oaud': 'https://example.com', 'accounts.google.com:email': 'ci@example.com' } } }] });
    const { g, json } = graphOf((s) => {
      s.lambda('fn', s.role('fn-role'), { environment: kept });
      s.secret('app/dev/owned', { tags: { SECRET_OWNER: 'team-a', DATA_KEY: 'customers' } });
      s.role('google', { trust: JSON.parse(trust).Statement });
    });
    for (const v of Object.values(kept)) expect(json).toContain(JSON.stringify(v).slice(1, -1));
    expect(json).toContain('"SECRET_OWNER":"team-a"');
    expect(json).toContain('ci@example.com');
    expect(g.metadata.plaintextSecrets).toEqual([]);
  });
});
