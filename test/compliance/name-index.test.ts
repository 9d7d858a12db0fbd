/**
 * NameIndex (the prefix index behind SEC-021's cross-environment probe) must reach exactly the
 * names that `reachesName` reaches one by one, for every kind of resource pattern.
 */

import { describe, expect, it } from 'vitest';
import type { PolicyStatement } from '../../diagrams/estate/model.ts';
import { NameIndex, reachesName, type Store } from '../../diagrams/compliance/match.ts';

const PARAMETERS = [
  '/mono-repo/prod/database/host',
  '/mono-repo/prod/database/password',
  '/mono-repo/prod/api/key',
  '/mono-repo/prodx/api/key',
  '/mono-repo/uat/api/key',
  'no-leading-slash/prod/x',
];
const SECRETS = ['mono-repo/prod/rds/app-user', 'mono-repo/prod/rds/master', 'mono-repo/prod/api/jwt', 'mono-repo/uat/rds/app-user', 'flat'];

const PATTERNS = [
  '*',
  'arn:aws:ssm:*:*:parameter/mono-repo/prod/*',
  'arn:aws:ssm:us-east-1:123456789012:parameter/mono-repo/prod/database/*',
  'arn:aws:ssm:*:*:parameter/mono-repo/*/api/key',
  'arn:aws:ssm:*:*:parameter/mono-repo/pro?/api/key',
  'arn:aws:ssm:*:*:parameter/mono-repo/prod/api/key',
  'arn:aws:ssm:*:*:parameterno-leading-slash/*',
  'arn:aws:ssm:*:*:parameter/no-leading-slash/*',
  'arn:aws:ssm:*:*:param*',
  'arn:aws:ssm:*:*:*',
  'arn:aws:s?m:*:*:parameter/*',
  'arn:aws:SSM:*:*:parameter/*',
  'arn:aws:secretsmanager:*:*:secret:mono-repo/prod/*',
  'arn:aws:secretsmanager:*:*:secret:mono-repo/prod/rds/app-user-??????',
  'arn:aws:secretsmanager:*:*:secret:mono-repo/prod/rds/app-user-AbCdEf',
  'arn:aws:secretsmanager:*:*:secret:mono-repo/prod/rds/app-user',
  'arn:aws:secretsmanager:*:*:secret:flat*',
  'arn:aws:secretsmanager:*:*:secret:*',
  'arn:aws:*:*:*:*',
  'mono-repo/prod/*',
  '',
];

function statements(): PolicyStatement[] {
  const out: PolicyStatement[] = [{ effect: 'Allow', actions: ['*'], conditions: [] }];
  for (const p of PATTERNS) {
    out.push({ effect: 'Allow', actions: ['*'], resources: [p], conditions: [] });
    out.push({ effect: 'Allow', actions: ['*'], notResources: [p], conditions: [] });
  }
  for (let i = 0; i + 1 < PATTERNS.length; i += 2) {
    out.push({ effect: 'Allow', actions: ['*'], resources: [PATTERNS[i]!, PATTERNS[i + 1]!], conditions: [] });
    out.push({ effect: 'Allow', actions: ['*'], notResources: [PATTERNS[i]!, PATTERNS[i + 1]!], conditions: [] });
  }
  return out;
}

describe('NameIndex', () => {
  for (const [store, names] of [['ssm', PARAMETERS], ['secretsmanager', SECRETS]] as [Store, string[]][]) {
    it(`reaches the same ${store} names as reachesName, pattern by pattern`, () => {
      const index = new NameIndex(store, [...names, ...names]);
      let reachedSome = 0;
      for (const st of statements()) {
        const expected = names.filter((n) => reachesName(st, store, n)).sort();
        const got = [...index.reachedBy(st)].sort();
        expect(got, JSON.stringify(st)).toEqual(expected);
        if (got.length > 0 && got.length < names.length) reachedSome++;
      }
      // The cases are not trivial: many statements reach some names and not others.
      expect(reachedSome).toBeGreaterThan(5);
    });
  }

  it('caches a pattern: the same set is returned for the same pattern', () => {
    const index = new NameIndex('ssm', PARAMETERS);
    const p = 'arn:aws:ssm:*:*:parameter/mono-repo/prod/*';
    expect(index.matching(p)).toBe(index.matching(p));
    expect([...index.matching(p)].sort()).toEqual(['/mono-repo/prod/api/key', '/mono-repo/prod/database/host', '/mono-repo/prod/database/password']);
  });
});
