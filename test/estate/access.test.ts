/**
 * Access over built estates (build/access.ts feeding the engine): startup bulk reads by path vs
 * single reads, derived from the granted actions; a user's group policies; AWS-managed policies
 * from the snapshot; principals outside the estate named by resource policies; what is not known.
 */
import { describe, expect, it } from 'vitest';
import type { Estate, PrincipalAccess } from '../../diagrams/estate/model.ts';
import { Store } from '../../diagrams/estate/store.ts';
import { ACCOUNT, allow, EstateFixture, OTHER_ACCOUNT } from '../fixtures/estates.ts';

const readsOf = (e: Estate, a: PrincipalAccess) => a.parameters.map((p) => [Store.of(e).entity(p.resourceUrn).name, p.byPath ?? null, p.certainty]);
const accessOf = (e: Estate, urn: string) => Store.of(e).accessOf(urn);

describe('startup reads by path vs single reads', () => {
  const f = new EstateFixture('app');
  const s = f.stack('prod');
  for (const p of ['/app/prod/db/host', '/app/prod/db/port', '/app/prod/api/url', '/app/prod/flags/beta']) s.parameter(p);
  const bulk = s.role('app-prod-bulk');
  s.policy('bulk-read', [allow(['ssm:GetParametersByPath'], s.paramArn('/app/prod/db')), allow(['ssm:GetParameter'], s.paramArn('/app/prod/flags/beta'))], { roles: [bulk] });
  const single = s.role('app-prod-single');
  s.policy('single-read', [allow(['ssm:GetParameter', 'ssm:GetParameters'], [s.paramArn('/app/prod/db/host'), s.paramArn('/app/prod/api/url')])], { roles: [single] });
  const e = f.estate();

  it('GetParametersByPath on a folder: every parameter under it, read by path; GetParameter: one at a time', () => {
    expect(readsOf(e, accessOf(e, bulk.urn))).toEqual([
      ['/app/prod/db/host', '/app/prod/db/', 'certain'],
      ['/app/prod/db/port', '/app/prod/db/', 'certain'],
      ['/app/prod/flags/beta', null, 'certain'],
    ]);
    expect(readsOf(e, accessOf(e, single.urn))).toEqual([
      ['/app/prod/api/url', null, 'certain'],
      ['/app/prod/db/host', null, 'certain'],
    ]);
  });
});

describe('what applies to a principal', () => {
  const f = new EstateFixture('app');
  const s = f.stack('prod');
  const db = s.secret('app/prod/db');
  const shared = s.secret('app/prod/shared', { policy: [allow('secretsmanager:GetSecretValue', '*', { Principal: { AWS: `arn:aws:iam::${OTHER_ACCOUNT}:role/reader` } })] });
  const alice = s.user('alice');
  const readers = s.group('readers');
  s.membership(readers, [alice]);
  s.policy('readers-db', [allow('secretsmanager:GetSecretValue', db.arn)], { groups: [readers] });
  const admin = s.role('app-prod-admin');
  s.attach(admin, 'role', 'arn:aws:iam::aws:policy/AdministratorAccess');
  const partial = s.role('app-prod-partial');
  s.attach(partial, 'role', `arn:aws:iam::${ACCOUNT}:policy/defined-elsewhere`);
  const e = f.estate();

  it('a user reads through its group\'s policies, named by the group', () => {
    const a = accessOf(e, alice.urn);
    expect(a.secretValues.map((x) => x.resourceUrn)).toEqual([db.urn]);
    expect(a.secretValues[0]!.via.filter((v) => v.kind === 'identity').map((v) => [v.name, v.group])).toEqual([['readers-db', 'readers']]);
  });

  it('an AWS-managed policy from the snapshot: AdministratorAccess reads everything and is admin', () => {
    const a = accessOf(e, admin.urn);
    expect(a.admin).toBe(true);
    expect(a.secretValues.map((x) => x.resourceUrn).sort()).toEqual([db.urn, shared.urn].sort());
    expect(a.complete).toBe(true);
  });

  it('a policy outside the estate: incomplete, said in a note', () => {
    const a = accessOf(e, partial.urn);
    expect(a.complete).toBe(false);
    expect(a.notes.join(' ')).toContain('defined-elsewhere');
  });

  it('a principal of another account named by a secret\'s policy is an external principal; the AWS-managed key keeps it from the value', () => {
    const id = `external:arn:aws:iam::${OTHER_ACCOUNT}:role/reader`;
    expect(e.externalPrincipals).toEqual([{ id, kind: 'role', name: `role reader (account ${OTHER_ACCOUNT})`, arn: `arn:aws:iam::${OTHER_ACCOUNT}:role/reader`, account: OTHER_ACCOUNT, namedBy: [shared.urn] }]);
    expect(accessOf(e, id).secretValues).toEqual([]);
  });
});
