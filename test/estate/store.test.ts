/**
 * The store of derived facts (estate/store.ts): lookups that throw naming what is missing,
 * environments, the audit pieces that serve a stack, the keys a stack uses (AWS-managed keys apart),
 * rotation functions and roles, and the readers of a resource.
 */
import { describe, expect, it } from 'vitest';
import { GeneratorError } from '../../diagrams/errors.ts';
import { envTag, isAwsManagedKeyId, Store } from '../../diagrams/estate/store.ts';
import { allow, EstateFixture, type FixtureStack, type Ref } from '../fixtures/estates.ts';
import { named, names } from './helpers.ts';

describe('lookups', () => {
  const f = new EstateFixture('app');
  const s = f.stack('prod');
  const p = s.parameter('/app/prod/x');
  const r = s.role('app-prod-api');
  const e = f.estate();
  const store = Store.of(e);

  it('one store per estate', () => {
    expect(Store.of(e)).toBe(store);
  });

  it('finds entities by URN and kind; throws a GeneratorError naming the missing key', () => {
    expect(store.parameter(p.urn).name).toBe('/app/prod/x');
    expect(store.kindOf(r.urn)).toBe('role');
    expect(store.find('urn:nope')).toBeUndefined();
    expect(() => store.entity('urn:nope')).toThrow(GeneratorError);
    expect(() => store.role(p.urn)).toThrow(/no role 'urn:pulumi:prod::app::aws:ssm\/parameter:Parameter::\/app\/prod\/x'/);
    expect(store.findRole(p.urn)).toBeUndefined();
    expect(store.principal(r.urn)).toMatchObject({ kind: 'role', name: 'app-prod-api', stack: 'prod' });
    expect(store.accessOf(r.urn).principal).toBe(r.urn);
    expect(() => store.accessOf('external:nobody')).toThrow(/no access analysis for principal 'external:nobody'/);
  });

  it('stacks by key; an unknown key is a usage error listing the stacks there are', () => {
    expect(store.stack('prod').project).toBe('app');
    let err: unknown;
    try {
      store.stack('dev');
    } catch (x) {
      err = x;
    }
    expect(err).toBeInstanceOf(GeneratorError);
    expect((err as GeneratorError).kind).toBe('usage');
    expect((err as GeneratorError).message).toMatch(/no stack 'dev'.*one of prod/);
    expect(store.stackLabel('prod')).toBe('prod');
    expect(store.stackLabel('nope')).toBe('nope');
  });
});

describe('environments', () => {
  const f = new EstateFixture('app');
  f.stack('shared').parameter('/app/qa/flag', { tags: { Environment: 'QA' } });
  const dev = f.stack('dev');
  dev.parameter('/app/prod/misplaced');
  dev.parameter('/app/staging/x');
  dev.parameter('/app/dev/tagged-shared', { tags: { Environment: 'shared' } });
  const store = Store.of(f.estate());
  const env = (n: string) => store.environmentOf(named(store.estate.parameters, n));

  it('of the loaded stacks and of Environment tags; account-level names are none', () => {
    expect(store.environments()).toEqual(['dev', 'qa']);
    expect(store.isEnvironment('DEV')).toBe(true);
    expect(store.isEnvironment('shared')).toBe(false);
  });

  it('an entity\'s: its tag, else an environment its path names, else its stack\'s', () => {
    expect(env('/app/qa/flag')).toBe('qa');
    expect(env('/app/staging/x')).toBe('dev');
    expect(env('/app/dev/tagged-shared')).toBe('dev');
    expect([envTag({ Environment: 'Prod' }), envTag({ environment: 'global' }), envTag({})]).toEqual(['prod', undefined, undefined]);
  });
});

