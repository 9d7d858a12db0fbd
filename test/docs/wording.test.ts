/**
 * Wording a page must never state falsely, each on an estate where it would be false: a count of
 * met controls when none applies, "no billable resources" for a stack with unpriced resources, a
 * schedule rule as an alarm that notifies nobody, secrets guidance on a stack without secrets, a
 * label cut mid-name with no full name on the page, an AWS-managed key as "from a stack not
 * loaded", an SSE-KMS bucket as S3-managed, a cache TTL the estate does not declare, a component
 * count read as "all resources in components", parity of a single environment, AWS-managed keys for
 * a stack with nothing encrypted.
 */

import { describe, expect, it } from 'vitest';
import { estimateCost } from '../../diagrams/compliance/cost.ts';
import { evaluateRules } from '../../diagrams/compliance/rules/index.ts';
import { sourceText } from '../../diagrams/docs/format.ts';
import { buildIndex, indexStack } from '../../diagrams/docs/viewmodel.ts';
import { Store } from '../../diagrams/estate/store.ts';
import { allow, EstateFixture, UNKNOWN_VALUE } from '../fixtures/estates.ts';
import { conditionalDecryptEstate, foreignEstate } from '../fixtures/foreign.ts';
import { emptyEstate, monoEstate } from '../fixtures/mono.ts';
import { section, stackPage, templates } from './helpers.ts';

const foreign = foreignEstate();
const payments = () => stackPage(foreign, 'payments/dev');

