/**
 * The built-in estate (infra/, run under mocks by the program reader) against its intended access
 * table: docs/access.md, whose data is infra/catalogue.ts. Every role of every environment must read
 * exactly what the table says: one parameter or secret more, or less, fails.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { buildEstate } from '../../diagrams/estate/build.ts';
import { accessOf } from '../../diagrams/estate/lookup.ts';
import type { Estate, Role, RoleAccess } from '../../diagrams/estate/model.ts';
import { loadGraphs } from '../../diagrams/sources/index.ts';
import {
  AUDIT_ROLE,
  ENVIRONMENTS,
  KEYS,
  PARAMETERS,
  ROTATION_ROLE,
  SERVICES,
  parameterKey,
  parameterPath,
  roleName,
  secretKey,
  secretName,
  secretsIn,
  serviceKeys,
  serviceParameters,
} from '../../infra/catalogue.ts';

let estate: Estate;

beforeAll(async () => {
  estate = buildEstate(await loadGraphs({ program: '.', cwd: process.cwd() }));
}, 180_000);

function role(name: string): Role {
  const r = estate.roles.find((x) => x.name === name);
  if (!r) throw new Error(`role ${name} not in the estate; roles: ${estate.roles.map((x) => x.name).join(', ')}`);
  return r;
}

const nameOf = (urn: string): string => [...estate.parameters, ...estate.secrets, ...estate.keys].find((x) => x.urn === urn)!.name;
const namesOf = (l: readonly { resourceUrn: string }[]): string[] => l.map((x) => nameOf(x.resourceUrn)).sort();
const access = (name: string): RoleAccess => accessOf(estate, role(name).urn);

describe('built-in estate: the intended access table (docs/access.md)', () => {
  it('has the four stacks, with environments and references', () => {
    expect(estate.stacks.map((s) => [s.stack, s.environment])).toEqual([['dev', 'dev'], ['prod', 'prod'], ['shared', undefined], ['uat', 'uat']]);
    for (const env of ENVIRONMENTS) expect(estate.stacks.find((s) => s.stack === env)!.references).toContain('shared');
    expect(estate.keys.map((k) => k.aliases[0]).sort()).toEqual(KEYS.map((k) => k.alias).sort());
  });

  for (const env of ENVIRONMENTS) {
    describe(env, () => {
      for (const svc of SERVICES) {
        it(`${svc.id} reads exactly its parameters, secrets and keys`, () => {
          const r = role(roleName(env, svc.id));
          const a = access(roleName(env, svc.id));
          expect(r.trust.kind).toBe(svc.trust.kind);
          if (svc.trust.kind === 'eks-pod') expect(r.trust.eks).toMatchObject({ namespace: svc.trust.namespace, serviceAccount: svc.trust.serviceAccount });
          expect(namesOf(a.parameters)).toEqual(serviceParameters(svc).map((rel) => parameterPath(env, rel)).sort());
          expect(namesOf(a.secretValues)).toEqual(svc.secrets[env].map((rel) => secretName(env, rel)).sort());
          expect(a.secretWrites).toEqual([]);
          const byPath = a.parameterPrefixes.filter((p) => p.byPath).map((p) => p.prefix);
          expect(byPath).toEqual(svc.parameterFolders.map((f) => `${parameterPath(env, f)}/`).sort());
          const keys = a.keys.filter((k) => k.keyPolicyAllows !== false);
          expect(keys.map((k) => estate.keys.find((x) => x.urn === k.resourceUrn)!.aliases[0]).sort()).toEqual(
            serviceKeys(svc, env).map((n) => KEYS.find((k) => k.name === n)!.alias).sort(),
          );
          for (const k of keys) {
            const spec = KEYS.find((x) => x.alias === estate.keys.find((y) => y.urn === k.resourceUrn)!.aliases[0])!;
            expect(k.keyPolicyAllows).toBe(true);
            expect(k.viaServices.every((v) => v.startsWith(`${spec.via}.`))).toBe(true);
          }
          if (svc.nonSecretOnly) {
            const secure = new Set(PARAMETERS.filter((p) => p.type === 'SecureString').map((p) => parameterPath(env, parameterKey(p))));
            expect(namesOf(a.parameters).filter((n) => secure.has(n))).toEqual([]);
            expect(a.secretValues).toEqual([]);
            expect(a.keys.filter((k) => k.keyPolicyAllows === true)).toEqual([]);
          }
          expect(a.parameters.concat(a.secretValues).every((x) => x.certainty === 'known')).toBe(true);
        });
      }

      it('audit describes and lists, never reads a value', () => {
        const r = role(roleName(env, AUDIT_ROLE));
        expect(r.trust).toMatchObject({ kind: 'cross-account', crossAccount: { requiresExternalId: true } });
        const a = access(roleName(env, AUDIT_ROLE));
        expect(a.parameters).toEqual([]);
        expect(a.secretValues).toEqual([]);
        expect(a.secretWrites).toEqual([]);
        expect(a.keys.filter((k) => k.keyPolicyAllows === true)).toEqual([]);
        expect(namesOf(a.secretMetadata)).toEqual(secretsIn(env).map((s) => secretName(env, secretKey(s))).sort());
      });

      it('secret-rotation reads and writes every secret of its environment, no parameter', () => {
        const r = role(roleName(env, ROTATION_ROLE));
        expect(r.trust.kind).toBe('lambda');
        const a = access(roleName(env, ROTATION_ROLE));
        const all = secretsIn(env).map((s) => secretName(env, secretKey(s))).sort();
        expect(a.parameters).toEqual([]);
        expect(namesOf(a.secretValues)).toEqual(all);
        expect(namesOf(a.secretWrites)).toEqual(all);
        const fn = estate.functions.find((f) => f.roleUrn === r.urn)!;
        expect(fn.purpose).toBe('rotation');
        for (const s of estate.secrets.filter((x) => x.stack === env)) expect(s.rotation.functionUrn).toBe(fn.urn);
      });
    });
  }

  it('no role reads anything of another environment', () => {
    for (const a of estate.access) {
      const r = estate.roles.find((x) => x.urn === a.roleUrn)!;
      const env = r.tags['Environment'];
      for (const e of [...a.parameters, ...a.secretValues, ...a.secretMetadata, ...a.secretWrites]) {
        const target = [...estate.parameters, ...estate.secrets].find((x) => x.urn === e.resourceUrn)!;
        expect(`${r.name} -> ${target.name}: ${target.environment}`).toBe(`${r.name} -> ${target.name}: ${env}`);
      }
    }
  });

  it('each environment has one rotation function, invokable by Secrets Manager only', () => {
    const fns = estate.functions.filter((f) => f.purpose === 'rotation');
    expect(fns.map((f) => f.stack).sort()).toEqual([...ENVIRONMENTS].sort());
    for (const f of fns) expect([f.name, f.invokePrincipals]).toEqual([f.name, ['secretsmanager.amazonaws.com']]);
  });

  it('services carry the seed names', () => {
    const names = new Set(estate.services.map((s) => s.name));
    for (const n of ['Risk API', 'Dash Analytics', 'Airflow']) expect(names.has(n)).toBe(true);
  });
});
