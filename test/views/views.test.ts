/**
 * Golden D2 text per view for the mono-like fixture estate (prod and dev), a stack with nothing to
 * draw, and a big one (aggregated), with the findings the real rules give. Goldens are reviewed, not
 * blindly regenerated:  UPDATE_GOLDEN=1 npx vitest run test/views   then read `git diff test/views/golden`.
 * Icon data URIs are replaced by a placeholder in goldens so the diffs stay readable.
 */

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluateRules } from '../../diagrams/compliance/rules/index.ts';
import type { Estate } from '../../diagrams/estate/model.ts';
import { q } from '../../diagrams/views/d2text.ts';
import { TYPE } from '../../diagrams/views/style.ts';
import { VIEWS } from '../../diagrams/views/index.ts';
import { DIAGRAMS } from '../../diagrams/views/types.ts';
import { ACCOUNT, allow, EstateFixture, OTHER_ACCOUNT, UNKNOWN_VALUE } from '../fixtures/estates.ts';
import { conditionalDecryptEstate } from '../fixtures/foreign.ts';
import { bigEstate, emptyEstate, monoEstate } from '../fixtures/mono.ts';

const GOLDEN = join(import.meta.dirname, 'golden');
const update = process.env.UPDATE_GOLDEN === '1';

function stripIcons(d2: string): string {
  return d2.replace(/"data:image\/svg\+xml;base64,[A-Za-z0-9+/=]+"/g, '"<icon>"');
}

function golden(file: string, actual: string): void {
  const path = join(GOLDEN, file);
  const text = stripIcons(actual);
  if (update || !existsSync(path)) {
    if (!update) throw new Error(`missing golden ${file}: run with UPDATE_GOLDEN=1 and review it`);
    writeFileSync(path, text);
    return;
  }
  expect(text).toBe(readFileSync(path, 'utf8'));
}

const mono = monoEstate();
const cases: [string, Estate, string][] = [
  ['prod', mono, 'prod'],
  ['dev', mono, 'dev'],
  ['empty', emptyEstate(), 'empty'],
  ['big', bigEstate(), 'prod'],
];

describe.each(cases)('views for %s', (label, estate, stack) => {
  const findings = evaluateRules(estate, stack);
  for (const name of DIAGRAMS) {
    it(`${name} matches its golden (or says what is absent)`, () => {
      const view = VIEWS[name]({ estate, stack, findings });
      expect(view.name).toBe(name);
      expect(view.title.length).toBeGreaterThan(10);
      if (view.d2 === undefined) {
        expect(view.absent, `${label} ${name}`).toMatch(/would show/);
        expect(existsSync(join(GOLDEN, `${label}.${name}.d2`))).toBe(false);
      } else golden(`${label}.${name}.d2`, view.d2);
    });
  }
});