describe('audit pieces that serve a stack', () => {
  const f = new EstateFixture('mono');
  const shared = f.stack('shared');
  const security = shared.topic('security-alerts', [], { tags: { Environment: 'shared' } });
  const devTopic = shared.topic('dev-alerts');
  shared.trail('audit-trail', { tags: { Environment: 'shared' } });
  shared.alarm('mono-secrets-access-denied', { topics: [security], tags: { Environment: 'shared' } });
  shared.alarm('mono-dev-budget', { topics: [devTopic], tags: { Environment: 'dev' } });
  shared.alarm('mono-uat-throttles', { topics: [security] });
  shared.alarm('mono-prod-throttles', { topics: [security] });
  shared.eventRule('rotation-failed', { pattern: '{"detail":{"eventName":["RotationFailed"]}}', topics: [security] });
  const envStack = (name: string, ref: string): FixtureStack => {
    const s = f.stack(name);
    s.stackReference(ref);
    s.alarm(`mono-${name}-secret-rotation-errors`, { topics: [security], tags: { Environment: name } });
    return s;
  };
  envStack('dev', 'organization/mono/shared');
  envStack('prod', 'organization/mono/shared');
  envStack('uat', 'shared');
  const other = f.stack('other', { project: 'mono' });
  other.alarm('unrelated');
  other.topic('other-topic');
  const store = Store.of(f.estate());
  const sorted = (xs: readonly { name: string }[]) => names(xs).sort();

  it('an environment: its own, and the account-level ones of the stacks it references and of its project', () => {
    const a = store.auditOf('prod');
    expect(sorted(a.alarms)).toEqual(['mono-prod-secret-rotation-errors', 'mono-prod-throttles', 'mono-secrets-access-denied', 'unrelated']);
    expect(sorted(a.trails)).toEqual(['audit-trail']);
    expect(sorted(a.eventRules)).toEqual(['rotation-failed']);
    expect(sorted(a.topics)).toEqual(['other-topic', 'security-alerts']);
  });

  it('never a sibling environment\'s, wherever they are defined (by tag or by name)', () => {
    expect(sorted(store.auditOf('dev').alarms)).toEqual(['mono-dev-budget', 'mono-dev-secret-rotation-errors', 'mono-secrets-access-denied', 'unrelated']);
    expect(sorted(store.auditOf('dev').topics)).toEqual(['dev-alerts', 'other-topic', 'security-alerts']);
    expect(sorted(store.auditOf('uat').alarms)).toEqual(['mono-secrets-access-denied', 'mono-uat-secret-rotation-errors', 'mono-uat-throttles', 'unrelated']);
  });

  it('the shared stack: its own pieces, none of the environments\'', () => {
    expect(sorted(store.auditOf('shared').alarms)).toEqual(['mono-dev-budget', 'mono-prod-throttles', 'mono-secrets-access-denied', 'mono-uat-throttles', 'unrelated']);
  });

  it('serves: own pieces always; a stack outside the audit stacks never', () => {
    expect(store.auditStacks('prod')).toEqual(new Set(['prod', 'shared', 'other']));
    expect(store.serves('prod', { stack: 'prod', name: 'mono-dev-anything', tags: { Environment: 'dev' } })).toBe(true);
    expect(store.serves('prod', { stack: 'shared', name: 'x', tags: { Environment: 'PROD' } })).toBe(true);
    expect(store.serves('prod', { stack: 'dev', name: 'x', tags: {} })).toBe(false);
  });
});

describe('keys a stack uses', () => {
  it('its own, and other stacks\' keys its SecureStrings, secrets and trails name; AWS-managed keys are not unresolved', () => {
    const f = new EstateFixture('app');
    const shared = f.stack('shared');
    const params = shared.key('params');
    const secrets = shared.key('secrets');
    shared.key('unused');
    const prod = f.stack('prod');
    const own = prod.key('prod-own');
    prod.parameter('/app/prod/a', { type: 'SecureString', key: params });
    prod.parameter('/app/prod/b', { type: 'SecureString', key: 'alias/aws/ssm' });
    prod.parameter('/app/prod/c', { type: 'SecureString' });
    prod.parameter('/app/prod/d', { type: 'SecureString', key: 'alias/not-loaded' });
    prod.secret('app/prod/s', { key: secrets });
    prod.secret('app/prod/t', { key: 'arn:aws:kms:eu-west-1:111122223333:alias/aws/secretsmanager' });
    prod.secret('app/prod/u', { key: 'alias/not-loaded' });
    const scope = Store.of(f.estate()).keysUsedBy('prod');
    expect(scope.keys.map((k) => k.urn).sort()).toEqual([own.urn, params.urn, secrets.urn].sort());
    expect(scope.unresolved).toEqual(['alias/not-loaded']);
    expect(scope.unresolvedUsers).toBe(2);
  });

  it('isAwsManagedKeyId: alias/aws/... by name or ARN', () => {
    expect(['alias/aws/ssm', 'arn:aws:kms:eu-west-1:111122223333:alias/aws/secretsmanager'].map(isAwsManagedKeyId)).toEqual([true, true]);
    expect(['alias/awsome', 'alias/app/aws/x', '1234abcd-12ab-34cd-56ef-1234567890ab'].map(isAwsManagedKeyId)).toEqual([false, false, false]);
  });
});

