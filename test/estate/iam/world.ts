/**
 * Hand-built estates for the access engine's tests: a small world of parameters, secrets and keys
 * in one account (`world`), principals added per test, and `summarise`, which turns a principal's
 * PrincipalAccess into names and certainties so that a test can assert it exactly.
 */
import { buildEstate } from '../../../diagrams/estate/build/index.ts';
import type { Estate, PrincipalAccess } from '../../../diagrams/estate/model.ts';
import { Store } from '../../../diagrams/estate/store.ts';
import type { ResourceGraph } from '../../../diagrams/graph/types.ts';
import { FixtureStack } from '../../fixtures/estates.ts';

export const A = '111122223333';
export const B = '444455556666';
export const REGION = 'eu-west-1';

export const arns = (account: string) => ({
  param: (path: string) => `arn:aws:ssm:${REGION}:${account}:parameter${path}`,
  paramPath: (path: string) => `arn:aws:ssm:${REGION}:${account}:parameter${path}`,
  secret: (name: string, suffix = 'AbCdEf') => `arn:aws:secretsmanager:${REGION}:${account}:secret:${name}-${suffix}`,
  role: (name: string) => `arn:aws:iam::${account}:role/${name}`,
  user: (name: string) => `arn:aws:iam::${account}:user/${name}`,
  group: (name: string) => `arn:aws:iam::${account}:group/${name}`,
  policy: (name: string) => `arn:aws:iam::${account}:policy/${name}`,
  key: (id: string) => `arn:aws:kms:${REGION}:${account}:key/${id}`,
  root: `arn:aws:iam::${account}:root`,
});

export const KEY_ID = '1234abcd-12ab-34cd-56ef-1234567890ab';
export const B_KEY_ID = 'bbbbbbbb-12ab-34cd-56ef-1234567890ab';

export const doc = (...statements: Record<string, unknown>[]): Record<string, unknown> => ({ Version: '2012-10-17', Statement: statements });
export const json = (...statements: Record<string, unknown>[]): string => JSON.stringify(doc(...statements));

