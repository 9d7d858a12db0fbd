/**
 * estate.json on the foreign estate: its documented shape (docs/estate-json.md), deterministic
 * bytes whatever the order the stacks are loaded in, findings as evaluateRules gives them, and no
 * secret value: the values planted in the fixture's state (secret envelopes, a schema-secret field,
 * an unmarked environment variable named like a secret) appear in no output of any stack.
 */

import { describe, expect, it } from 'vitest';
import { estimateCost } from '../../diagrams/compliance/cost.ts';
import { evaluateRules } from '../../diagrams/compliance/rules/index.ts';
import { buildEstate } from '../../diagrams/estate/build/index.ts';
import type { Estate } from '../../diagrams/estate/model.ts';
import { Store } from '../../diagrams/estate/store.ts';
import { ESTATE_JSON_SCHEMA_VERSION, estateDocument, estateJson } from '../../diagrams/json/estate-json.ts';
import { VIEWS } from '../../diagrams/views/index.ts';
import { DIAGRAMS } from '../../diagrams/views/types.ts';
import { foreignEstate, foreignFixture, PLANTED_SECRETS } from '../fixtures/foreign.ts';
import { stackPage } from '../docs/helpers.ts';

function json(estate: Estate, stack: string): string {
  const findings = evaluateRules(estate, stack);
  const views = DIAGRAMS.map((d) => VIEWS[d]({ estate, stack, findings }));
  return estateJson({ store: Store.of(estate), stack, findings, cost: estimateCost(estate, stack), views });
}

const estate = foreignEstate();
/** A parsed document: read field by field in the assertions. */
type Doc = Record<string, any>;
const doc = (stack: string): Doc => JSON.parse(json(estate, stack)) as Doc;

