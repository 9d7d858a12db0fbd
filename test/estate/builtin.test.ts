/**
 * The built-in estate (infra/, run under mocks by the program reader), its facts asserted by hand
 * from reading infra/iam.ts, infra/kms.ts, infra/secrets.ts, infra/parameters.ts and infra/audit.ts:
 * who reads which parameter, secret and key in dev, uat and prod, and how (by path at startup or
 * one at a time); services, trust, rotation, keys and what they protect, exposures, coverage.
 * Nothing here is derived from infra/catalogue.ts: a change to the catalogue shows up as a failure.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { buildEstate } from '../../diagrams/estate/build/index.ts';
import type { Estate, PrincipalAccess, Role } from '../../diagrams/estate/model.ts';
import { Store } from '../../diagrams/estate/store.ts';
import { loadGraphs } from '../../diagrams/sources/index.ts';
import { named } from './helpers.ts';

let estate: Estate;
let store: Store;

beforeAll(async () => {
  estate = buildEstate(await loadGraphs({ program: '.', cwd: process.cwd() }));
  store = Store.of(estate);
}, 180_000);

const ENVS = ['dev', 'uat', 'prod'] as const;
type Env = (typeof ENVS)[number];

const KEY = { params: 'alias/mono-repo-parameter-store-key', secrets: 'alias/mono-repo-secrets-manager-key', database: 'alias/mono-repo-database-key' } as const;

/** Secrets of each environment, relative to `mono-repo/<env>/`. */
const SECRETS: Record<Env, string[]> = {
  dev: ['api/jwt-signing-key', 'rds/app-user', 'rds/master-password'],
  uat: ['api/jwt-signing-key', 'rds/app-user', 'rds/master-password'],
  prod: ['airflow/fernet-key', 'api/external-service-key', 'api/jwt-signing-key', 'dash/session-key', 'encryption/data-key', 'monitoring/api-key', 'rds/app-user', 'rds/master-password', 'rds/readonly-user'],
};

const NON_SECRET_PARAMETERS = ['api/external-url', 'api/rate-limit', 'database/host', 'database/name', 'database/port', 'features/dashboard-beta', 'features/risk-analysis-v2', 'services/allowed-origins', 'services/notification-emails'];

interface Expected {
  /** Parameters read, relative, with the folder that grants the read by path (null: one at a time). */
  readonly parameters: Readonly<Record<string, string | null>>;
  readonly secrets: Readonly<Record<Env, string[]>>;
  readonly keys: Readonly<Record<Env, [string, string][]>>;
}

const same = <T>(v: T): Record<Env, T> => ({ dev: v, uat: v, prod: v });

const SERVICES: Record<string, Expected> = {
  'risk-api': {
    parameters: {
      'api/external-api-key': 'api',
      'api/external-url': 'api',
      'api/jwt-signing-key': 'api',
      'api/rate-limit': 'api',
      'database/connection-string': 'database',
      'database/host': 'database',
      'database/name': 'database',
      'database/password': 'database',
      'database/port': 'database',
      'features/risk-analysis-v2': null,
      'services/allowed-origins': null,
    },
    secrets: { dev: ['api/jwt-signing-key', 'rds/app-user'], uat: ['api/jwt-signing-key', 'rds/app-user'], prod: ['api/external-service-key', 'api/jwt-signing-key', 'encryption/data-key', 'rds/app-user'] },
    keys: same([[KEY.database, 'secretsmanager'], [KEY.params, 'ssm'], [KEY.secrets, 'secretsmanager']]),
  },
  'dash-analytics': {
    parameters: { 'database/host': null, 'database/name': null, 'database/port': null, 'features/dashboard-beta': null, 'services/allowed-origins': null },
    secrets: { dev: ['rds/app-user'], uat: ['rds/app-user'], prod: ['dash/session-key', 'rds/readonly-user'] },
    keys: { dev: [[KEY.database, 'secretsmanager']], uat: [[KEY.database, 'secretsmanager']], prod: [[KEY.database, 'secretsmanager'], [KEY.secrets, 'secretsmanager']] },
  },
  airflow: {
    parameters: { 'api/external-url': null, 'database/host': null, 'database/name': null, 'database/port': null, 'services/notification-emails': null },
    secrets: { dev: ['rds/app-user'], uat: ['rds/app-user'], prod: ['airflow/fernet-key', 'monitoring/api-key', 'rds/app-user'] },
    keys: { dev: [[KEY.database, 'secretsmanager']], uat: [[KEY.database, 'secretsmanager']], prod: [[KEY.database, 'secretsmanager'], [KEY.secrets, 'secretsmanager']] },
  },
  'web-app-build': {
    parameters: { 'api/external-url': null, 'features/dashboard-beta': null, 'features/risk-analysis-v2': null },
    secrets: same([]),
    keys: same([]),
  },
  'ops-runner': {
    parameters: Object.fromEntries(NON_SECRET_PARAMETERS.map((p) => [p, null])),
    secrets: same([]),
    keys: same([]),
  },
};

