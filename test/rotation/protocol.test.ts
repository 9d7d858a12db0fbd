import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { PutSecretValueCommand, UpdateSecretVersionStageCommand, GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { createHandler, RotationError } from '../../infra/rotation/handler.ts';
import { SECRET_FORMATS, validateSecret, type SecretFormat } from '../../infra/rotation/generic.ts';
import type { Connect } from '../../infra/rotation/postgres.ts';
import { FakeSecretsManager, rotateSecret } from './fake-secrets-manager.ts';
import { assertNoValues, captureConsole } from './capture.ts';

type Step = 'createSecret' | 'setSecret' | 'testSecret' | 'finishSecret';

let fakes: FakeSecretsManager[] = [];
let cap: ReturnType<typeof captureConsole>;
const errors: string[] = [];

function setup(connect?: Connect) {
  const fake = new FakeSecretsManager();
  fakes.push(fake);
  const h = createHandler({ client: fake, ...(connect ? { connect } : {}) });
  const step = async (SecretId: string, ClientRequestToken: string, Step: Step) => {
    try {
      await h({ SecretId, ClientRequestToken, Step });
    } catch (e) {
      errors.push(e instanceof Error ? `${e.message}\n${e.stack}` : String(e));
      throw e;
    }
  };
  return { fake, h, step };
}

function genericSecret(fake: FakeSecretsManager, format: SecretFormat, name = `mono-repo/dev/app/${format}`) {
  const initial = validValue(format);
  fake.createSecret(name, initial, { tags: { RotationStrategy: 'generic', SecretFormat: format } });
  fake.setRotationEnabled(name, true);
  return name;
}

function validValue(format: SecretFormat): string {
  const v: Record<SecretFormat, string> = {
    'jwt-hmac': Buffer.alloc(40, 7).toString('base64url'),
    fernet: Buffer.alloc(32, 9).toString('base64').replace(/\+/g, '-').replace(/\//g, '_'),
    'api-key': Buffer.alloc(32, 3).toString('base64url'),
    'data-key': Buffer.alloc(32, 5).toString('base64'),
    'session-key': Buffer.alloc(32, 1).toString('hex'),
  };
  return v[format];
}

beforeEach(() => {
  fakes = [];
  errors.length = 0;
  cap = captureConsole();
});

afterEach(() => {
  const text = cap.text() + '\n' + errors.join('\n');
  cap.restore();
  // No secret value, ever, in logs or error messages.
  for (const f of fakes) assertNoValues(text, f.allValues());
});

describe('generic strategy: a full rotation', () => {
  for (const format of SECRET_FORMATS) {
    it(`rotates a ${format} secret: new valid value AWSCURRENT, old one AWSPREVIOUS`, async () => {
      const { fake, step } = setup();
      const id = genericSecret(fake, format);
      const oldVersion = fake.versionAt(id, 'AWSCURRENT')!;
      const oldValue = fake.valueAt(id, 'AWSCURRENT')!;
      const token = await rotateSecret(fake, (e) => step(e.SecretId, e.ClientRequestToken, e.Step), id);
      const value = fake.valueAt(id, 'AWSCURRENT')!;
      expect(fake.versionAt(id, 'AWSCURRENT')).toBe(token);
      expect(fake.versionAt(id, 'AWSPREVIOUS')).toBe(oldVersion);
      expect(value).not.toBe(oldValue);
      expect(validateSecret(format, value)).toBeUndefined();
      expect(fake.stages(id)).toEqual({ [token]: ['AWSCURRENT', 'AWSPENDING'], [oldVersion]: ['AWSPREVIOUS'] });
    });
  }

  it('generates keys of the documented shape', async () => {
    const { fake, step } = setup();
    const ids = Object.fromEntries(SECRET_FORMATS.map((f) => [f, genericSecret(fake, f)])) as Record<SecretFormat, string>;
    for (const id of Object.values(ids)) await rotateSecret(fake, (e) => step(e.SecretId, e.ClientRequestToken, e.Step), id);
    const fernet = fake.valueAt(ids.fernet, 'AWSCURRENT')!;
    expect(fernet).toMatch(/^[A-Za-z0-9_-]{43}=$/);
    expect(Buffer.from(fernet, 'base64url')).toHaveLength(32);
    expect(Buffer.from(fake.valueAt(ids['jwt-hmac'], 'AWSCURRENT')!, 'base64url').length * 8).toBeGreaterThanOrEqual(256);
    expect(Buffer.from(fake.valueAt(ids['data-key'], 'AWSCURRENT')!, 'base64')).toHaveLength(32);
    expect(Buffer.from(fake.valueAt(ids['api-key'], 'AWSCURRENT')!, 'base64url').length).toBeGreaterThanOrEqual(32);
    expect(fake.valueAt(ids['session-key'], 'AWSCURRENT')!).toMatch(/^[0-9a-f]{64,}$/);
  });

  it('rotates twice: AWSPREVIOUS follows, the first version is deprecated', async () => {
    const { fake, step } = setup();
    const id = genericSecret(fake, 'api-key');
    const v0 = fake.versionAt(id, 'AWSCURRENT')!;
    const run = (e: { SecretId: string; ClientRequestToken: string; Step: Step }) => step(e.SecretId, e.ClientRequestToken, e.Step);
    const t1 = await rotateSecret(fake, run, id);
    const t2 = await rotateSecret(fake, run, id);
    expect(fake.stages(id)).toEqual({ [t2]: ['AWSCURRENT', 'AWSPENDING'], [t1]: ['AWSPREVIOUS'] });
    expect(Object.keys(fake.stages(id))).not.toContain(v0);
  });
});

describe('retries of a half-finished rotation', () => {
  it('createSecret run twice keeps the first value and puts only once', async () => {
    const { fake, step } = setup();
    const id = genericSecret(fake, 'fernet');
    const token = fake.startRotation(id);
    await step(id, token, 'createSecret');
    const pending = fake.valueAt(id, 'AWSPENDING');
    await step(id, token, 'createSecret');
    expect(fake.valueAt(id, 'AWSPENDING')).toBe(pending);
    expect(fake.calls.filter((c) => c.command === 'PutSecretValue')).toHaveLength(1);
  });

  it('setSecret after a crash, then the rest of the protocol, then a repeated finishSecret', async () => {
    const { fake, step } = setup();
    const id = genericSecret(fake, 'jwt-hmac');
    const token = fake.startRotation(id);
    await step(id, token, 'createSecret');
    const pending = fake.valueAt(id, 'AWSPENDING');
    fake.failNext.set('GetSecretValue', Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    await expect(step(id, token, 'setSecret')).rejects.toThrow(/ThrottlingException/);
    // The service retries the step; the state is unchanged in between.
    expect(fake.versionAt(id, 'AWSPENDING')).toBe(token);
    await step(id, token, 'setSecret');
    await step(id, token, 'testSecret');
    await step(id, token, 'finishSecret');
    expect(fake.valueAt(id, 'AWSCURRENT')).toBe(pending);
    const updates = () => fake.calls.filter((c) => c.command === 'UpdateSecretVersionStage').length;
    expect(updates()).toBe(1);
    await step(id, token, 'finishSecret'); // already AWSCURRENT: returns early
    expect(updates()).toBe(1);
  });

  it('a crash after PutSecretValue (createSecret retried) does not create a second version', async () => {
    const { fake, step } = setup();
    const id = genericSecret(fake, 'data-key');
    const token = fake.startRotation(id);
    await step(id, token, 'createSecret');
    const versions = fake.versionCount(id);
    await step(id, token, 'createSecret');
    expect(fake.versionCount(id)).toBe(versions);
  });

  it('a finishSecret that failed half-way is retried and completes', async () => {
    const { fake, step } = setup();
    const id = genericSecret(fake, 'session-key');
    const token = fake.startRotation(id);
    for (const s of ['createSecret', 'setSecret', 'testSecret'] as const) await step(id, token, s);
    const before = fake.versionAt(id, 'AWSCURRENT');
    fake.failNext.set('UpdateSecretVersionStage', Object.assign(new Error('internal'), { name: 'InternalServiceError' }));
    await expect(step(id, token, 'finishSecret')).rejects.toThrow(RotationError);
    expect(fake.versionAt(id, 'AWSCURRENT')).toBe(before);
    await step(id, token, 'finishSecret');
    expect(fake.versionAt(id, 'AWSCURRENT')).toBe(token);
    expect(fake.versionAt(id, 'AWSPREVIOUS')).toBe(before);
  });
});

describe('staging checks (as AWS templates)', () => {
  it('a token that is not a version of the secret fails and changes nothing', async () => {
    const { fake, step } = setup();
    const id = genericSecret(fake, 'api-key');
    fake.startRotation(id);
    const before = fake.stages(id);
    const wrong = randomUUID();
    const err = await step(id, wrong, 'createSecret').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RotationError);
    expect((err as Error).message).toContain(id);
    expect((err as Error).message).toContain('createSecret');
    expect((err as Error).message).toContain(wrong);
    expect(fake.stages(id)).toEqual(before);
    expect(fake.calls.some((c) => c.command === 'PutSecretValue')).toBe(false);
  });

  it('a token staged AWSPREVIOUS (not AWSPENDING) fails', async () => {
    const { fake, step } = setup();
    const id = genericSecret(fake, 'api-key');
    await rotateSecret(fake, (e) => step(e.SecretId, e.ClientRequestToken, e.Step), id);
    const prev = fake.versionAt(id, 'AWSPREVIOUS')!;
    await expect(step(id, prev, 'finishSecret')).rejects.toThrow(/not staged AWSPENDING/);
  });

  it('a token already AWSCURRENT returns without touching anything', async () => {
    const { fake, step } = setup();
    const id = genericSecret(fake, 'api-key');
    const current = fake.versionAt(id, 'AWSCURRENT')!;
    for (const s of ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const) await step(id, current, s);
    expect(fake.calls.map((c) => c.command)).toEqual(Array(4).fill('DescribeSecret'));
  });

  it('rotation disabled (or never enabled) fails', async () => {
    const { fake, step } = setup();
    const id = genericSecret(fake, 'api-key');
    const token = fake.startRotation(id);
    fake.setRotationEnabled(id, false);
    await expect(step(id, token, 'createSecret')).rejects.toThrow(/rotation is not enabled/);
    fake.setRotationEnabled(id, undefined);
    await expect(step(id, token, 'createSecret')).rejects.toThrow(/rotation is not enabled/);
    expect(fake.valueAt(id, 'AWSPENDING')).toBeUndefined();
  });

  it('an unknown secret fails with the service error name', async () => {
    const { step } = setup();
    await expect(step('mono-repo/dev/none', randomUUID(), 'createSecret')).rejects.toThrow(/ResourceNotFoundException/);
  });

  it('a malformed event fails clearly', async () => {
    const { h } = setup();
    await expect(h({ SecretId: 'x', ClientRequestToken: randomUUID(), Step: 'rotate' as Step })).rejects.toThrow(/invalid Step "rotate"/);
    await expect(h({ SecretId: 'x', ClientRequestToken: '', Step: 'createSecret' })).rejects.toThrow(/no ClientRequestToken/);
    await expect(h({} as never)).rejects.toThrow(/no SecretId/);
  });
});

describe('bad input never reaches AWSCURRENT', () => {
  it('a pending value in the wrong format fails setSecret, testSecret and finishSecret', async () => {
    const { fake, step } = setup();
    const id = genericSecret(fake, 'fernet');
    const current = fake.versionAt(id, 'AWSCURRENT');
    const token = fake.startRotation(id);
    // Someone (or a broken generator) put a 16-byte key as the pending version.
    await fake.send(new PutSecretValueCommand({ SecretId: id, ClientRequestToken: token, SecretString: Buffer.alloc(16, 1).toString('base64url'), VersionStages: ['AWSPENDING'] }));
    await step(id, token, 'createSecret'); // keeps the existing pending value (idempotent)
    await expect(step(id, token, 'setSecret')).rejects.toThrow(/not valid.*Fernet/);
    await expect(step(id, token, 'testSecret')).rejects.toThrow(/Fernet/);
    await expect(step(id, token, 'finishSecret')).rejects.toThrow(/not promoting/);
    expect(fake.versionAt(id, 'AWSCURRENT')).toBe(current);
  });

  it('finishSecret before createSecret (no value) does not promote an empty version', async () => {
    const { fake, step } = setup();
    const id = genericSecret(fake, 'api-key');
    const current = fake.versionAt(id, 'AWSCURRENT');
    const token = fake.startRotation(id);
    await expect(step(id, token, 'finishSecret')).rejects.toThrow(/no AWSPENDING value/);
    expect(fake.versionAt(id, 'AWSCURRENT')).toBe(current);
  });

  it('a generic secret without SecretFormat, or an unknown strategy, fails naming the tag', async () => {
    const { fake, step } = setup();
    fake.createSecret('a', 'x'.repeat(40), { tags: { RotationStrategy: 'generic' }, rotationEnabled: true });
    fake.createSecret('b', 'x'.repeat(40), { tags: { RotationStrategy: 'magic' }, rotationEnabled: true });
    fake.createSecret('c', 'x'.repeat(40), { rotationEnabled: true });
    await expect(step('a', fake.startRotation('a'), 'createSecret')).rejects.toThrow(/needs a SecretFormat tag/);
    await expect(step('b', fake.startRotation('b'), 'createSecret')).rejects.toThrow(/RotationStrategy="magic" is not accepted/);
    await expect(step('c', fake.startRotation('c'), 'createSecret')).rejects.toThrow(/no RotationStrategy tag/);
  });

  const pgTags = { RotationStrategy: 'postgres-single-user' };
  const refuse: Connect = async (cfg) => {
    throw Object.assign(new Error(`password authentication failed for user "${cfg.user}"`), { code: '28P01' });
  };

  it('a PostgreSQL secret that is not JSON fails createSecret and puts nothing', async () => {
    const { fake, step } = setup(refuse);
    fake.createSecret('db', 'host=db user=app password=hunter2hunter2', { tags: pgTags, rotationEnabled: true });
    const token = fake.startRotation('db');
    await expect(step('db', token, 'createSecret')).rejects.toThrow(/AWSCURRENT value is not a PostgreSQL secret: the value is not JSON/);
    expect(fake.calls.some((c) => c.command === 'PutSecretValue')).toBe(false);
  });

  it('a PostgreSQL secret without a password fails naming the field', async () => {
    const { fake, step } = setup(refuse);
    fake.createSecret('db', JSON.stringify({ engine: 'postgres', host: 'db', username: 'app' }), { tags: pgTags, rotationEnabled: true });
    await expect(step('db', fake.startRotation('db'), 'createSecret')).rejects.toThrow(/field "password" is missing/);
  });

  it('alternating users without masterarn fails naming the field', async () => {
    const { fake, step } = setup(refuse);
    fake.createSecret('db', JSON.stringify({ engine: 'postgres', host: 'db', username: 'app', password: 'p4ssw0rd-p4ssw0rd' }), {
      tags: { RotationStrategy: 'postgres-alternating-users' },
      rotationEnabled: true,
    });
    await expect(step('db', fake.startRotation('db'), 'createSecret')).rejects.toThrow(/"masterarn"/);
  });

  it('a database that refuses every login fails setSecret and testSecret; AWSCURRENT stays', async () => {
    const { fake, step } = setup(refuse);
    fake.createSecret('db', JSON.stringify({ engine: 'postgres', host: 'db.internal', port: 5432, username: 'app', password: 'old-password-0123', dbname: 'app' }), {
      tags: pgTags,
      rotationEnabled: true,
    });
    const current = fake.versionAt('db', 'AWSCURRENT');
    const token = fake.startRotation('db');
    await step('db', token, 'createSecret');
    const pending = JSON.parse(fake.valueAt('db', 'AWSPENDING')!);
    expect(pending).toMatchObject({ engine: 'postgres', host: 'db.internal', port: 5432, username: 'app', dbname: 'app' });
    expect(pending.password).toMatch(/^[A-Za-z0-9]{32}$/);
    await expect(step('db', token, 'setSecret')).rejects.toThrow(/cannot log in to postgres db.internal:5432\/app as "app" with the pending, current or previous credentials.*28P01/);
    await expect(step('db', token, 'testSecret')).rejects.toThrow(/cannot log in .* AWSPENDING credentials/);
    expect(fake.versionAt('db', 'AWSCURRENT')).toBe(current);
  });

  it('without a RotationStrategy tag, a PostgreSQL value selects the PostgreSQL strategy', async () => {
    const { fake, step } = setup(refuse);
    fake.createSecret('db', JSON.stringify({ engine: 'postgres', host: 'db', username: 'app', password: 'old-password-0123' }), { rotationEnabled: true });
    const token = fake.startRotation('db');
    await step('db', token, 'createSecret');
    expect(JSON.parse(fake.valueAt('db', 'AWSPENDING')!).username).toBe('app');
  });
});

describe('the stand-in keeps versions and labels as the service documents', () => {
  it('PutSecretValue with an existing token: same value is a no-op, a different value fails', async () => {
    const fake = new FakeSecretsManager();
    fake.createSecret('s', 'v0-value-value');
    const token = randomUUID();
    await fake.send(new PutSecretValueCommand({ SecretId: 's', ClientRequestToken: token, SecretString: 'v1-value-value', VersionStages: ['AWSPENDING'] }));
    await fake.send(new PutSecretValueCommand({ SecretId: 's', ClientRequestToken: token, SecretString: 'v1-value-value', VersionStages: ['AWSPENDING'] }));
    await expect(
      fake.send(new PutSecretValueCommand({ SecretId: 's', ClientRequestToken: token, SecretString: 'other', VersionStages: ['AWSPENDING'] })),
    ).rejects.toMatchObject({ name: 'ResourceExistsException' });
    expect(fake.versionCount('s')).toBe(2);
  });

  it('PutSecretValue without VersionStages moves AWSCURRENT and AWSPREVIOUS follows', async () => {
    const fake = new FakeSecretsManager();
    fake.createSecret('s', 'v0-value-value');
    const v0 = fake.versionAt('s', 'AWSCURRENT');
    const r = await fake.send(new PutSecretValueCommand({ SecretId: 's', ClientRequestToken: randomUUID(), SecretString: 'v1-value-value' }));
    expect(fake.versionAt('s', 'AWSCURRENT')).toBe(r.VersionId);
    expect(fake.versionAt('s', 'AWSPREVIOUS')).toBe(v0);
  });

  it('UpdateSecretVersionStage requires RemoveFromVersionId naming the current holder', async () => {
    const fake = new FakeSecretsManager();
    fake.createSecret('s', 'v0-value-value');
    const v0 = fake.versionAt('s', 'AWSCURRENT')!;
    const t = randomUUID();
    await fake.send(new PutSecretValueCommand({ SecretId: 's', ClientRequestToken: t, SecretString: 'v1-value-value', VersionStages: ['AWSPENDING'] }));
    await expect(fake.send(new UpdateSecretVersionStageCommand({ SecretId: 's', VersionStage: 'AWSCURRENT', MoveToVersionId: t }))).rejects.toMatchObject({
      name: 'InvalidParameterException',
    });
    await expect(
      fake.send(new UpdateSecretVersionStageCommand({ SecretId: 's', VersionStage: 'AWSCURRENT', MoveToVersionId: t, RemoveFromVersionId: t })),
    ).rejects.toMatchObject({ name: 'InvalidParameterException' });
    await fake.send(new UpdateSecretVersionStageCommand({ SecretId: 's', VersionStage: 'AWSCURRENT', MoveToVersionId: t, RemoveFromVersionId: v0 }));
    expect(fake.stages('s')).toEqual({ [t]: ['AWSCURRENT', 'AWSPENDING'], [v0]: ['AWSPREVIOUS'] });
  });

  it('GetSecretValue: a version id with a stage it does not carry, and a pending version without value, are not found', async () => {
    const fake = new FakeSecretsManager();
    fake.createSecret('s', 'v0-value-value');
    const v0 = fake.versionAt('s', 'AWSCURRENT')!;
    await expect(fake.send(new GetSecretValueCommand({ SecretId: 's', VersionId: v0, VersionStage: 'AWSPENDING' }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
    const t = fake.startRotation('s');
    await expect(fake.send(new GetSecretValueCommand({ SecretId: 's', VersionId: t, VersionStage: 'AWSPENDING' }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
    // An AWSPENDING label on an empty version still counts as a rotation in progress.
    expect(() => fake.startRotation('s', randomUUID())).toThrow(/previous rotation/);
  });

  it('RotateSecret refuses while a previous rotation is pending', async () => {
    const fake = new FakeSecretsManager();
    fake.createSecret('s', 'v0-value-value');
    const t = fake.startRotation('s');
    await fake.send(new PutSecretValueCommand({ SecretId: 's', ClientRequestToken: t, SecretString: 'v1-value-value', VersionStages: ['AWSPENDING'] }));
    expect(() => fake.startRotation('s')).toThrow(/previous rotation/);
  });
});
