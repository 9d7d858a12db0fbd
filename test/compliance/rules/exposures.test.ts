/**
 * Secrets kept outside Secrets Manager and Parameter Store (diagrams/compliance/rules/exposures.ts):
 * SEC-050 environment variables, SEC-051 database master passwords, SEC-052 plain text in the state,
 * SEC-053 generated values and Kubernetes Secrets. Expected details are written from what each
 * resource holds.
 */

import { describe, expect, it } from 'vitest';
import { EstateFixture, secretValue } from '../../fixtures/estates.ts';
import { expectNotApplicable, expectSubjects, finding } from '../helpers.ts';

const ENV_OK = 'no environment variable holds a secret';
const DB_OK = 'no master password in the program';

describe('SEC-050 no secrets in environment variables', () => {
  it('is met for functions and task definitions whose variables hold no secret or only references to one', () => {
    const f = new EstateFixture();
    const s = f.stack('dev');
    const role = s.role('api-dev');
    s.lambda('plain-fn', role, { environment: { LOG_LEVEL: 'debug', DB_HOST: 'db.internal', PASSWORD_MIN_LENGTH: '12' } });
    s.lambda('ref-fn', role, { environment: { STRIPE_KEY: s.secretArn('app/dev/stripe'), SIGNING_KEY: s.paramArn('/app/dev/signing-key'), DB_CREDENTIALS_REF: '{{resolve:secretsmanager:app/dev/db}}' } });
    s.lambda('bare-fn', role);
    s.taskDefinition('web', [{ name: 'app', environment: { PORT: '8080' }, secrets: { DB_PASSWORD: s.secretArn('app/dev/db') } }]);
    expectSubjects(finding(f, 'dev', 'SEC-050'), { met: [`bare-fn: ${ENV_OK}`, `plain-fn: ${ENV_OK}`, `ref-fn: ${ENV_OK}`, `web: ${ENV_OK}`] });
  });

  it('names the variable of a Lambda whose name says secret, and one whose value is marked secret', () => {
    const f = new EstateFixture();
    const s = f.stack('dev');
    const role = s.role('api-dev');
    s.lambda('api', role, { environment: { DB_PASSWORD: 'hunter2', HOST: 'db.internal', CONFIG_BLOB: secretValue({ a: 1 }) } });
    expectSubjects(finding(f, 'dev', 'SEC-050'), { notMet: ['api: secret in environment.variables.CONFIG_BLOB, environment.variables.DB_PASSWORD'] });
  });

  it('names the container and variable of a task definition, in object and JSON-string form, and lists at most three paths', () => {
    const f = new EstateFixture();
    const s = f.stack('dev');
    s.taskDefinition('web', [{ name: 'app', environment: { STRIPE_TOKEN: 'tok', PORT: '80' } }, { name: 'sidecar', environment: { CLIENT_SECRET: 'c' } }]);
    s.taskDefinition('worker', [{ name: 'w', environment: { A_PASSWORD: '1', B_PASSWORD: '2', C_PASSWORD: '3', D_PASSWORD: '4' } }], { json: true });
    expectSubjects(finding(f, 'dev', 'SEC-050'), {
      notMet: [
        'web: secret in containerDefinitions[app].environment.STRIPE_TOKEN, containerDefinitions[sidecar].environment.CLIENT_SECRET',
        'worker: secret in containerDefinitions[w].environment.A_PASSWORD, containerDefinitions[w].environment.B_PASSWORD, containerDefinitions[w].environment.C_PASSWORD and 1 more',
      ],
    });
  });

  it('reads the aws-native function and task definition', () => {
    const f = new EstateFixture();
    const s = f.stack('dev');
    s.lambda('native-fn', s.nativeRole('native-role'), { native: true, environment: { API_TOKEN: 'abc', MODE: 'fast' } });
    s.taskDefinition('native-web', [{ name: 'app', environment: { DB_PASSWORD: 'x' } }], { native: true });
    expectSubjects(finding(f, 'dev', 'SEC-050'), {
      notMet: ['native-fn: secret in environment.variables.API_TOKEN', 'native-web: secret in containerDefinitions[app].environment.DB_PASSWORD'],
    });
  });

  it('judges only the stack evaluated', () => {
    const f = new EstateFixture();
    f.stack('dev').lambda('dev-fn', f.stack('shared').role('r'), { environment: { DB_PASSWORD: 'x' } });
    f.stack('prod').lambda('prod-fn', f.stack('other').role('r2'), { environment: { HOST: 'h' } });
    const e = f.estate();
    expectSubjects(finding(e, 'prod', 'SEC-050'), { met: [`prod-fn: ${ENV_OK}`] });
    expectSubjects(finding(e, 'dev', 'SEC-050'), { notMet: ['dev-fn: secret in environment.variables.DB_PASSWORD'] });
  });

  it('is not applicable without functions or task definitions', () => {
    const f = new EstateFixture();
    f.stack('dev').secret('app/dev/db');
    expectNotApplicable(finding(f, 'dev', 'SEC-050'));
  });
});

