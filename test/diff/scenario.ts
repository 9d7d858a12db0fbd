/**
 * Base/head estates for the change review tests, built with the fixture builder: one estate, and
 * the same estate with one or more changes applied. Helpers turn them into estate.json documents
 * (through the same in-memory pipeline as `diff`), a report, and state export files for CLI tests.
 *
 * The estate: `shared` (the key `app-key`, whose policy lets the account and, through Secrets
 * Manager, account OTHER_ACCOUNT decrypt), `dev` and `prod` with parameters under /app/<env>/db and
 * /app/<env>/api, the secrets app/<env>/db (rotated every 30 days by a Lambda) and app/<env>/api,
 * and in prod the roles `api` (reads /app/prod/api/*), `worker` (an inline policy allowing every
 * secret, narrowed by the boundary `worker-boundary` to /app/prod/api/*) and `ops` (nothing).
 */

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { estimateCost } from '../../diagrams/compliance/cost.ts';
import { evaluateRules } from '../../diagrams/compliance/rules/index.ts';
import { documentsOfEstate } from '../../diagrams/diff/pipeline.ts';
import { diffSides } from '../../diagrams/diff/report.ts';
import type { DiffReport, EstateDoc } from '../../diagrams/diff/types.ts';
import { ACCOUNT, allow, EstateFixture, OTHER_ACCOUNT, type FixtureStack, type Ref } from '../fixtures/estates.ts';

export type Change = 'widen' | 'admin' | 'boundary-removed' | 'shared' | 'rotation-removed' | 'plain-type' | 'stack-added';