describe('wording that must never appear falsely', () => {
  it('never counts met controls when no control applies', async () => {
    const estate = emptyEstate();
    const none = evaluateRules(estate, 'empty').filter((f) => f.status === 'not-applicable');
    const { markdown } = await stackPage(estate, 'empty', { findings: none });
    expect(markdown).not.toMatch(/\(all 0 /);
    expect(markdown).not.toContain('0 not met, 0 met');
    expect(section(markdown, 'Compliance findings')).toContain(`No control applies to this stack: the ${none.length} controls are not applicable.`);
    expect(section(markdown, 'Diagrams')).toContain('(no control applies)');
  });

  it('says what the estimate covers instead of "no billable resources"', async () => {
    const empty = emptyEstate();
    const cost = section((await stackPage(empty, 'empty')).markdown, 'Cost estimate');
    expect(cost).not.toContain('No billable resources');
    expect(cost).toContain('No Parameter Store, Secrets Manager or KMS resources to bill in this stack (the estimate does not cover other services).');
    // A stack with a Lambda, RDS, DynamoDB, a log group and buckets: the total is of three services only.
    expect(section((await payments()).markdown, 'Cost estimate')).toContain('The estimate covers Parameter Store, Secrets Manager and KMS only; other services of the stack are not estimated.');
    const index = (await templates()).renderIndex(buildIndex({ stacks: [indexStack(Store.of(empty), 'empty', [], [], 'empty/README.md', estimateCost(empty, 'empty'))] }).model);
    expect(index).not.toContain('No billable resources');
    expect(index).toContain('No Parameter Store, Secrets Manager or KMS resources to bill in the estate (other services are not estimated).');
  });

  it('does not list an EventBridge schedule rule as an alarm that notifies nobody', async () => {
    const { markdown } = await payments();
    expect(foreign.audit.eventRules.map((r) => r.name)).toEqual(['payments-nightly-report']);
    expect(markdown).not.toContain('payments-nightly-report');
    expect(markdown).not.toContain('nobody');
    expect(section(markdown, 'Monitoring and audit')).toContain('No alarms or event rules that watch it in this stack.');
  });

  it('gives no secrets or SecureString guidance for a stack without them', async () => {
    const f = new EstateFixture('cfg');
    const s = f.stack('dev');
    s.parameter('/cfg/dev/app/url');
    const role = s.role('cfg-dev-app');
    s.policy('cfg-dev-read', [allow('ssm:GetParameter', s.paramArn('/cfg/dev/*'))], { roles: [role] });
    const { markdown } = await stackPage(f.estate(), 'dev');
    expect(markdown).not.toContain("this stack's secrets");
    expect(section(markdown, 'Troubleshooting')).toContain('Check the principal in the access matrix above: its identity policy (within any permissions boundary) must allow the call, and for a KMS key the key policy too.');
    expect(markdown).not.toContain('SecureString parameters and secrets');
    expect(section(markdown, 'Encryption strategy').trim()).toBe('## Encryption strategy\n\nNo customer-managed KMS key in or used by this stack.');
  });

  it('shows in full, somewhere on the page, every name a diagram shortens', async () => {
    const { markdown, views } = await payments();
    const cut = views.flatMap((v) => [...(v.d2 ?? '').matchAll(/"([^"]*)"/g)].flatMap((m) => m[1]!.split('\\n')).filter((l) => l.includes('…')));
    expect(cut.length).toBeGreaterThan(0);
    for (const label of cut) {
      const stem = label.slice(0, label.indexOf('…')).replace(/^.*: /, '').trim();
      expect(markdown, label).toMatch(new RegExp(`${stem.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[^…\\s|]`));
    }
    // The page itself shortens nothing but with a count (`… 3 more`).
    expect(markdown.replace(/… \d+ more/g, '')).not.toContain('…');
  });

  it('names AWS-managed keys as AWS-managed, never as keys of a stack not loaded', async () => {
    const { markdown, views } = await payments();
    for (const text of [markdown, ...views.map((v) => v.d2 ?? '')]) expect(text).not.toMatch(/not loaded/);
    expect(section(markdown, 'Parameter Store structure')).toContain('| `/payments/dev/db/password` | SecureString | Standard | `alias/aws/ssm (AWS managed)` |');
    expect(section(markdown, 'Parameter Store structure')).toContain('| `/payments/dev/api/token` | SecureString | Standard | `alias/aws/ssm (AWS managed)` |');
    // Named explicitly or used by default: one key, one name.
    expect(section(markdown, 'Secrets Manager secrets')).toContain('| `payments/dev/webhook-signing-key` | `alias/aws/secretsmanager (AWS managed)` |');
    expect(section(markdown, 'Secrets Manager secrets')).toContain('| `payments/dev/legacy-db-url` | `alias/aws/secretsmanager (AWS managed)` |');
    expect(section(markdown, 'Encryption strategy')).toContain('AWS-managed keys (their key policy is AWS\'s: any principal of the account may use them through the service): `alias/aws/secretsmanager` (2 secrets), `alias/aws/ssm` (2 SecureString parameters).');
  });

  it('describes a trail bucket with SSE-KMS default encryption by its key, and only an SSE-S3 one as S3-managed', async () => {
    const monitoring = section((await payments()).markdown, 'Monitoring and audit');
    expect(monitoring).toContain('| payments-dev-trail | true | true | `bucket default SSE-KMS (alias/payments-data)` |');
    expect(monitoring).not.toMatch(/S3-managed|SSE-S3/);
    const f = new EstateFixture('t');
    const s = f.stack('shared');
    s.bucket('plain-logs', { encryption: 'AES256' });
    s.trail('plain-trail', { bucket: 'plain-logs' });
    expect(section((await stackPage(f.estate(), 'shared')).markdown, 'Monitoring and audit')).toContain('| plain-trail | true | true | `none: SSE-S3 (S3-managed keys)` |');
  });

  it('shows a secret cache TTL only where a role declares one', async () => {
    for (const { markdown } of [await stackPage(monoEstate(), 'prod'), await payments()]) {
      expect(markdown.split('\n').filter((l) => /TTL|cache[sd]? for/i.test(l) && !l.startsWith('- Secrets Manager API calls: each role'))).toEqual(
        markdown.includes('Credential compromise') ? [expect.stringContaining('no reading role declares a secret cache (tag `SecretCacheTtl`)')] : [],
      );
    }
    const f = new EstateFixture('c');
    const s = f.stack('prod');
    const rot = s.role('c-rotation');
    const fn = s.lambda('c-rotator', rot);
    const secret = s.secret('c/prod/db', { rotationDays: 30, rotationLambda: fn });
    s.policy('c-rotate', [allow(['secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue'], secret.arn)], { roles: [rot] });
    for (const [name, tags] of [['c-api', { SecretCacheTtl: '900' }], ['c-worker', {}]] as const) {
      s.policy(`${name}-read`, [allow('secretsmanager:GetSecretValue', secret.arn)], { roles: [s.role(name, { tags })] });
    }
    const ops = section((await stackPage(f.estate(), 'prod')).markdown, 'Operational procedures');
    expect(ops).toContain('Readers get the new AWSCURRENT version on their next read, or when their cached copy expires: c-api caches for 15 min (tag `SecretCacheTtl`); 1 other reading role declares no cache. Restart a service to force the new version.');
  });

  it('does not read a component count as "every resource is in a component"', async () => {
    const overview = section((await payments()).markdown, 'Overview');
    expect(overview).not.toMatch(/\(in 1 component\)/);
    expect(overview).toContain('The stack has 40 resources and 1 component resource (groupings, not counted among them); the generator models 38 of them');
    expect(overview).toContain('| Component resources | 1 |');
  });

  it('shows no parity for a single environment, and none that compares a stack with itself', async () => {
    const store = Store.of(foreign);
    const stacks = await Promise.all(foreign.stacks.map(async (s) => indexStack(store, s.key, [], (await stackPage(foreign, s.key)).views, `${s.key}/README.md`)));
    const index = (await templates()).renderIndex(buildIndex({ stacks }).model);
    expect(index).toContain('Only one environment (dev): no other environment to compare it with.');
    expect(index).not.toMatch(/differ\.|\| Parity \|/);
  });

  it('says a deployed state without a time records none, rather than that it is not deployed', async () => {
    expect(section((await payments()).markdown, 'Overview')).toContain('| Deployed at | unknown (the state records no deployment time) |');
  });
  it('names the source once: not "program (program (mocks))" or "preview (preview)"', () => {
    const of = (kind: string, format: string) => sourceText({ project: 'p', stack: 's', source: { kind, format } });
    expect(of('program', 'program (mocks)')).toBe('program (mocks), p/s');
    expect(of('preview', 'preview')).toBe('preview, p/s');
    expect(of('state', 'export')).toBe('state (export), p/s');
    expect(of('state', 'stateful')).toBe('state (stateful), p/s');
  });
});

describe('statements of several resources, true of each', () => {
  it('index parity compares every stack of an environment (prod and eu-prod), naming each one where they disagree', async () => {
    const f = new EstateFixture('app');
    const dev = f.stack('dev');
    dev.parameter('/app/dev/db/password', { type: 'SecureString' });
    dev.parameter('/app/dev/db/host');
    f.stack('eu-prod').parameter('/app/prod/db/password', { type: 'String' });
    const us = f.stack('prod');
    us.parameter('/app/prod/db/password', { type: 'SecureString' });
    us.parameter('/app/prod/db/host');
    const e = f.estate();
    expect(e.stacks.find((s) => s.stack === 'eu-prod')?.environment).toBe('prod');
    const store = Store.of(e);
    const index = (await templates()).renderIndex(buildIndex({ stacks: e.stacks.map((s) => indexStack(store, s.key, [], [], `${s.key}/README.md`)) }).model);
    expect(index).toMatch(/\| `db\/host` \| String \| eu-prod: —; prod: String \| \*\*differs\*\* \|/);
    expect(index).toMatch(/\| `db\/password` \| SecureString [^|]*\| eu-prod: String; prod: SecureString [^|]*\| \*\*differs\*\* \|/);
    expect(index).not.toMatch(/db\/(host|password)` [^\n]*\| same \|/);
  });

  it('the access matrix marks the conditional share of a folder, not the whole folder', async () => {
    const access = section((await stackPage(conditionalDecryptEstate(), 'prod')).markdown, 'Access control framework');
    expect(access).toContain('| `/pay/prod/db/*` (2 parameters) | read 2/2 (1*) |');
  });

  it('a key id unknown before deployment is not called a key no loaded stack defines', async () => {
    const f = new EstateFixture('pay');
    const s = f.stack('prod');
    s.secret('pay/prod/app/a', { key: UNKNOWN_VALUE });
    s.parameter('/pay/prod/db/pw', { type: 'SecureString', key: UNKNOWN_VALUE });
    const page = (await stackPage(f.estate(), 'prod')).markdown;
    const enc = section(page, 'Encryption strategy');
    expect(enc).toContain('2 resources of this stack name a key whose id is not known before deployment');
    expect(enc).not.toContain('no loaded stack defines');
  });

  it('the overview counts the keys a stack\'s own resources use, not the keys it owns', async () => {
    const f = new EstateFixture('pay');
    const sh = f.stack('shared');
    const k = sh.key('pay-key');
    sh.key('spare-key');
    f.stack('prod').secret('pay/prod/app/a', { key: k });
    const e = f.estate();
    expect(section((await stackPage(e, 'shared')).markdown, 'Overview')).toContain('| KMS keys (own / used by its resources) | 2 / 0 |');
    expect(section((await stackPage(e, 'prod')).markdown, 'Overview')).toContain('| KMS keys (own / used by its resources) | 0 / 1 |');
  });

  it('says where a rotation\'s function is not known, rather than listing the known ones as if they were all', async () => {
    const f = new EstateFixture('pay');
    const s = f.stack('prod');
    s.secret('pay/prod/db/a', { rotationDays: 30, rotationLambda: s.lambda('rotate-db', s.role('rotate-role', { trust: 'lambda' })) });
    s.secret('pay/prod/db/c', { rotationDays: 7 });
    const page = (await stackPage(f.estate(), 'prod')).markdown;
    expect(section(page, 'Rotation schedule and process')).toContain('in `rotate-db` (and a function not known to this estate for 1 secret):');
    expect(section(page, 'Operational procedures')).toContain('The rotation runs in `rotate-db` (and a function not known to this estate for 1 secret);');
  });
});
