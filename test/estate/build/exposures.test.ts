/**
 * Secrets outside Secrets Manager and Parameter Store (build/exposures.ts): each exposure names the
 * resource and the property path, never the value; references to secrets are not secrets.
 */
import { describe, expect, it } from 'vitest';
import type { Estate, SecretExposure } from '../../../diagrams/estate/model.ts';
import { EstateFixture, UNKNOWN_VALUE, type FixtureStack } from '../../fixtures/estates.ts';

const SIG = '4dabf18193072939515e22adb298388d';
const SECRET = '1b47061264138c4ac30d75fd1eb44270';
const cipher = (c: string) => ({ [SIG]: SECRET, ciphertext: c });
const plain = (v: string) => ({ [SIG]: SECRET, plaintext: JSON.stringify(v) });
/** Values that must never reach the estate. */
const CANARIES = ['hunter2-lambda', 'hunter2-ecs', 'hunter2-rds', 'hunter2-aurora', 'hunter2-native', 'hunter2-k8s', 'hunter2-envelope', 'sk_live_canary'];

function build(add: (s: FixtureStack) => void): Estate {
  const f = new EstateFixture('app');
  add(f.stack('prod'));
  const e = f.estate();
  const text = JSON.stringify(e);
  for (const c of CANARIES) expect(text).not.toContain(c);
  return e;
}

const brief = (xs: readonly SecretExposure[]) => xs.map((x) => [x.name, x.kind, x.path]);

describe('Lambda environment', () => {
  const e = build((s) => {
    const role = s.role('fn-role');
    s.lambda('api', role, {
      environment: {
        DB_PASSWORD: 'hunter2-lambda',
        API_TOKEN: cipher('v1:AAAA'),
        STRIPE_KEY: 'sk_live_canary',
        DATABASE_DSN: 'postgres://u@h/db',
        CLIENT_SECRET: cipher('v1:BBBB'),
        LOG_LEVEL: 'debug',
        KMS_KEY_ARN: 'arn:aws:kms:eu-west-1:111122223333:key/x',
        SIGNING_KEY: 'alias/signing',
        DATABASE_CREDENTIALS_REF: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:db-AbCdEf',
        API_TOKEN_PARAMETER: '/app/prod/api/token',
        DB_PASSWORD_REF: '{{resolve:ssm-secure:/app/prod/db}}',
      },
    });
    s.add('aws-native:lambda:Function', 'native', { functionName: 'native-fn', role: role.arn, environment: { variables: { GITHUB_TOKEN: cipher('v1:CCCC') } } }, { id: 'native-fn' });
  });

  it('flags a variable marked secret or named like one; not a reference (ARN, alias, parameter path, dynamic reference); never the value', () => {
    const lambda = e.exposures.filter((x) => x.kind === 'lambda-environment');
    expect(brief(lambda)).toEqual([
      ['api', 'lambda-environment', 'environment.variables.API_TOKEN'],
      ['api', 'lambda-environment', 'environment.variables.CLIENT_SECRET'],
      ['api', 'lambda-environment', 'environment.variables.DATABASE_DSN'],
      ['api', 'lambda-environment', 'environment.variables.DB_PASSWORD'],
      ['api', 'lambda-environment', 'environment.variables.STRIPE_KEY'],
      ['native-fn', 'lambda-environment', 'environment.variables.GITHUB_TOKEN'],
    ]);
  });

  it('says why: marked secret, or named so (and stored unmarked in the state when the reader redacted it for its name)', () => {
    const why = (v: string) => e.exposures.find((x) => x.path === `environment.variables.${v}`)!.detail;
    expect(why('API_TOKEN')).toBe('environment variable API_TOKEN: its value is a secret (marked secret in the program or the state)');
    expect(why('DB_PASSWORD')).toBe('environment variable DB_PASSWORD: its name says it is a secret, and its value is stored unmarked (plain text) in the state');
    // STRIPE_KEY is an environment variable's name that says "key": redacted by the reader too.
    expect(why('STRIPE_KEY')).toBe('environment variable STRIPE_KEY: its name says it is a secret, and its value is stored unmarked (plain text) in the state');
    expect(e.exposures.filter((x) => x.kind === 'plaintext-in-state').map((x) => x.path)).toEqual([
      'inputs.environment.variables.DATABASE_DSN',
      'inputs.environment.variables.DB_PASSWORD',
      'inputs.environment.variables.STRIPE_KEY',
      'outputs.environment.variables.DATABASE_DSN',
      'outputs.environment.variables.DB_PASSWORD',
      'outputs.environment.variables.STRIPE_KEY',
    ]);
  });

  it('scans every function, with or without findings', () => {
    expect(e.exposureScans.map((x) => [x.name, x.scope])).toEqual([['api', 'environment'], ['native-fn', 'environment']]);
  });
});