function role(env: Env, id: string): Role {
  return named(estate.roles, `mono-repo-${env}-${id}`);
}
function access(env: Env, id: string): PrincipalAccess {
  return store.accessOf(role(env, id).urn);
}
const nameOf = (urn: string): string => store.entity(urn).name;
const rel = (env: Env, names: string[]): string[] => names.map((n) => n.replace(new RegExp(`^/?mono-repo/${env}/`), ''));

describe('built-in estate: stacks, keys, audit', () => {
  it('four stacks of one project: environments and references to shared', () => {
    expect(estate.stacks.map((s) => [s.key, s.project, s.environment, s.references])).toEqual([
      ['dev', 'mono-repo', 'dev', ['shared']],
      ['prod', 'mono-repo', 'prod', ['shared']],
      ['shared', 'mono-repo', undefined, []],
      ['uat', 'mono-repo', 'uat', ['shared']],
    ]);
  });

  it('coverage: what is not modelled, by type', () => {
    const unmodelled = Object.fromEntries(estate.stacks.map((s) => [s.key, s.coverage.unmodelled]));
    expect(unmodelled).toEqual({
      dev: { 'aws:cloudwatch/logGroup:LogGroup': 1 },
      prod: { 'aws:cloudwatch/logGroup:LogGroup': 1 },
      shared: { 'aws:cloudwatch/logGroup:LogGroup': 1, 'aws:s3/bucketPolicy:BucketPolicy': 1, 'aws:s3/bucketVersioning:BucketVersioning': 1, 'aws:sns/topicPolicy:TopicPolicy': 1 },
      uat: { 'aws:cloudwatch/logGroup:LogGroup': 1 },
    });
  });

  it('three multi-region keys in shared, rotated, protected by the program; what each protects', () => {
    expect(estate.keys.map((k) => [k.stack, k.name, k.rotationEnabled, k.rotationPeriodDays, k.multiRegion, k.deletionWindowDays, k.replicas.map((r) => r.region)])).toEqual([
      ['shared', KEY.database, true, 365, true, 30, ['eu-central-1']],
      ['shared', KEY.params, true, 365, true, 30, ['eu-central-1']],
      ['shared', KEY.secrets, true, 365, true, 30, ['eu-central-1']],
    ]);
    const protects = (alias: string) => named(estate.keys, alias).protects.map((p) => [p.type, p.urns.length]);
    expect(protects(KEY.params)).toEqual([['aws:ssm/parameter:Parameter', 12]]);
    expect(protects(KEY.database)).toEqual([['aws:secretsmanager/secret:Secret', 7]]);
    expect(protects(KEY.secrets)).toEqual([['aws:cloudtrail/trail:Trail', 1], ['aws:secretsmanager/secret:Secret', 8]]);
  });

  it('one trail: multi-region, log validation, the secrets key, a blocked SSE-S3 bucket', () => {
    expect(estate.audit.trails.map((t) => [t.stack, t.name, t.multiRegion, t.logFileValidation, t.keyUrn && nameOf(t.keyUrn), t.bucketPublicAccessBlocked, t.bucketEncryption.kind])).toEqual([
      ['shared', 'mono-repo-audit-trail', true, true, KEY.secrets, true, 'sse-s3'],
    ]);
  });
});