describe('rotation and readers', () => {
  const f = new EstateFixture('app');
  const shared = f.stack('shared');
  const key = shared.key('params');
  const devStack = f.stack('dev');
  const prodStack = f.stack('prod');
  const rotRole = devStack.role('app-dev-rotation');
  const fn = devStack.lambda('app-dev-rotation', rotRole);
  const db = devStack.secret('app/dev/db', { rotationDays: 30, rotationLambda: fn });
  devStack.secret('app/dev/unrotated');
  const devParam = devStack.parameter('/app/dev/pw', { type: 'SecureString', key });
  prodStack.parameter('/app/prod/pw', { type: 'SecureString', key });
  const reader = (s: FixtureStack, name: string, env: string): Ref => {
    const r = s.role(name);
    s.policy(`${name}-read`, [
      allow('ssm:GetParameter', s.paramArn(`/app/${env}/*`)),
      allow('kms:Decrypt', key.arn, { Condition: { StringEquals: { 'kms:ViaService': `ssm.${s.region}.amazonaws.com` } } }),
    ], { roles: [r] });
    return r;
  };
  const devReader = reader(devStack, 'app-dev-reader', 'dev');
  const prodReader = reader(prodStack, 'app-prod-reader', 'prod');
  const store = Store.of(f.estate());

  it('rotation functions and the roles that run them, with the secrets they rotate', () => {
    expect(store.rotationFunctions().map((x) => x.urn)).toEqual([fn.urn]);
    expect([...store.rotationRoles().entries()].map(([r, secrets]) => [r, [...secrets]])).toEqual([[rotRole.urn, [db.urn]]]);
    expect([store.isRotationRole(rotRole.urn), store.isRotationRole(devReader.urn)]).toEqual([true, false]);
  });

  it('readers of a parameter and of a key', () => {
    expect(store.readersOf(devParam.urn).map((x) => [x.principal, x.kind])).toEqual([[devReader.urn, 'parameter']]);
    expect(store.readersOf(key.urn).map((x) => x.principal).sort()).toEqual([devReader.urn, prodReader.urn].sort());
    expect(store.readersOf('urn:nothing')).toEqual([]);
  });

  it('a shared key used through Parameter Store reaches the stack whose data the principal reads, not the other', () => {
    const a = store.accessOf(devReader.urn);
    const k = a.keys.find((x) => x.resourceUrn === key.urn)!;
    expect(k.paths).toEqual(['ssm']);
    expect([store.keyReachesStack(a, k, 'dev'), store.keyReachesStack(a, k, 'prod'), store.keyReachesStack(a, k, 'shared')]).toEqual([true, false, true]);
  });

  it('principalsReaching: who reads, describes or writes the stack\'s data, or decrypts it with a key it uses', () => {
    const g = new EstateFixture('app');
    const sh = g.stack('shared');
    const k = sh.key('data');
    const dev = g.stack('dev');
    dev.parameter('/app/dev/host');
    dev.parameter('/app/dev/pw', { type: 'SecureString', key: k });
    const secret = dev.secret('app/dev/token', { key: k });
    const prod = g.stack('prod');
    prod.parameter('/app/prod/pw', { type: 'SecureString', key: k });
    const role = (st: FixtureStack, name: string, statements: ReturnType<typeof allow>[]) => {
      const r = st.role(name);
      if (statements.length > 0) st.policy(`${name}-policy`, statements, { roles: [r] });
      return r;
    };
    const viaSsm = { Condition: { StringEquals: { 'kms:ViaService': `ssm.${dev.region}.amazonaws.com` } } };
    const byPath = role(dev, 'by-path', [allow('ssm:GetParametersByPath', dev.paramArn('/app/dev'))]);
    const describer = role(dev, 'describer', [allow('secretsmanager:DescribeSecret', secret.arn)]);
    const direct = role(sh, 'direct', [allow('kms:Decrypt', k.arn)]);
    const prodReader = role(prod, 'prod-reader', [allow('ssm:GetParameter', prod.paramArn('/app/prod/pw')), allow('kms:Decrypt', k.arn, viaSsm)]);
    role(dev, 'nothing', []);
    const st = Store.of(g.estate());
    expect([...st.principalsReaching('dev')].sort()).toEqual([byPath.urn, describer.urn, direct.urn].sort());
    // The prod reader decrypts the shared key through Parameter Store for prod's parameter only.
    expect([...st.principalsReaching('prod')].sort()).toEqual([direct.urn, prodReader.urn].sort());
    expect([...st.principalsReaching('shared')].sort()).toEqual([direct.urn, prodReader.urn].sort());
  });

  it('principalsWith: the principals with an item of the given kinds on the given resources', () => {
    expect([...store.principalsWith([devParam.urn], ['parameter'])]).toEqual([devReader.urn]);
    expect([...store.principalsWith([devParam.urn], ['secret-value'])]).toEqual([]);
    expect([...store.principalsWith([key.urn], ['key'])].sort()).toEqual([devReader.urn, prodReader.urn].sort());
  });

  it('protectedInStack: how many of the resources a key protects are of each stack', () => {
    const k = store.findKey(key.urn)!;
    expect(k.protects.flatMap((p) => p.urns).length).toBe(2);
    expect([store.protectedInStack(k, 'dev'), store.protectedInStack(k, 'prod'), store.protectedInStack(k, 'shared')]).toEqual([1, 1, 0]);
  });
});

describe('inStack', () => {
  it("gives a stack's share of a list in list order, as a new array each time", () => {
    const f = new EstateFixture('app');
    for (const env of ['dev', 'prod']) for (const p of ['b', 'a']) f.stack(env).parameter(`/app/${env}/${p}`);
    const estate = f.estate();
    const store = Store.of(estate);
    const dev = store.inStack(estate.parameters, 'dev');
    expect(dev.map((p) => p.path)).toEqual(['/app/dev/a', '/app/dev/b']);
    dev.pop();
    expect(store.inStack(estate.parameters, 'dev').map((p) => p.path)).toEqual(['/app/dev/a', '/app/dev/b']);
    expect(store.inStack(estate.parameters, 'nope')).toEqual([]);
    // A list that is not the estate's (not frozen) is not kept: it may change.
    const mine = [...estate.parameters];
    expect(store.inStack(mine, 'prod')).toHaveLength(2);
    mine.pop();
    expect(store.inStack(mine, 'prod')).toHaveLength(1);
  });
});