export const LAMBDA_TRUST = json({ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' });

/** The parameters of the world: path -> type and key (`aws` = the AWS-managed aws/ssm key, `app` = the world's CMK). */
export const PARAMETERS: Readonly<Record<string, { type: 'String' | 'SecureString'; key?: 'aws' | 'app' }>> = {
  '/app/prod/db/host': { type: 'String' },
  '/app/prod/db/password': { type: 'SecureString', key: 'aws' },
  '/app/prod/api/token': { type: 'SecureString', key: 'app' },
  '/app/dev/db/host': { type: 'String' },
  '/other/flag': { type: 'String' },
};
/** The secrets of the world: name -> key. */
export const SECRETS: Readonly<Record<string, 'aws' | 'app'>> = {
  'app/prod/db': 'app',
  'app/prod/api': 'aws',
  'app/dev/db': 'aws',
};
export const ALL_PARAMETERS = Object.keys(PARAMETERS).sort();
export const ALL_SECRETS = Object.keys(SECRETS).sort();

export interface WorldOptions {
  readonly account?: string;
  readonly stack?: string;
  /** The CMK's key policy (a document); omitted: no policy property (AWS's default, the account root). */
  readonly keyPolicy?: unknown;
  /** Secret name -> its resource policy (the `policy` property). */
  readonly secretPolicies?: Readonly<Record<string, unknown>>;
  /** Resource tags by parameter path or secret name. */
  readonly tags?: Readonly<Record<string, Record<string, string>>>;
  /** Leave the parameters, secrets or the key out. */
  readonly without?: readonly ('parameters' | 'secrets' | 'key')[];
}

/** A stack with the world's parameters, secrets and CMK (alias `alias/app-key`) in one account. */
export function world(o: WorldOptions = {}): FixtureStack {
  const account = o.account ?? A;
  const ar = arns(account);
  const b = new FixtureStack(o.stack ?? 'prod', 'proj', { account, region: REGION });
  const keyId = account === A ? KEY_ID : B_KEY_ID;
  if (!o.without?.includes('key')) {
    b.add('aws:kms/key:Key', 'app-key', { arn: ar.key(keyId), keyId, enableKeyRotation: true, ...(o.keyPolicy !== undefined ? { policy: typeof o.keyPolicy === 'string' ? o.keyPolicy : JSON.stringify(o.keyPolicy) } : {}) }, { id: keyId });
    b.add('aws:kms/alias:Alias', 'app-key-alias', { name: 'alias/app-key', targetKeyId: keyId, arn: `arn:aws:kms:${REGION}:${account}:alias/app-key` });
  }
  if (!o.without?.includes('parameters')) {
    for (const [path, p] of Object.entries(PARAMETERS)) {
      b.add('aws:ssm/parameter:Parameter', path.replace(/\//g, '-').slice(1), {
        name: path,
        arn: ar.param(path),
        type: p.type,
        tier: 'Standard',
        ...(p.key === 'app' ? { keyId: 'alias/app-key' } : p.key === 'aws' ? { keyId: 'alias/aws/ssm' } : {}),
        ...(o.tags?.[path] ? { tags: o.tags[path] } : {}),
      });
    }
  }
  if (!o.without?.includes('secrets')) {
    for (const [name, key] of Object.entries(SECRETS)) {
      const policy = o.secretPolicies?.[name];
      b.add('aws:secretsmanager/secret:Secret', name.replace(/\//g, '-'), {
        name,
        arn: ar.secret(name),
        ...(key === 'app' ? { kmsKeyId: ar.key(keyId) } : {}),
        ...(policy !== undefined ? { policy: typeof policy === 'string' ? policy : JSON.stringify(policy) } : {}),
        ...(o.tags?.[name] ? { tags: o.tags[name] } : {}),
      }, { id: ar.secret(name) });
    }
  }
  return b;
}

/** A role with a customer-managed policy attached by RolePolicyAttachment (when `statements` are given). */
export function role(b: FixtureStack, name: string, o: { statements?: Record<string, unknown>[]; account?: string; extra?: Record<string, unknown> } = {}): string {
  const ar = arns(o.account ?? A);
  const urn = b.add('aws:iam/role:Role', name, { name, arn: ar.role(name), assumeRolePolicy: LAMBDA_TRUST, ...(o.extra ?? {}) });
  if (o.statements !== undefined) {
    b.add('aws:iam/policy:Policy', `${name}-policy`, { name: `${name}-policy`, arn: ar.policy(`${name}-policy`), policy: json(...o.statements) });
    b.add('aws:iam/rolePolicyAttachment:RolePolicyAttachment', `${name}-attach`, { role: name, policyArn: ar.policy(`${name}-policy`) });
  }
  return urn;
}

export function estate(...builders: FixtureStack[]): Estate {
  const graphs: ResourceGraph[] = builders.map((b) => b.graph());
  return buildEstate(graphs);
}

export interface Summary {
  /** Parameter path -> certainty of reading its value. */
  readonly parameters: Readonly<Record<string, string>>;
  /** Secret name -> certainty of reading its value. */
  readonly secrets: Readonly<Record<string, string>>;
  /** Key name -> `certainty path+path`. */
  readonly keys: Readonly<Record<string, string>>;
  readonly complete: boolean;
}

/** The principal of the estate with that name (role, user, group), or an external principal's id. */
export function principalId(e: Estate, who: string): string {
  if (who.startsWith('external:')) return who;
  const hits = [...e.roles, ...e.users, ...e.groups].filter((p) => p.name === who);
  if (hits.length !== 1) throw new Error(`${hits.length} principals named ${who}`);
  return hits[0]!.urn;
}

export function accessOf(e: Estate, who: string): PrincipalAccess {
  return Store.of(e).accessOf(principalId(e, who));
}

function nameOf(e: Estate, urn: string): string {
  const hit = [...e.parameters, ...e.secrets, ...e.keys].find((x) => x.urn === urn);
  if (!hit) throw new Error(`no resource ${urn}`);
  return hit.name;
}

export function summarise(e: Estate, who: string): Summary {
  const a = accessOf(e, who);
  const params: Record<string, string> = {};
  for (const p of a.parameters) params[nameOf(e, p.resourceUrn)] = p.certainty;
  const secrets: Record<string, string> = {};
  for (const s of a.secretValues) secrets[nameOf(e, s.resourceUrn)] = s.certainty;
  const keys: Record<string, string> = {};
  for (const k of a.keys) keys[nameOf(e, k.resourceUrn)] = `${k.certainty} ${k.paths.join('+')}`;
  return { parameters: params, secrets, keys, complete: a.complete };
}

/** `{ name: certainty }` for a list of names, all at one certainty. */
export const all = (names: readonly string[], certainty = 'certain'): Record<string, string> => Object.fromEntries(names.map((n) => [n, certainty]));