const KEY_POLICY = [
  allow('kms:*', '*', { Sid: 'AccountAdministers', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` } }),
  allow(['kms:Decrypt'], '*', { Sid: 'PartnerDecryptsThroughSecretsManager', Principal: { AWS: `arn:aws:iam::${OTHER_ACCOUNT}:root` }, Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.eu-west-1.amazonaws.com' } } }),
];

function environment(f: EstateFixture, env: string, key: Ref, changes: ReadonlySet<Change>): FixtureStack {
  const s = f.stack(env);
  const tags = { Environment: env };
  const prod = env === 'prod';
  s.parameter(`/app/${env}/db/host`, { tags });
  s.parameter(`/app/${env}/db/user`, { tags });
  s.parameter(`/app/${env}/db/password`, { type: prod && changes.has('plain-type') ? 'String' : 'SecureString', key, tags });
  s.parameter(`/app/${env}/api/url`, { tags });
  s.parameter(`/app/${env}/api/token`, { type: 'SecureString', key, tags });
  const rotRole = s.role(`rotation-${env}`, { trust: 'lambda', tags });
  const fn = s.lambda(`rotation-${env}`, rotRole);
  s.permission(fn, 'secretsmanager.amazonaws.com');
  const rotated = !(prod && changes.has('rotation-removed'));
  s.secret(`app/${env}/db`, { key, ...(rotated ? { rotationDays: 30, rotationLambda: fn } : {}), recoveryWindowInDays: 7, tags: { ...tags, Category: 'database' } });
  const api = s.secret(`app/${env}/api`, { key, recoveryWindowInDays: 7, tags: { ...tags, Category: 'application' } });
  if (prod && changes.has('shared')) {
    s.secretPolicy(api, [allow('secretsmanager:GetSecretValue', '*', { Sid: 'PartnerReads', Principal: { AWS: `arn:aws:iam::${OTHER_ACCOUNT}:root` } })]);
  }
  return s;
}

function prodRoles(s: FixtureStack, key: Ref, changes: ReadonlySet<Change>): void {
  const viaSsm = allow('kms:Decrypt', key.arn, { Sid: 'DecryptViaSsm', Condition: { StringEquals: { 'kms:ViaService': 'ssm.eu-west-1.amazonaws.com' } } });
  const api = s.role('api', { trust: { eks: { namespace: 'api', serviceAccount: 'api' } } });
  const folder = changes.has('widen') ? '/app/prod/*' : '/app/prod/api/*';
  s.policy('api-read', [allow(['ssm:GetParameter', 'ssm:GetParameters'], s.paramArn(folder), { Sid: 'ReadConfig' }), viaSsm], { roles: [api] });
  const boundary = s.policy('worker-boundary', [allow(['ssm:GetParameter*'], s.paramArn('/app/prod/api/*'))]);
  s.role('worker', {
    trust: 'ec2',
    inline: { 'worker-all': [allow(['secretsmanager:GetSecretValue', 'ssm:GetParameter'], '*', { Sid: 'Everything' }), allow('kms:Decrypt', key.arn, { Sid: 'Decrypt' })] },
    ...(changes.has('boundary-removed') ? {} : { boundary: boundary.arn }),
  });
  const ops = s.role('ops', { trust: 'codebuild' });
  if (changes.has('admin')) s.attach(ops, 'role', 'arn:aws:iam::aws:policy/AdministratorAccess');
}

/** The estate's fixture with the given changes applied. */
export function fixture(...changes: Change[]): EstateFixture {
  const set = new Set(changes);
  const f = new EstateFixture('app');
  const shared = f.stack('shared');
  const key = shared.key('app-key', { policy: KEY_POLICY, protect: true, tags: { Environment: 'shared' } });
  environment(f, 'dev', key, set);
  const prod = environment(f, 'prod', key, set);
  prodRoles(prod, key, set);
  if (set.has('stack-added')) environment(f, 'uat', key, set);
  return f;
}

const components = { evaluateRules, estimateCost };

export function documents(f: EstateFixture, label: string): EstateDoc[] {
  return documentsOfEstate(f.estate(), components, label);
}

/** The report of `head` against `base`. */
export function reportOf(base: EstateFixture, head: EstateFixture): DiffReport {
  return diffSides({ label: 'base fixture', docs: documents(base, 'base') }, { label: 'head fixture', docs: documents(head, 'head') });
}

/** Writes each stack of a fixture as a `pulumi stack export` file in `dir`; returns the paths. */
export function writeExports(f: EstateFixture, dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  return f.stackList().map((s) => {
    const file = join(dir, `${s.name}.json`);
    writeFileSync(file, JSON.stringify(s.exportDocument()));
    return file;
  });
}

/**
 * A `pulumi preview --json` document that takes `base` to `head` (one stack each, same name): a
 * step per URN, `create`, `delete`, `same` or `update` with `detailedDiff` and `diffReasons` naming
 * the inputs that differ.
 */
export function previewDocument(base: FixtureStack, head: FixtureStack): Record<string, unknown> {
  const state = (r: (typeof base.rows)[number]) => ({ urn: r.urn, type: r.type, custom: r.custom, id: r.id, provider: r.provider, inputs: r.inputs, outputs: r.outputs, protect: r.protect });
  const before = new Map(base.rows.map((r) => [r.urn as string, r]));
  const after = new Map(head.rows.map((r) => [r.urn as string, r]));
  const steps: Record<string, unknown>[] = [];
  for (const urn of [...new Set([...before.keys(), ...after.keys()])]) {
    const b = before.get(urn);
    const h = after.get(urn);
    if (b === undefined) steps.push({ op: 'create', urn, newState: state(h!), detailedDiff: null });
    else if (h === undefined) steps.push({ op: 'delete', urn, oldState: state(b) });
    else {
      const bi = (b.inputs ?? {}) as Record<string, unknown>;
      const hi = (h.inputs ?? {}) as Record<string, unknown>;
      const changed = [...new Set([...Object.keys(bi), ...Object.keys(hi)])].filter((k) => JSON.stringify(bi[k]) !== JSON.stringify(hi[k])).sort();
      if (changed.length === 0) steps.push({ op: 'same', urn, oldState: state(b), newState: state(h), detailedDiff: null });
      else steps.push({ op: 'update', urn, oldState: state(b), newState: state(h), diffReasons: changed, detailedDiff: Object.fromEntries(changed.map((k) => [k, { kind: 'update', inputDiff: true }])) });
    }
  }
  return { config: {}, steps, changeSummary: {} };
}