describe('estate.json', () => {
  it('has the documented top-level shape, in order, for a stack of one of several projects', () => {
    const d = doc('payments/dev');
    expect(Object.keys(d)).toEqual(['schemaVersion', 'generator', 'key', 'project', 'stack', 'environment', 'source', 'account', 'region', 'references', 'coverage', 'resourceTypes', 'diagrams', 'parameters', 'secrets', 'keys', 'policies', 'principals', 'exposures', 'findings', 'cost']);
    expect(d.schemaVersion).toBe(1);
    expect(ESTATE_JSON_SCHEMA_VERSION).toBe(1);
    expect([d.key, d.project, d.stack, d.environment]).toEqual(['payments/dev', 'payments', 'dev', 'dev']);
    expect(d.source).toEqual({ kind: 'state', format: 'fixture' });
    expect(JSON.stringify(d)).not.toContain('fixture:dev'); // the source location (a path for a file) is never written
    expect(d.coverage).toEqual({ resources: 40, modelled: 38, components: 1, unmodelled: { 'aws:cloudwatch/logGroup:LogGroup': 1, 'aws:dynamodb/table:Table': 1 } });
    expect(d.diagrams.map((x: Doc) => Object.keys(x))).toEqual(DIAGRAMS.map(() => ['name', 'drawn']));
  });

  it('describes parameters, secrets and keys by their properties, AWS-managed keys named as such', () => {
    const d = doc('payments/dev');
    const param = (n: string) => d.parameters.find((p: Doc) => p.name === n);
    expect(param('/payments/dev/db/password')).toEqual({ name: '/payments/dev/db/password', urn: 'urn:pulumi:dev::payments::aws:ssm/parameter:Parameter::/payments/dev/db/password', type: 'SecureString', tier: 'Standard', key: 'alias/aws/ssm (AWS managed)', environment: 'dev', protect: false });
    expect(param('/payments/dev/features/flags').urn).toContain('aws-native:ssm:Parameter');
    const secret = (n: string) => d.secrets.find((s: Doc) => s.name === n);
    expect(secret('payments/dev/webhook-signing-key').key).toBe('alias/aws/secretsmanager (AWS managed)');
    expect(secret('payments/dev/stripe-api-key')).toMatchObject({ key: 'alias/payments-data', resourcePolicy: true, rotation: { enabled: false, label: 'not rotated' } });
    expect(secret('payments/dev/stripe-api-key').policy[0].principals).toEqual({ AWS: ['arn:aws:iam::444455556666:root'] });
    const key = d.keys.find((k: Doc) => k.name === 'alias/payments-data');
    expect(key.protects).toEqual({
      'aws:cloudwatch/logGroup:LogGroup': 1,
      'aws:dynamodb/table:Table': 1,
      'aws:rds/instance:Instance': 1,
      'aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2': 2,
      'aws:secretsmanager/secret:Secret': 1,
    });
  });

  /** The resources of an access group: its names, and its folders as `<folder>* (n)`. */
  const listed = (g: Doc): string[] => [...(g.folders ?? []).map((f: Doc) => `${f.folder}* (${f.count})`), ...(g.names ?? [])];

  it('lists the principals of the stack and of other stacks that reach it, with what they read and through what', () => {
    const own = doc('payments/dev').principals.map((p: Doc) => `${p.kind} ${p.name}`);
    expect(own).toEqual(['role payments-api-dev-lambda-role-592a1b3', 'user alice', 'user bob', 'user carol', 'group payments-admins', 'group payments-secrets-ops']);
    const ledger = doc('ledger/dev');
    const alice = ledger.principals.find((p: Doc) => p.name === 'alice');
    expect(alice).toMatchObject({ kind: 'user', stack: 'payments/dev', groups: ['payments-admins'], admin: true, complete: true });
    // On another stack's page, only what it reaches of that stack.
    expect(alice.reads.parameters.flatMap(listed)).toEqual(['/ledger/dev/db/host']);
    expect(alice.reads.parameters[0].via).toEqual([{ kind: 'identity', name: 'AdministratorAccess', ref: 'arn:aws:iam::aws:policy/AdministratorAccess', group: 'payments-admins' }]);
    const bob = doc('payments/dev').principals.find((p: Doc) => p.name === 'bob');
    expect(bob.boundary).toBe('arn:aws:iam::111122223333:policy/payments-dev-boundary');
    // SecretsManagerReadWrite grants no kms:Decrypt: bob reads only the secrets on the AWS-managed key.
    expect(bob.reads.secrets.flatMap(listed)).toEqual(['payments/dev/legacy-db-url', 'payments/dev/webhook-signing-key']);
  });

  it('holds the findings of evaluateRules, with each resource that fails or meets them', () => {
    const findings = evaluateRules(estate, 'payments/dev');
    const words = { met: 'met', 'not-met': 'not met', 'not-applicable': 'not applicable' } as const;
    expect(doc('payments/dev').findings).toEqual(
      findings.map((f) => ({
        id: f.ruleId,
        title: f.title,
        severity: f.severity,
        layer: f.layer,
        status: words[f.status],
        resources: f.subjects.map((s) => ({ name: s.name, urn: s.urn, stack: s.stack, status: words[s.status], detail: s.detail })),
        ...(f.note !== undefined ? { note: f.note } : {}),
      })),
    );
    expect(doc('payments/dev').exposures.map((x: Doc) => `${x.kind} ${x.resource} ${x.path}`)).toContain('lambda-environment payments-api-dev-handler-4f3e2d1 environment.variables.STRIPE_SECRET');
  });

  it('is byte-identical whatever the order the stacks are loaded in, and ends with one newline', () => {
    const reversed = buildEstate(foreignFixture().graphs().reverse());
    for (const stack of ['payments/dev', 'ledger/dev']) {
      const a = json(estate, stack);
      expect(json(foreignEstate(), stack)).toBe(a);
      expect(json(reversed, stack)).toBe(a);
      expect(a.endsWith('}\n')).toBe(true);
      expect(JSON.parse(a)).toEqual(estateDocument({ store: Store.of(estate), stack, findings: evaluateRules(estate, stack), cost: estimateCost(estate, stack), views: DIAGRAMS.map((d) => VIEWS[d]({ estate, stack, findings: evaluateRules(estate, stack) })) }));
    }
  });

  it('holds no secret value planted in the state, nor does any other output of any stack', async () => {
    const planted = Object.values(PLANTED_SECRETS);
    // The fixture does hold them: they are in the rows the graph reads.
    const rows = JSON.stringify(foreignFixture());
    for (const v of planted) expect(rows).toContain(v);
    for (const v of planted) expect(JSON.stringify(estate)).not.toContain(v);
    for (const { key } of estate.stacks) {
      const page = await stackPage(estate, key);
      const outputs = [json(estate, key), page.markdown, ...page.built.attachments.map((a) => a.contents), ...page.views.map((v) => v.d2 ?? '')];
      for (const text of outputs) for (const v of planted) expect(text.includes(v), `${key}: ${v}`).toBe(false);
    }
  });
});