describe('a variable that names a secret or a parameter of the state', () => {
  it('is a reference, not a secret: kept by the reader, no exposure; a value that is no such name still is one', () => {
    const f = new EstateFixture('app');
    const s = f.stack('prod');
    s.secret('app/prod/db');
    s.parameter('app-config');
    s.lambda('api', s.role('fn-role'), {
      environment: { DB_PASSWORD_SECRET: 'app/prod/db', API_KEY_PARAMETER: 'app-config', DB_PASSWORD: 'hunter2-lambda' },
    });
    s.taskDefinition('web', [{ name: 'app', environment: { DB_SECRET: 'app/prod/db', WORDPRESS_DB_PASSWORD: 'hunter2-ecs' } }], { json: true });
    const gs = f.graphs();
    const text = JSON.stringify(gs);
    for (const c of ['hunter2-lambda', 'hunter2-ecs']) expect(text).not.toContain(c);
    expect(text).toContain('"DB_PASSWORD_SECRET":"app/prod/db"');
    expect(text).toContain('"API_KEY_PARAMETER":"app-config"');
    const e = f.estate();
    expect(brief(e.exposures.filter((x) => x.kind !== 'plaintext-in-state'))).toEqual([
      ['api', 'lambda-environment', 'environment.variables.DB_PASSWORD'],
      ['web', 'ecs-environment', 'containerDefinitions[app].environment.WORDPRESS_DB_PASSWORD'],
    ]);
  });
});

describe('a variable that may name another stack\'s secret', () => {
  it('is still redacted and flagged (the reader judges one state), and the detail says it may be a reference', () => {
    const f = new EstateFixture('app');
    const shared = f.stack('shared');
    shared.secret('shared/stripe/api-key');
    const s = f.stack('prod');
    s.lambda('api', s.role('fn-role'), { environment: { STRIPE_API_KEY_SECRET: 'shared/stripe/api-key', DB_PASSWORD: 'hunter2-lambda' } });
    const text = JSON.stringify(f.graphs());
    expect(text).not.toContain('"STRIPE_API_KEY_SECRET":"shared/stripe/api-key"');
    const e = f.estate();
    const why = (v: string) => e.exposures.find((x) => x.path === `environment.variables.${v}`)!.detail;
    expect(why('STRIPE_API_KEY_SECRET')).toContain("the value has the shape of a secret's name (a path): if it names a secret of another stack, it is a reference");
    expect(why('DB_PASSWORD')).not.toContain('shape');
  });
});

describe('a value that only looks like a reference', () => {
  it('stays redacted and flagged: a password that is also a bare secret name, a name in a field that is not a variable; names marked secret or not known name nothing', () => {
    const f = new EstateFixture('app');
    const s = f.stack('prod');
    s.secret('postgres');
    s.secret('app/prod/db');
    s.lambda('api', s.role('fn-role'), { environment: { POSTGRES_PASSWORD: 'postgres' } });
    s.add('aws:mq/broker:Broker', 'mq', { brokerName: 'mq', users: [{ username: 'u', password: 'app/prod/db' }] });
    const dev = f.stack('dev');
    // A parameter whose name is marked secret (redacted by the reader), and one not known yet.
    dev.add('aws:ssm/parameter:Parameter', 'hidden', { name: { [SIG]: SECRET, ciphertext: 'v1:AAAA' }, type: 'String' });
    dev.add('aws:ssm/parameter:Parameter', 'later', { name: UNKNOWN_VALUE, type: 'String' });
    dev.lambda('worker', dev.role('worker-role'), { environment: { DB_PASSWORD: cipher('v1:DDDD'), API_TOKEN: UNKNOWN_VALUE } });
    const text = JSON.stringify(f.graphs());
    expect(text).not.toContain('"POSTGRES_PASSWORD":"postgres"');
    expect(text).not.toContain('"password":"app/prod/db"');
    const e = f.estate();
    // dev first (stacks by name), then prod.
    expect(brief(e.exposures.filter((x) => x.kind !== 'plaintext-in-state'))).toEqual([
      ['worker', 'lambda-environment', 'environment.variables.API_TOKEN'],
      ['worker', 'lambda-environment', 'environment.variables.DB_PASSWORD'],
      ['api', 'lambda-environment', 'environment.variables.POSTGRES_PASSWORD'],
    ]);
  });
});