describe('view properties', () => {
  it('a stack with nothing for a view gets no image, and the security view is always drawn', () => {
    const e = emptyEstate();
    const views = DIAGRAMS.map((d) => VIEWS[d]({ estate: e, stack: 'empty', findings: evaluateRules(e, 'empty') }));
    expect(views.map((v) => v.d2 === undefined)).toEqual([true, true, true, false]);
    expect(views[0]!.absent).toBe('Stack empty has no SSM Parameter Store parameters; this diagram would show their tree with types and keys, and who may read which folder.');
  });

  it('keeps to the type scale: every font size a view sets is one of TYPE (each other size costs D2 a glyph atlas per render)', () => {
    const scale = new Set<number>(Object.values(TYPE));
    for (const [label, estate, stack] of cases) {
      const findings = evaluateRules(estate, stack);
      for (const name of DIAGRAMS) {
        const d2 = VIEWS[name]({ estate, stack, findings }).d2;
        if (d2 === undefined) continue;
        const sizes = new Set([...d2.matchAll(/font-size: (\d+)/g)].map((m) => Number(m[1])));
        expect([...sizes].filter((s) => !scale.has(s)), `${label} ${name}`).toEqual([]);
        expect(d2, `${label} ${name}`).not.toMatch(/style\.italic: true/);
        // A labelled edge without the caption class gets D2's own italic 16.
        const bare = d2.split('\n').filter((line) => /-> [^:"]+: "/.test(line) && !line.includes('class: caption'));
        expect(bare, `${label} ${name}`).toEqual([]);
      }
    }
  });

  it('is deterministic: the same estate built twice gives the same text', () => {
    const a = monoEstate();
    for (const name of DIAGRAMS) {
      const x = VIEWS[name]({ estate: a, stack: 'prod', findings: evaluateRules(a, 'prod') }).d2;
      const y = VIEWS[name]({ estate: mono, stack: 'prod', findings: [...evaluateRules(mono, 'prod')].reverse() }).d2;
      expect(y).toBe(x);
    }
  });

  it('takes names from the estate, never hard-coded', () => {
    const f = new EstateFixture('payments');
    const live = f.stack('live');
    live.parameter('/payments/live/db/host');
    const r = live.role('payments-live-api', { trust: 'lambda' });
    live.policy('payments-live-read', [allow('ssm:GetParameter', live.paramArn('/payments/live/*'))], { roles: [r] });
    const e = f.estate();
    for (const name of DIAGRAMS) {
      const d2 = VIEWS[name]({ estate: e, stack: 'live', findings: evaluateRules(e, 'live') }).d2 ?? '';
      expect(stripIcons(d2)).not.toContain('mono-repo');
    }
    const h = VIEWS.parameter_store_hierarchy({ estate: e, stack: 'live', findings: [] });
    expect(h.d2).toContain('/payments/live/');
    expect(h.title).toBe('Where does live keep its configuration, and who reads it?');
  });

  it('names the environments a stack serves in the parameter view title: one, several, none', () => {
    const f = new EstateFixture('org');
    const s = f.stack('platform');
    for (const env of ['dev', 'uat', 'prod']) s.parameter(`/org/${env}/x`, { tags: { Environment: env } });
    const n = f.stack('tools');
    n.parameter('/tools/x');
    const e = f.estate();
    expect(VIEWS.parameter_store_hierarchy({ estate: e, stack: 'platform', findings: [] }).title).toBe('Where do dev, uat and prod keep their configuration, and who reads it?');
    expect(VIEWS.parameter_store_hierarchy({ estate: e, stack: 'tools', findings: [] }).title).toBe('Where does tools keep its configuration, and who reads it?');
    const one = VIEWS.parameter_store_hierarchy({ estate: mono, stack: 'dev', findings: [] }).title;
    expect(one).toBe('Where does dev keep its configuration, and who reads it?');
  });

  it('the security view counts failing controls in its title, and never says all met when nothing applies', () => {
    const v = VIEWS.security_compliance_controls({ estate: mono, stack: 'prod', findings: evaluateRules(mono, 'prod') });
    const failing = evaluateRules(mono, 'prod').filter((f) => f.status === 'not-met').length;
    expect(v.title).toContain(`(${failing} control${failing === 1 ? '' : 's'} failing,`);
    expect(v.d2).toContain('class: status-not-met');
    const na = VIEWS.security_compliance_controls({ estate: mono, stack: 'prod', findings: evaluateRules(mono, 'prod').map((f) => ({ ...f, status: 'not-applicable' as const, subjects: [] })) });
    expect(na.title).toContain('(no control applies)');
    expect(na.d2).not.toContain('class: status-met');
  });

  it('the security view shows the stack\'s audit pieces and the shared stack\'s, not a sibling environment\'s', () => {
    const d2 = VIEWS.security_compliance_controls({ estate: mono, stack: 'prod', findings: evaluateRules(mono, 'prod') }).d2!;
    expect(d2).toMatch(/"alarm mono-repo-secrets-access-denied\\naccess-denied\\n→ SNS mono-repo-security-alerts\\nfrom stack shared" \{ class: external \}/);
    expect(d2).not.toMatch(/-dev\b/);
  });

  it('aggregates a big stack: at most 60 boxes for the parameter tree, and each view well under 100 boxes', () => {
    const e = bigEstate();
    const h = VIEWS.parameter_store_hierarchy({ estate: e, stack: 'prod', findings: [] }).d2!;
    const treeBoxes = (h.match(/\{ class: (param-|folder)/g) ?? []).length;
    expect(treeBoxes).toBeLessThanOrEqual(60);
    for (const name of DIAGRAMS) {
      const d2 = VIEWS[name]({ estate: e, stack: 'prod', findings: evaluateRules(e, 'prod') }).d2 ?? '';
      expect((d2.match(/\{ class: /g) ?? []).length, name).toBeLessThan(100);
    }
  });

  it('draws users, groups and other principals that read parameters with their own shapes', () => {
    const f = new EstateFixture('acme');
    const s = f.stack('prod');
    s.parameter('/acme/prod/db/host');
    const u = s.user('alice');
    const g = s.group('ops');
    s.membership(g, [u]);
    s.policy('ops-read', [allow('ssm:GetParameter', s.paramArn('/acme/prod/*'))], { groups: [g] });
    const e = f.estate();
    const d2 = VIEWS.parameter_store_hierarchy({ estate: e, stack: 'prod', findings: [] }).d2!;
    expect(d2).toContain('class: principal-user');
    expect(d2).toContain('class: principal-group');
    // The legend draws the person as a box (stretched to the legend's width it was a blob) and says the shape.
    expect(d2).toMatch(/l\d+: "IAM user \(drawn as a person\)" \{ class: principal-user; shape: rectangle;/);
    expect(d2).toMatch(/l\d+: "IAM group \(what its members get\)" \{ class: principal-group; style/);
    // One parameter, two readers: a matrix much shorter than the legend beside it, in a cell of its own.
    expect(d2).toMatch(/\ntree: "" \{\n(  .*\n)*  store: /);
  });

  it('escapes labels with quotes, dollars, braces and backslashes', () => {
    expect(q('a "b" ${c} {d} \\e\nf')).toBe('"a \\"b\\" \\${c} {d} \\\\e\\nf"');
  });
});

describe('keys and titles on a foreign estate', () => {
  it('draws the AWS-managed key once, whether a resource names it or leaves it out; titles name the stack of one of several projects', () => {
    const f = new EstateFixture('payments');
    const s = f.stack('dev');
    s.parameter('/payments/dev/a', { type: 'SecureString' });
    s.parameter('/payments/dev/b', { type: 'SecureString', key: 'alias/aws/ssm' });
    s.secret('payments/dev/x');
    s.secret('payments/dev/y', { key: 'alias/aws/secretsmanager' });
    f.stack('dev', { project: 'ledger' }).parameter('/ledger/dev/c');
    const e = f.estate();
    const p = VIEWS.parameter_store_hierarchy({ estate: e, stack: 'payments/dev', findings: [] });
    expect(p.d2!.match(/aws\/ssm \(AWS managed\)\\nAWS-managed key|aws\/ssm \(AWS managed\)" \{ class: key/g)).toHaveLength(1);
    expect(p.title).toBe('Where does payments/dev keep its configuration, and who reads it?');
    const sm = VIEWS.secrets_manager_integration({ estate: e, stack: 'payments/dev', findings: [] });
    expect(sm.d2!.match(/\{ class: key \}/g)).toHaveLength(1);
  });
});

describe('the secrets view\'s rotation', () => {
  /** `fns` rotation functions (each with its role and a secret), and an IAM user who can put secret values. */
  function rotated(fns: number) {
    const f = new EstateFixture('pay');
    const s = f.stack('prod');
    for (let i = 0; i < fns; i++) {
      const role = s.role(`rot-${i}`, { trust: 'lambda' });
      s.policy(`rot-${i}-write`, [allow(['secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecretVersionStage'], s.secretArn(`pay/prod/s${i}`) + '*')], { roles: [role] });
      s.secret(`pay/prod/s${i}`, { rotationDays: 30, rotationLambda: s.lambda(`rotate-${i}`, role) });
    }
    const u = s.user('mallory');
    s.policy('mallory-put', [allow('secretsmanager:PutSecretValue', s.secretArn('pay/prod/s0') + '*')], { users: [u] });
    return VIEWS.secrets_manager_integration({ estate: f.estate(), stack: 'prod', findings: [] }).d2!;
  }

  it('puts several functions side by side with one edge to the steps; one function keeps its own edge', () => {
    const three = rotated(3);
    // Rows first, so that D2 fills row by row (boxes of one height).
    expect(three).toMatch(/functions: "" \{\s*grid-rows: 1\s*grid-columns: 3/);
    // Their secrets are in one group, rotated alike: one edge from it, not one per function, and
    // its label names the functions.
    expect(three.match(/-> rotation: "rotates every 30 d[^"]*"/g)).toEqual(['-> rotation: "rotates every 30 d by the 3 functions"']);
    expect(three).toContain('functions -> lifecycle: "each runs each step"');
    expect(three).not.toMatch(/\w+ -> lifecycle: "runs each step"/);
    const one = rotated(1);
    expect(one).not.toContain('functions: ""');
    expect(one).toMatch(/\w+ -> lifecycle: "runs each step"/);
    // One function: the edge needs no name.
    expect(one).toMatch(/-> rotation: "rotates every 30 d" \{/);
  });

  it('says which function rotates which group, and an unknown interval once', () => {
    const f = new EstateFixture('pay');
    const s = f.stack('prod');
    const fn = (name: string) => s.lambda(name, s.role(`${name}-role`, { trust: 'lambda' }));
    const db = fn('rotate-db');
    const app = fn('rotate-app');
    const svc = fn('rotate-svc');
    s.secret('pay/prod/database/orders', { rotationDays: 30, rotationLambda: db });
    s.secret('pay/prod/database/ledger', { rotationDays: 7, rotationLambda: db });
    s.secret('pay/prod/app/api-key', { rotationDays: 60, rotationLambda: app });
    s.secret('pay/prod/app/session', { rotationDays: 60, rotationLambda: db });
    s.secret('pay/prod/service/smtp', { rotationSchedule: 'cron(0 4 ? * MON#1 *)', rotationLambda: svc });
    // Rotated by every function: the label does not list them.
    for (const [i, l] of [app, db, svc].entries()) s.secret(`pay/prod/service/hook-${i}`, { rotationDays: 90, rotationLambda: l });
    const d2 = VIEWS.secrets_manager_integration({ estate: f.estate(), stack: 'prod', findings: [] }).d2!;
    const edges = d2.split('\n').filter((l) => / -> rotation: /.test(l)).map((l) => l.replace(/^\w+ -> rotation: "([^"]*)".*$/, (_, label: string) => `${/^(\w+)/.exec(l)![1]}: ${label}`));
    expect(edges.sort()).toEqual([
      'g_n_application: rotates every 60 d by rotate-app, rotate-db',
      'g_n_database: rotates every 7-30 d by rotate-db',
      'g_n_service: rotates (interval unknown) by rotate-svc',
      'g_n_service: rotates every 90 d by the 3 functions',
    ]);
    expect(d2).not.toContain('rotates rotates');
  });

  it('names the other principals that can write secret versions, users included, and not the functions\' own roles', () => {
    const d2 = rotated(2);
    const notes = /notes: "([^"]*)"/.exec(d2)![1]!.replace(/\\n/g, ' ');
    expect(notes).toContain('besides the rotation functions, these can write or re-stage secret versions: mallory (IAM user)');
    expect(notes).not.toMatch(/rot-\d/);
  });
});

describe('the secrets view\'s aggregated boxes', () => {
  it('count the secrets that do not rotate or whose interval is unknown, never cover them with the others\' interval', () => {
    const f = new EstateFixture('pay');
    const s = f.stack('prod');
    const fn = s.lambda('rotate', s.role('rotate-role', { trust: 'lambda' }));
    // 20 database secrets (more than a group draws one by one) under three prefixes.
    for (let i = 0; i < 8; i++) s.secret(`pay/prod/orders/db-${i}`, i < 5 ? { rotationDays: 30, rotationLambda: fn } : {});
    for (let i = 0; i < 6; i++) s.secret(`pay/prod/ledger/db-${i}`, i < 2 ? { rotationSchedule: 'cron(0 4 ? * MON#1 *)', rotationLambda: fn } : { rotationDays: 7, rotationLambda: fn });
    for (let i = 0; i < 6; i++) s.secret(`pay/prod/audit/db-${i}`);
    const d2 = VIEWS.secrets_manager_integration({ estate: f.estate(), stack: 'prod', findings: [] }).d2!;
    // A box's label: `<prefix>/` then its counts, on a second line (`\\n` in the D2 text).
    const box = (prefix: string) => d2.split('\n').find((l) => l.includes(`: "${prefix}/\\n`) && l.includes('class: secret-aggregate'))?.split('\\n')[1]?.replace(/".*$/, '');
    expect(box('orders')).toBe('8 secrets · every 30 d · 3 NOT rotated');
    expect(box('ledger')).toBe('6 secrets · every 7 d · 2 interval unknown');
    expect(box('audit')).toBe('6 secrets · NOT rotated');
  });
});

describe('the workflow view\'s runtime reads', () => {
  it('says a rotation brings a new value only of the secrets that rotate', () => {
    const f = new EstateFixture('pay');
    const s = f.stack('prod');
    const fn = s.lambda('rotate', s.role('rotate-role', { trust: 'lambda' }));
    const a = s.secret('pay/prod/app/rotated', { rotationDays: 30, rotationLambda: fn });
    const b = s.secret('pay/prod/app/static');
    const c = s.secret('pay/prod/app/static-2');
    const api = s.role('pay-prod-api', { trust: 'ec2' });
    s.policy('api-read', [allow('secretsmanager:GetSecretValue', [a.arn, b.arn])], { roles: [api] });
    const all = s.role('pay-prod-worker', { trust: 'ec2' });
    s.policy('worker-read', [allow('secretsmanager:GetSecretValue', [a.arn])], { roles: [all] });
    const none = s.role('pay-prod-batch', { trust: 'ec2' });
    s.policy('batch-read', [allow('secretsmanager:GetSecretValue', [c.arn])], { roles: [none] });
    const d2 = VIEWS.application_secrets_workflow({ estate: f.estate(), stack: 'prod', findings: [] }).d2!;
    expect(d2.match(/new value after a rotation[^"\\]*/g)?.sort()).toEqual(['new value after a rotation', 'new value after a rotation (1 of 2 rotate)']);
  });
});

describe('the workflow view\'s lanes', () => {
  it('name the permissions boundary of a role that has one (its reads are within it), or say it is not known yet', () => {
    const f = new EstateFixture('pay');
    const s = f.stack('prod');
    s.parameter('/pay/prod/host');
    const boundary = s.policy('pay-boundary', [allow('ssm:GetParameter', '*')]);
    const api = s.role('pay-prod-api', { trust: 'ec2', boundary: boundary.arn });
    const web = s.role('pay-prod-web', { trust: 'ec2', boundary: UNKNOWN_VALUE });
    const ops = s.role('pay-prod-ops', { trust: 'ec2' });
    for (const r of [api, web, ops]) s.policy(`${r.name}-read`, [allow('ssm:GetParameter', [s.paramArn('/pay/prod/host')])], { roles: [r] });
    const d2 = VIEWS.application_secrets_workflow({ estate: f.estate(), stack: 'prod', findings: [] }).d2!;
    const title = (role: string) => d2.split('\n').find((l) => l.includes(`_${role}_0: `))!.replace(/^[^"]*"([^"]*)".*$/, '$1').split('\\n');
    expect(title('api')).toContain('boundary pay-boundary');
    expect(title('web')).toContain('boundary (not known yet)');
    expect(title('ops').join(' ')).not.toContain('boundary');
    // The boundary outside the loaded stacks makes a read unknown: the note says what '?' covers.
    expect(d2.replace(/\\n/g, ' ')).toMatch(/\? not known from the loaded stacks: a value not known before deployment, or a policy, key or boundary they do not hold/);
    // They read parameters only: no rotation reaches them, and not because their secrets do not rotate.
    expect(d2.replace(/\\n/g, ' ')).toContain('no rotation reaches these services: they read no Secrets Manager secret values');
  });
});

describe('the workflow view\'s readers from other stacks', () => {
  it('say their stack, and their account when it is another', () => {
    const f = new EstateFixture('pay');
    const sh = f.stack('shared', { account: OTHER_ACCOUNT });
    const ops = sh.role('shared-ops', { trust: 'ec2' });
    const dev = f.stack('dev');
    const api = dev.role('dev-api', { trust: 'lambda' });
    const s = f.stack('prod');
    s.parameter('/pay/prod/host');
    const own = s.role('pay-prod-web', { trust: 'ec2' });
    const read = [allow('ssm:GetParameter', [s.paramArn('/pay/prod/host')])];
    s.policy('web-read', read, { roles: [own] });
    dev.policy('api-read', read, { roles: [api] });
    // Another account's role reads a secret its policy and its key's share with it.
    const k = s.key('k', { policy: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' }, { Effect: 'Allow', Principal: { AWS: ops.arn }, Action: 'kms:Decrypt', Resource: '*' }] });
    s.secret('pay/prod/db', { key: k, policy: [{ Effect: 'Allow', Principal: { AWS: ops.arn }, Action: 'secretsmanager:GetSecretValue', Resource: '*' }] });
    sh.policy('ops-read', [allow(['secretsmanager:GetSecretValue', 'kms:Decrypt'], '*')], { roles: [ops] });
    const d2 = VIEWS.application_secrets_workflow({ estate: f.estate(), stack: 'prod', findings: [] }).d2!;
    const title = (role: string) => d2.split('\n').find((l) => l.includes(`_${role}_0: `))?.replace(/^[^"]*"([^"]*)".*$/, '$1').split('\\n');
    expect(title('web')?.join(' ')).not.toContain('stack');
    expect(title('api')).toContain('stack dev');
    expect(title('ops')).toContain(`stack shared, account ${OTHER_ACCOUNT}`);
  });
});

describe('the secrets view\'s outside readers', () => {
  it('names the accounts outside the secret\'s own that may read it (its policy and its key\'s both let them), not those a key blocks', () => {
    const f = new EstateFixture('pay');
    const s = f.stack('prod');
    const root = (a: string) => ({ AWS: `arn:aws:iam::${a}:root` });
    const k = s.key('pay-key', { policy: [{ Effect: 'Allow', Principal: root(ACCOUNT), Action: 'kms:*', Resource: '*' }, { Effect: 'Allow', Principal: root(OTHER_ACCOUNT), Action: 'kms:Decrypt', Resource: '*' }] });
    const share = [{ Effect: 'Allow' as const, Principal: { AWS: `arn:aws:iam::${OTHER_ACCOUNT}:role/partner-reader` }, Action: 'secretsmanager:GetSecretValue', Resource: '*' }];
    s.secret('pay/prod/partner', { key: k, policy: share });
    // The AWS-managed key cannot be used from another account: shared by its policy, read by nobody outside.
    s.secret('pay/prod/managed', { policy: share });
    s.secret('pay/prod/own', { key: k });
    const d2 = VIEWS.secrets_manager_integration({ estate: f.estate(), stack: 'prod', findings: [] }).d2!;
    const box = (n: string) => d2.split('\n').find((l) => l.includes(`s_n_${n}: `))!.replace(/^[^"]*"([^"]*)".*$/, '$1').split('\\n');
    expect(box('partner').slice(-2)).toEqual(['read from outside the account:', `${OTHER_ACCOUNT} *`]);
    expect(box('managed').join(' ')).not.toContain('outside');
    expect(box('own').join(' ')).not.toContain('outside');
    expect(d2.replace(/\\n/g, ' ')).toContain('their own account');
  });

  it('counts a role of a loaded stack in another account', () => {
    const f = new EstateFixture('app');
    const ops = f.stack('ops', { account: OTHER_ACCOUNT });
    const reader = ops.role('reader', { trust: 'lambda', inline: { p: [allow(['secretsmanager:GetSecretValue', 'kms:Decrypt'], '*')] } });
    const s = f.stack('prod');
    const k = s.key('k', { policy: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' }, { Effect: 'Allow', Principal: { AWS: reader.arn }, Action: 'kms:Decrypt', Resource: '*' }] });
    s.secret('app/db', { key: k, policy: [{ Effect: 'Allow', Principal: { AWS: reader.arn }, Action: 'secretsmanager:GetSecretValue', Resource: '*' }] });
    const d2 = VIEWS.secrets_manager_integration({ estate: f.estate(), stack: 'prod', findings: [] }).d2!;
    expect(d2).toContain(`read from outside the account:\\n${OTHER_ACCOUNT}"`);
  });
});

describe('the workflow view\'s keys column', () => {
  it('names the AWS-managed keys of what a service may read (the service decrypts with them, no key permission), beside its own keys', () => {
    const f = new EstateFixture('pay');
    const s = f.stack('prod');
    const k = s.key('pay-key');
    const managed = s.secret('pay/prod/db');
    const own = s.secret('pay/prod/api', { key: k });
    s.parameter('/pay/prod/smtp/password', { type: 'SecureString' });
    s.parameter('/pay/prod/host');
    const api = s.role('pay-prod-api', { trust: 'ec2' });
    s.policy('api-read', [allow('secretsmanager:GetSecretValue', [managed.arn, own.arn]), allow('kms:Decrypt', [k.arn]), allow('ssm:GetParameter', [s.paramArn('/pay/prod/*')])], { roles: [api] });
    const web = s.role('pay-prod-web', { trust: 'ec2' });
    s.policy('web-read', [allow('ssm:GetParameter', [s.paramArn('/pay/prod/host')])], { roles: [web] });
    const d2 = VIEWS.application_secrets_workflow({ estate: f.estate(), stack: 'prod', findings: [] }).d2!;
    expect(d2.replace(/\\n/g, ' ')).toContain('no rotation reaches these services: none of the secrets they read rotates');
    const keyCells = d2.split('\n').filter((l) => l.includes('{ class: key')).map((l) => l.replace(/^[^"]*"([^"]*)".*$/, '$1'));
    // A read only under a condition marks the AWS-managed key it uses too.
    const g = new EstateFixture('pay');
    const t = g.stack('prod');
    t.secret('pay/prod/db');
    const fn = t.role('pay-prod-fn', { trust: 'lambda', inline: { p: [allow('secretsmanager:GetSecretValue', '*', { Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } })] } });
    t.lambda('pay-prod-fn', fn);
    expect(VIEWS.application_secrets_workflow({ estate: g.estate(), stack: 'prod', findings: [] }).d2!).toContain('"aws/secretsmanager (AWS managed) *" { class: key');
    // The web role reads a String only: no key (its cell is a dash).
    expect(keyCells).toEqual(['aws/secretsmanager (AWS managed)\\naws/ssm (AWS managed)\\npay-key (direct)']);
  });
});

describe('statements of a group that hold for each member', () => {
  /** A rotating secret read by a role without a cache, a static one by a role with a 15 min cache, a CI role reading a SecureString, a describe-only role. */
  function mixed() {
    const f = new EstateFixture('pay');
    const s = f.stack('prod');
    const fn = s.lambda('rotate', s.role('rotate-role', { trust: 'lambda' }));
    s.secret('pay/prod/app/a', { rotationDays: 30, rotationLambda: fn });
    s.secret('pay/prod/app/b');
    const api = s.role('pay-prod-api', { trust: 'ec2', tags: { Service: 'api' } });
    const batch = s.role('pay-prod-batch', { trust: 'ec2', tags: { SecretCacheTtl: '900', Service: 'batch' } });
    s.policy('api-read', [allow('secretsmanager:GetSecretValue', [s.secretArn('pay/prod/app/a')])], { roles: [api] });
    s.policy('batch-read', [allow('secretsmanager:GetSecretValue', [s.secretArn('pay/prod/app/b')])], { roles: [batch] });
    const ci = s.role('pay-prod-ci', { trust: 'codebuild' });
    s.parameter('/pay/prod/db/password', { type: 'SecureString' });
    s.parameter('/pay/prod/db/host');
    s.policy('ci-read', [allow(['ssm:GetParameter'], [s.paramArn('/pay/prod/db/password')]), allow('kms:Decrypt', '*')], { roles: [ci] });
    const aud = s.role('pay-prod-auditor', { trust: 'ec2' });
    s.policy('aud', [allow('secretsmanager:DescribeSecret', [s.secretArn('pay/prod/app/a')])], { roles: [aud] });
    return f.estate();
  }

  it('workflow: the rotation strip shows the caches of the readers of rotating secrets only; a build role and a describe-only role are described by what they may do', () => {
    const d2 = VIEWS.application_secrets_workflow({ estate: mixed(), stack: 'prod', findings: [] }).d2!;
    expect(d2).toContain('expire: "client caches refresh\\n(cache: not declared)"');
    expect(d2).not.toMatch(/client caches expire/);
    expect(d2).toContain('"no Secrets Manager secrets\\n(SecureString parameters:\\nsee its configuration)"');
    expect(d2).not.toContain('baked into');
    expect(d2).toContain('"DescribeSecret\\non 1 secret: no values"');
    expect(d2).not.toContain('ListSecretVersionIds');
  });

  it('a key id unknown before deployment is drawn as such, not as a key defined outside the loaded stacks', () => {
    const f = new EstateFixture('pay');
    const s = f.stack('prod');
    s.secret('pay/prod/app/a', { key: UNKNOWN_VALUE });
    s.parameter('/pay/prod/db/pw', { type: 'SecureString', key: UNKNOWN_VALUE });
    const e = f.estate();
    for (const name of ['secrets_manager_integration', 'parameter_store_hierarchy'] as const) {
      const d2 = VIEWS[name]({ estate: e, stack: 'prod', findings: [] }).d2!;
      expect(d2).toContain('"key (id unknown)\\nnot known before deployment" { class: key }');
      expect(d2).not.toContain('defined outside the loaded stacks');
    }
  });

  it('marks conditional access where it is, on the one read a condition applies to and not on its whole folder', () => {
    const e = conditionalDecryptEstate();
    const p = VIEWS.parameter_store_hierarchy({ estate: e, stack: 'prod', findings: [] }).d2!;
    expect(p).toContain('"all 2 by name (1 *)"');
    expect(p).toMatch(/kms:Decrypt via ssm:\\nAPI \*" \{ class: key \}/);
    expect(p).toContain('* only under IAM conditions that cannot be');
    const w = VIEWS.application_secrets_workflow({ estate: e, stack: 'prod', findings: [] }).d2!;
    expect(w).toContain('"may read by name ×2:\\nhost\\npw *\\n2 parameters, 1 SecureString"');
    expect(w).toContain('"pay-key (direct) *"');
    expect(w).toMatch(/notes: "[^"]*\* only under IAM conditions/);
    // They read no secret: the title's rotation question gets its answer.
    expect(w.replace(/\\n/g, ' ')).toContain('no rotation reaches these services: they read no Secrets Manager secret values');
  });

  it('the parameter view\'s key box says which decrypts are allowed only directly, not through ssm', () => {
    const f = new EstateFixture('pay');
    const s = f.stack('prod');
    const k = s.key('pay-key');
    s.parameter('/pay/prod/db/pw', { type: 'SecureString', key: k });
    s.parameter('/pay/prod/db/host');
    // It reads the String, and may call kms:Decrypt on the key only directly (no kms:ViaService).
    const r = s.role('pay-prod-ops', { trust: 'ec2' });
    s.policy('p', [allow('ssm:GetParameter', [s.paramArn('/pay/prod/db/host')]), allow('kms:Decrypt', [k.arn], { Condition: { Null: { 'kms:ViaService': 'true' } } })], { roles: [r] });
    const d2 = VIEWS.parameter_store_hierarchy({ estate: f.estate(), stack: 'prod', findings: [] }).d2!;
    expect(d2).toMatch(/kms:Decrypt via ssm:\\n[^"]*\(direct\)" \{ class: key \}/);
  });

  it('the parameter overview says in each reader box which folders it may read and how, with one edge to the store', () => {
    const f = new EstateFixture('fleet');
    const s = f.stack('prod');
    for (const fo of ['api', 'db', 'queue', 'cache']) for (let j = 0; j < 10; j++) s.parameter(`/fleet/prod/${fo}/p-${j}`);
    const byPath = (fo: string) => allow(['ssm:GetParametersByPath'], [s.paramArn(`/fleet/prod/${fo}`)]);
    const api = s.role('fleet-api', { trust: 'ec2' });
    s.policy('api-read', [byPath('api')], { roles: [api] });
    const db = s.role('fleet-db', { trust: 'ec2' });
    s.policy('db-read', [allow('ssm:GetParameter', [s.paramArn('/fleet/prod/db/p-1'), s.paramArn('/fleet/prod/db/p-2')])], { roles: [db] });
    const ops = s.role('fleet-ops', { trust: 'ec2' });
    s.policy('ops-read', [byPath('api'), byPath('db'), byPath('queue'), byPath('cache')], { roles: [ops] });
    const mixed = s.role('fleet-mixed', { trust: 'ec2' });
    s.policy('mixed-read', [byPath('api'), byPath('queue'), allow('ssm:GetParameter', [s.paramArn('/fleet/prod/db/p-1'), s.paramArn('/fleet/prod/cache/p-1')])], { roles: [mixed] });
    const d2 = VIEWS.parameter_store_hierarchy({ estate: f.estate(), stack: 'prod', findings: [] }).d2!;
    // 44 rows: the overview, not the matrix.
    expect(d2).not.toContain('read by →');
    const box = (role: string) => d2.split('\n').find((l) => l.includes(`r_n_fleet_${role}: `))?.replace(/^[^"]*"([^"]*)".*$/, '$1').split('\\n').slice(1);
    expect(box('api')).toEqual(['EC2 instance role', 'api/: by path']);
    expect(box('db')).toEqual(['EC2 instance role', 'db/: 2 of 10 by name']);
    expect(box('ops')).toEqual(['EC2 instance role', 'every folder: by path']);
    // Past three folders: the first two, then a count.
    expect(box('mixed')).toEqual(['EC2 instance role', 'api/: by path', 'cache/: 1 of 10 by name', '+ 2 more folders']);
    expect(d2.split('\n').filter((l) => / -> tree\.store: /.test(l))).toEqual(['tree.readers -> tree.store: "may read" { class: caption }']);
  });

  it('the overview\'s reader boxes count hidden folders as the tree\'s boxes do, keep their marks, and say when every parameter is read one way', () => {
    const f = new EstateFixture('app');
    const s = f.stack('prod');
    // 75 top folders of two sub-folders: aggregated, 59 boxes and a "+ 16 more folders" box.
    for (let i = 0; i < 75; i++) for (let j = 0; j < 2; j++) s.parameter(`/app/f${String(i).padStart(2, '0')}/sub${j}/p${j}`);
    const all = s.role('all', { trust: 'lambda', inline: { p: [allow('ssm:GetParameter', '*')] } });
    const ip = { Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } };
    const some = s.role('some', { trust: 'lambda', inline: { p: [allow('ssm:GetParametersByPath', [s.paramArn('/app/f01/sub0'), s.paramArn('/app/f02')]), allow('ssm:GetParameter', [s.paramArn('/app/f03/sub1/p1'), s.paramArn('/app/f29/*'), s.paramArn('/app/f5*')], ip)] } });
    for (const r of [all, some]) s.lambda(r.name, r);
    for (let k = 0; k < 11; k++) s.lambda(`r${k}`, s.role(`r${k}`, { trust: 'lambda', inline: { p: [allow('ssm:GetParameter', s.paramArn(`/app/f0${k % 10}/*`))] } }));
    const d2 = VIEWS.parameter_store_hierarchy({ estate: f.estate(), stack: 'prod', findings: [] }).d2!;
    expect(d2).toContain('"+ 16 more folders\\n32 parameters');
    const box = (role: string) => d2.split('\n').find((l) => l.includes(`r_n_${role}: `))!.replace(/^[^"]*"([^"]*)".*$/, '$1').split('\\n').slice(2);
    expect(box('all')).toEqual(['every parameter: by name']);
    // f03, f29, f50-f58 and the 16 of the last box: 27, each read only under the IP condition.
    expect(box('some')).toEqual(['f01/: by path 1 of 2', 'f02/: by path', '+ 27 more folders *']);
  });

  it('keys of two stacks whose names differ only in punctuation are drawn in a container each', () => {
    const f = new EstateFixture('pay');
    const ka = f.stack('shared-kms').key('a-key');
    const kb = f.stack('shared_kms').key('b-key');
    const s = f.stack('prod');
    s.secret('pay/prod/app/a', { key: ka });
    s.secret('pay/prod/app/b', { key: kb });
    s.parameter('/pay/prod/app/x', { type: 'SecureString', key: ka });
    s.parameter('/pay/prod/app/y', { type: 'SecureString', key: kb });
    const e = f.estate();
    for (const name of ['secrets_manager_integration', 'parameter_store_hierarchy'] as const) {
      const d2 = VIEWS[name]({ estate: e, stack: 'prod', findings: [] }).d2!;
      const containers = [...d2.matchAll(/(from_\w+): "KMS keys from stack ([^"]+)" \{/g)].map((m) => `${m[1]} ${m[2]}`).sort();
      expect(containers).toEqual(['from_shared_kms shared-kms', 'from_shared_kms_2 shared_kms']);
    }
  });

  it('controls: the cache fact counts the roles that read secret values, and the trail box says unknown where it is', () => {
    const d2 = VIEWS.security_compliance_controls({ estate: mixed(), stack: 'prod', findings: [] }).d2!;
    expect(d2).toContain('1 of 2 secrets rotate\\n1 of 2 secret readers cache (TTL 15 min)');
    const f = new EstateFixture('pay');
    const s = f.stack('prod');
    s.secret('pay/prod/app/a');
    s.trail('audit', { validation: UNKNOWN_VALUE as unknown as string, bucket: 'not-loaded' });
    const k = s.key('logs-key');
    s.trail('kms-bucket', { bucket: 'audit-logs' });
    s.bucket('audit-logs', { encryption: k });
    const t = VIEWS.security_compliance_controls({ estate: f.estate(), stack: 'prod', findings: [] }).d2!;
    const trail = (name: string) => t.split('\n').find((l) => l.includes(`"CloudTrail ${name}\\n`))!;
    expect(trail('audit')).toContain('log validation unknown · log encryption unknown');
    expect(trail('audit')).not.toContain('NO log validation');
    expect(trail('kms-bucket')).toContain('log validation · bucket SSE-KMS');
  });
});

describe('a key in two views', () => {
  it('is worded the same in the parameter view and the secrets view (rotation, regions)', () => {
    const e = monoEstate();
    const findings = evaluateRules(e, 'prod');
    // The second line of each key box's label: its facts.
    const facts = (name: 'parameter_store_hierarchy' | 'secrets_manager_integration') =>
      VIEWS[name]({ estate: e, stack: 'prod', findings })
        .d2!.split('\n')
        .filter((l) => l.endsWith('{ class: key }'))
        .map((l) => /: "([^"\\]+)\\n([^"\\]+)/.exec(l)!)
        .map((m) => `${m[1]}: ${m[2]}`);
    const p = facts('parameter_store_hierarchy');
    const s = facts('secrets_manager_integration');
    expect(p.length).toBeGreaterThan(0);
    expect(s.length).toBeGreaterThan(0);
    for (const line of [...p, ...s]) expect(line).toMatch(/: (rotates every \d+ d|rotation unknown|NO key rotation)( · multi-region( \+ [a-z0-9-, ?]+)?)?$/);
  });

  it('says who a key\'s grants let use it, in both views; an AWS-managed key is named once', () => {
    const f = new EstateFixture('pay');
    const s = f.stack('prod');
    const one = s.key('one-key');
    const many = s.key('many-key');
    const batch = s.role('pay-batch', { trust: 'ec2' });
    s.grant(one, 'batch-grant', batch.arn, ['Decrypt', 'DescribeKey']);
    s.grant(many, 'g1', batch.arn, ['Decrypt']);
    s.grant(many, 'g2', `arn:aws:iam::${OTHER_ACCOUNT}:root`, ['Encrypt']);
    s.grant(many, 'g3', batch.arn, ['Decrypt']);
    s.parameter('/pay/prod/a', { type: 'SecureString', key: one });
    s.parameter('/pay/prod/b', { type: 'SecureString', key: many });
    s.parameter('/pay/prod/c', { type: 'SecureString' });
    s.secret('pay/prod/x', { key: one });
    s.secret('pay/prod/y', { key: many });
    const e = f.estate();
    for (const view of ['parameter_store_hierarchy', 'secrets_manager_integration'] as const) {
      const boxes = VIEWS[view]({ estate: e, stack: 'prod', findings: [] }).d2!.split('\n').filter((l) => l.includes('{ class: key }')).map((l) => l.replace(/^[^"]*"([^"]*)".*$/, '$1').split('\\n').slice(0, 3));
      expect(boxes, view).toContainEqual(['one-key', 'rotates every 365 d', 'grant to pay-batch (Decrypt)']);
      expect(boxes, view).toContainEqual(['many-key', 'rotates every 365 d', '3 grants (2 with Decrypt)']);
    }
    const p = VIEWS.parameter_store_hierarchy({ estate: e, stack: 'prod', findings: [] }).d2!;
    expect(p).toContain('"aws/ssm (AWS managed)" { class: key }');
  });
});