for (const env of ENVS) {
  describe(`built-in estate: ${env}`, () => {
    for (const [id, want] of Object.entries(SERVICES)) {
      it(`${id} reads exactly its parameters (by path where a folder is granted), secrets and keys`, () => {
        const a = access(env, id);
        const params = Object.fromEntries(a.parameters.map((p) => [rel(env, [nameOf(p.resourceUrn)])[0]!, p.byPath ?? null]));
        const byPath = Object.fromEntries(Object.entries(want.parameters).map(([p, folder]) => [p, folder === null ? null : `/mono-repo/${env}/${folder}/`]));
        expect(params).toEqual(byPath);
        expect(rel(env, a.secretValues.map((s) => nameOf(s.resourceUrn))).sort()).toEqual(want.secrets[env]);
        expect(a.keys.map((k) => [nameOf(k.resourceUrn), k.paths.join('+')]).sort()).toEqual(want.keys[env]);
        expect([a.secretWrites, a.secretMetadata.filter((s) => !a.secretValues.some((v) => v.resourceUrn === s.resourceUrn))]).toEqual([[], []]);
        expect([...a.parameters, ...a.secretValues, ...a.keys].every((x) => x.certainty === 'certain')).toBe(true);
        expect([a.admin, a.complete]).toEqual([false, true]);
      });
    }

    it('trust and services: EKS service accounts, an EC2 instance profile, a CodeBuild project; named after the workload, else the ServiceName tag', () => {
      const facts = (id: string) => {
        const r = role(env, id);
        const svc = estate.services.find((s) => s.stack === env && s.id === r.service)!;
        return [r.trust.kind, r.trust.eks?.namespace, r.trust.eks?.serviceAccount, r.workloads.map((w) => `${w.kind}:${w.name}`), svc.name, svc.derivedFrom];
      };
      expect(facts('risk-api')).toEqual(['eks-pod', 'risk', 'risk-api', ['eks-service-account:risk/risk-api'], 'Risk API', 'workload']);
      expect(facts('dash-analytics')).toEqual(['eks-pod', 'analytics', 'dash-analytics', ['eks-service-account:analytics/dash-analytics'], 'Dash Analytics', 'workload']);
      expect(facts('airflow')).toEqual(['eks-pod', 'airflow', 'airflow', ['eks-service-account:airflow'], 'Airflow', 'workload']);
      expect(facts('ops-runner')).toEqual(['ec2', undefined, undefined, [`ec2-instance-profile:mono-repo-${env}-ops-runner`], 'Operations runner', 'workload']);
      expect(facts('web-app-build')).toEqual(['ci-build', undefined, undefined, [], 'Web App', 'tag']);
    });

    it('audit: assumed from account 210987654321 with an external id; describes every secret, reads no value', () => {
      expect(role(env, 'audit').trust).toMatchObject({ kind: 'cross-account', crossAccount: { accountId: '210987654321', requiresExternalId: true } });
      const a = access(env, 'audit');
      expect([a.parameters, a.secretValues, a.secretWrites, a.keys]).toEqual([[], [], [], []]);
      expect(rel(env, a.secretMetadata.map((s) => nameOf(s.resourceUrn))).sort()).toEqual(SECRETS[env]);
    });

    it('secret-rotation: a Lambda invoked by Secrets Manager only, reads and writes every secret of its environment, each rotated by it', () => {
      const r = role(env, 'secret-rotation');
      const fn = estate.functions.find((f) => f.roleUrn === r.urn)!;
      expect([r.trust.kind, fn.name, fn.purpose, fn.invokePrincipals]).toEqual(['lambda', `mono-repo-${env}-secret-rotation`, 'rotation', ['secretsmanager.amazonaws.com']]);
      const a = access(env, 'secret-rotation');
      expect(a.parameters).toEqual([]);
      expect(rel(env, a.secretValues.map((s) => nameOf(s.resourceUrn))).sort()).toEqual(SECRETS[env]);
      expect(rel(env, a.secretWrites.map((s) => nameOf(s.resourceUrn))).sort()).toEqual(SECRETS[env]);
      expect(a.keys.map((k) => nameOf(k.resourceUrn)).sort()).toEqual([KEY.database, KEY.secrets]);
      const secrets = estate.secrets.filter((s) => s.stack === env);
      expect(rel(env, secrets.map((s) => s.name)).sort()).toEqual(SECRETS[env]);
      for (const s of secrets) expect([s.name, s.rotation.enabled, s.rotation.functionUrn]).toEqual([s.name, true, fn.urn]);
      expect(store.isRotationRole(r.urn)).toBe(true);
    });

    it('rotation intervals: database 30 days, application 60, service 90; keys by category', () => {
      const of = (n: string) => named(estate.secrets, `mono-repo/${env}/${n}`);
      expect([of('rds/master-password').rotation.intervalDays, of('api/jwt-signing-key').rotation.intervalDays]).toEqual([30, 60]);
      expect([nameOf(of('rds/app-user').keyUrn!), nameOf(of('api/jwt-signing-key').keyUrn!)]).toEqual([KEY.database, KEY.secrets]);
      if (env === 'prod') expect([of('airflow/fernet-key').rotation.intervalDays, of('airflow/fernet-key').category]).toEqual([90, 'service']);
    });

    it('generated values in the state: random passwords and bytes, nothing else exposed', () => {
      const mine = estate.exposures.filter((x) => x.stack === env);
      expect(new Set(mine.map((x) => x.kind))).toEqual(new Set(['random-value']));
      const expected = ['parameters-api-jwt-signing-key-value', 'parameters-database-password-value', 'secrets-api-jwt-signing-key-bytes', 'secrets-rds-app-user-password', 'secrets-rds-master-password-password'];
      if (env === 'prod') expected.push('secrets-airflow-fernet-key-bytes', 'secrets-dash-session-key-bytes', 'secrets-encryption-data-key-bytes', 'secrets-rds-readonly-user-password');
      expect(mine.map((x) => x.name).sort()).toEqual(expected.sort());
    });
  });
}

describe('built-in estate: across environments', () => {
  it('no role reads a parameter or secret of another environment', () => {
    for (const r of estate.roles) {
      const a = store.accessOf(r.urn);
      for (const x of [...a.parameters, ...a.secretValues, ...a.secretMetadata, ...a.secretWrites]) {
        const target = store.entity(x.resourceUrn) as { name: string; stack: string };
        expect(`${r.name} -> ${target.name}: ${target.stack}`).toBe(`${r.name} -> ${target.name}: ${r.stack}`);
      }
    }
  });

  it('the three secret-reading services declare a 15-minute secret cache on their roles; no other role declares one', () => {
    const declared = estate.roles.filter((r) => r.secretCacheTtlSeconds !== undefined).map((r) => `${r.name}=${r.secretCacheTtlSeconds}`).sort();
    const expected = ['dev', 'uat', 'prod'].flatMap((env) => ['airflow', 'dash-analytics', 'risk-api'].map((svc) => `mono-repo-${env}-${svc}=900`)).sort();
    expect(declared).toEqual(expected);
  });
});