describe('SEC-051 database master passwords managed by Secrets Manager', () => {
  it('is met where RDS manages the password', () => {
    const f = new EstateFixture();
    const s = f.stack('prod');
    s.database('orders', { manage: true });
    s.database('ledger', { kind: 'cluster', manage: true });
    expectSubjects(finding(f, 'prod', 'SEC-051'), { met: [`ledger: ${DB_OK}`, `orders: ${DB_OK}`] });
  });

  it('is not met for a password set in the program, plain or marked secret, on every database kind', () => {
    const f = new EstateFixture();
    const s = f.stack('prod');
    s.database('plain', { password: 'hunter2' });
    s.database('marked', { password: secretValue('hunter2') });
    s.database('aurora', { kind: 'cluster', password: secretValue('x'), manage: false });
    s.database('native-db', { kind: 'native-instance', password: 'x' });
    s.database('native-cluster', { kind: 'native-cluster', password: secretValue('x') });
    expectSubjects(finding(f, 'prod', 'SEC-051'), {
      notMet: [
        'aurora: master password set in the program (masterPassword) instead of manageMasterUserPassword',
        'marked: master password set in the program (password) instead of manageMasterUserPassword',
        'native-cluster: master password set in the program (masterUserPassword) instead of manageMasterUserPassword',
        'native-db: master password set in the program (masterUserPassword) instead of manageMasterUserPassword',
        'plain: master password set in the program (password) instead of manageMasterUserPassword',
      ],
    });
  });

  it('is not applicable without databases', () => {
    const f = new EstateFixture();
    f.stack('prod').lambda('fn', f.stack('prod2').role('r'));
    expectNotApplicable(finding(f, 'prod', 'SEC-051'));
  });
});

describe('SEC-052 no secret in plain text in the state', () => {
  it('is met, on the stack, when every secret value is encrypted', () => {
    const f = new EstateFixture();
    const s = f.stack('dev');
    s.lambda('api', s.role('r'), { environment: { DB_PASSWORD: secretValue('x') } });
    s.database('orders', { password: secretValue('x') });
    const fd = finding(f, 'dev', 'SEC-052');
    expectSubjects(fd, { met: ['stack dev: no secret found in plain text (secret envelopes and fields secret by schema checked)'] });
    expect(fd.subjects[0]!.urn).toBe('urn:pulumi:dev::app::pulumi:pulumi:Stack::app-dev');
  });

  it('is not met, once per resource, for an unmarked field secret by name or schema and for a --show-secrets export', () => {
    const f = new EstateFixture();
    const s = f.stack('dev');
    s.lambda('api', s.role('r'), { environment: { DB_PASSWORD: 'hunter2' } });
    s.database('orders', { password: secretValue('x', { plaintext: true }) });
    const secret = s.secret('app/dev/token');
    s.add('aws:secretsmanager/secretVersion:SecretVersion', 'token-v1', { secretId: secret.arn, secretString: 'abc' }, { id: 'v1' });
    expectSubjects(finding(f, 'dev', 'SEC-052'), {
      notMet: [
        'api: inputs.environment.variables.DB_PASSWORD, outputs.environment.variables.DB_PASSWORD stored in plain text',
        'orders: inputs.password, outputs.password stored in plain text',
        'token-v1: inputs.secretString, outputs.secretString stored in plain text',
      ],
    });
  });

  it('is not applicable, with a note, for a stack read from its program', () => {
    const f = new EstateFixture();
    const s = f.stack('dev', { source: 'program' });
    s.lambda('api', s.role('r'), { environment: { DB_PASSWORD: 'placeholder' } });
    const fd = finding(f, 'dev', 'SEC-052');
    expectNotApplicable(fd);
    expect(fd.note).toBe('the stack was read from its program, not from a state file: there is no stored state to check');
  });

  it('judges only the stack evaluated', () => {
    const f = new EstateFixture();
    f.stack('dev').database('dev-db', { password: 'plain' });
    f.stack('prod').database('prod-db', { password: secretValue('x') });
    const e = f.estate();
    expectSubjects(finding(e, 'prod', 'SEC-052'), { met: ['stack prod: no secret found in plain text (secret envelopes and fields secret by schema checked)'] });
    expectSubjects(finding(e, 'dev', 'SEC-052'), { notMet: ['dev-db: inputs.password, outputs.password stored in plain text'] });
  });
});

describe('SEC-053 generated secrets and Kubernetes Secrets kept out of the state', () => {
  it('names each generated value and Kubernetes Secret', () => {
    const f = new EstateFixture();
    const s = f.stack('dev');
    s.random('db-password');
    s.random('session-key', 'random:index/randomBytes:RandomBytes');
    s.kubernetesSecret('api-credentials', ['username', 'password']);
    const fd = finding(f, 'dev', 'SEC-053');
    expect(fd.status).toBe('not-met');
    expect(fd.subjects.map((x) => [x.name, x.status])).toEqual([
      ['api-credentials', 'not-met'],
      ['db-password', 'not-met'],
      ['session-key', 'not-met'],
    ]);
    expect(fd.subjects.slice(1).map((x) => x.detail)).toEqual(['generated value (result) in the state', 'generated value (base64, hex) in the state']);
    // The Secret's detail is not asserted beyond its start: the reader redacts `data` as a whole, so
    // the estate builder cannot count its keys.
    expect(fd.subjects[0]!.detail).toMatch(/^Kubernetes Secret data/);
  });

  it('is not applicable without them, and ignores random values that are not secrets', () => {
    const f = new EstateFixture();
    const s = f.stack('dev');
    s.add('random:index/randomPet:RandomPet', 'suffix', { length: 2 }, { id: 'happy-cat' });
    s.add('random:index/randomUuid:RandomUuid', 'uuid', { result: 'c0ffee00-0000-4000-8000-000000000000' }, { id: 'c0ffee00-0000-4000-8000-000000000000' });
    expectNotApplicable(finding(f, 'dev', 'SEC-053'));
  });
});