describe('ECS container definitions', () => {
  it('a secret in the plain environment, not one passed through `secrets` (valueFrom)', () => {
    const e = build((s) => {
      s.taskDefinition('web', [{ name: 'app', environment: { DB_PASSWORD: 'hunter2-ecs', LOG_LEVEL: 'info' }, secrets: { API_TOKEN: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:t-AbCdEf' } }, { name: 'sidecar', environment: { PORT: '8080' } }], { json: true });
    });
    expect(brief(e.exposures)).toEqual([
      ['web', 'ecs-environment', 'containerDefinitions[app].environment.DB_PASSWORD'],
      ['web', 'plaintext-in-state', 'inputs.containerDefinitions[0].environment[0].value'],
      ['web', 'plaintext-in-state', 'outputs.containerDefinitions[0].environment[0].value'],
    ]);
    expect(e.exposures[0]!.detail).toContain('its value is stored unmarked (plain text) in the state');
    expect(e.exposures[0]!.detail).toContain('use `secrets` with valueFrom');
    expect(e.exposureScans.map((x) => [x.name, x.type, x.scope])).toEqual([['web', 'aws:ecs/taskDefinition:TaskDefinition', 'environment']]);
  });
});

describe('database master passwords', () => {
  it('set in the program (RDS, Aurora, aws-native), not with manageMasterUserPassword', () => {
    const e = build((s) => {
      s.add('aws:rds/instance:Instance', 'orders', { identifier: 'orders-db', password: 'hunter2-rds' }, { id: 'orders-db' });
      s.add('aws:rds/cluster:Cluster', 'aurora', { clusterIdentifier: 'aurora-main', masterPassword: 'hunter2-aurora' }, { id: 'aurora-main' });
      s.add('aws-native:rds:DBInstance', 'native-db', { dbInstanceIdentifier: 'native-db', masterUserPassword: 'hunter2-native' }, { id: 'native-db' });
      s.add('aws:rds/instance:Instance', 'managed', { identifier: 'managed-db', manageMasterUserPassword: true }, { id: 'managed-db' });
      s.add('aws:rds/cluster:Cluster', 'managed-cluster', { clusterIdentifier: 'managed-cluster', manageMasterUserPassword: true, masterPassword: '' }, { id: 'managed-cluster' });
    });
    expect(brief(e.exposures.filter((x) => x.kind === 'database-password'))).toEqual([
      ['aurora-main', 'database-password', 'masterPassword'],
      ['native-db', 'database-password', 'masterUserPassword'],
      ['orders-db', 'database-password', 'password'],
    ]);
    expect(e.exposureScans.filter((x) => x.scope === 'database').map((x) => x.name)).toEqual(['aurora-main', 'managed-cluster', 'managed-db', 'native-db', 'orders-db']);
  });
});

describe('Kubernetes Secrets, random values, plaintext envelopes', () => {
  const e = build((s) => {
    s.add('kubernetes:core/v1:Secret', 'app-secret', { metadata: { name: 'app' }, data: cipher('v1:DDDD') }, { id: 'default/app' });
    s.add('kubernetes:core/v1:Secret', 'unmarked', { metadata: { name: 'unmarked' }, data: { token: 'aHVudGVyMi1rOHM=', user: 'dXNlcg==' }, stringData: { extra: 'hunter2-k8s' } }, { id: 'default/unmarked' });
    s.add('kubernetes:core/v1:Secret', 'empty', { metadata: { name: 'empty' } }, { id: 'default/empty' });
    s.add('random:index/randomPassword:RandomPassword', 'db-password', { length: 32 }, { id: 'none' });
    s.add('random:index/randomString:RandomString', 'suffix', { length: 8 }, { id: 'abcdefgh' });
    s.add('random:index/randomBytes:RandomBytes', 'key-bytes', { length: 32 }, { id: 'bytes' });
    s.add('random:index/randomPet:RandomPet', 'pet', {}, { id: 'happy-cat' });
    s.add('random:index/randomPassword:RandomPassword', 'plain-password', { length: 16, result: 'hunter2-random-plain' }, { id: 'none' });
    s.add('random:index/randomPassword:RandomPassword', 'shown-password', { length: 16, result: plain('hunter2-shown') }, { id: 'none' });
    s.add('aws:ssm/parameter:Parameter', 'leaked', { name: '/app/prod/leaked', type: 'SecureString', value: plain('hunter2-envelope') }, { id: '/app/prod/leaked' });
    s.add('aws-native:lambda:Function', 'native-leak', { functionName: 'leaky-fn', environment: { variables: { MODE: plain('hunter2-envelope') } } }, { id: 'leaky-fn' });
  });

  it('a Kubernetes Secret in the state: marked secret, or unmarked (plain text in the state); empty', () => {
    const k = e.exposures.filter((x) => x.kind === 'kubernetes-secret');
    expect(brief(k)).toEqual([
      ['app-secret', 'kubernetes-secret', 'data'],
      ['empty', 'kubernetes-secret', 'data (empty)'],
      ['unmarked', 'kubernetes-secret', 'data, stringData'],
    ]);
    expect(k.map((x) => x.detail.split(' kept')[0])).toEqual(['Kubernetes Secret data (marked secret)', 'Kubernetes Secret without data', 'Kubernetes Secret data and stringData stored unmarked (plain text)']);
    expect(e.exposures.some((x) => x.kind === 'plaintext-in-state' && x.name === 'unmarked' && x.path.startsWith('inputs.data'))).toBe(true);
    expect(e.exposures.some((x) => x.kind === 'plaintext-in-state' && x.name === 'app-secret')).toBe(false);
  });

  it('random values: the fields that hold them; encrypted or plain as the provider stores them; a RandomPet is no secret', () => {
    const r = e.exposures.filter((x) => x.kind === 'random-value');
    expect(brief(r)).toEqual([
      ['db-password', 'random-value', 'result'],
      ['key-bytes', 'random-value', 'base64, hex'],
      ['plain-password', 'random-value', 'result'],
      ['shown-password', 'random-value', 'result'],
      ['suffix', 'random-value', 'result'],
    ]);
    // A RandomPassword the provider marks secret but this state holds unmarked: plain text, not "encrypted there";
    // one exported with --show-secrets is still marked secret (its plain text is the export's, said apart).
    expect(r.map((x) => x.detail.includes('encrypted there as a secret output'))).toEqual([true, true, false, true, false]);
    expect(r[2]!.detail).toContain('in plain text');
    expect(r[4]!.detail).toContain('in plain text');
  });

  it('a plaintext secret envelope in the state: the resource and the paths', () => {
    expect(brief(e.exposures.filter((x) => x.kind === 'plaintext-in-state' && x.type === 'aws:ssm/parameter:Parameter'))).toEqual([
      ['/app/prod/leaked', 'plaintext-in-state', 'inputs.value'],
      ['/app/prod/leaked', 'plaintext-in-state', 'outputs.value'],
    ]);
    expect(brief(e.exposures.filter((x) => x.urn.endsWith('native-leak')))).toEqual([
      ['leaky-fn', 'lambda-environment', 'environment.variables.MODE'],
      ['leaky-fn', 'plaintext-in-state', 'inputs.environment.variables.MODE'],
      ['leaky-fn', 'plaintext-in-state', 'outputs.environment.variables.MODE'],
    ]);
  });
});
