/** Access entries grouped by how they are granted, and whole folders named instead of their members. */
import { describe, expect, it } from 'vitest';
import { foldersAbove, groupAccess } from '../../diagrams/estate/fold.ts';
import { Store } from '../../diagrams/estate/store.ts';
import { allow, EstateFixture } from '../fixtures/estates.ts';

function estate() {
  const f = new EstateFixture('app');
  const s = f.stack('prod');
  for (const p of ['/app/prod/db/host', '/app/prod/db/port', '/app/prod/db/name', '/app/prod/api/url', '/app/prod/api/key', '/app/prod/flags']) s.parameter(p);
  for (const n of ['app/prod/db/master', 'app/prod/db/user', 'app/prod/api/token', 'solo']) s.secret(n);
  // Everything under db/ by path, one api parameter by name, every secret of the stack.
  const whole = s.role('whole', { trust: 'ec2' });
  s.policy('whole-read', [allow('ssm:GetParametersByPath', s.paramArn('/app/prod/db')), allow('ssm:GetParameter', s.paramArn('/app/prod/api/url')), allow('secretsmanager:GetSecretValue', '*')], { roles: [whole] });
  // Two of the three db parameters by name: no folder.
  const part = s.role('part', { trust: 'ec2' });
  s.policy('part-read', [allow('ssm:GetParameter', [s.paramArn('/app/prod/db/host'), s.paramArn('/app/prod/db/port')]), allow('secretsmanager:GetSecretValue', s.secretArn('app/prod/db/*', '*'))], { roles: [part] });
  // Every parameter by name.
  const all = s.role('all', { trust: 'ec2' });
  s.policy('all-read', [allow('ssm:GetParameter', '*')], { roles: [all] });
  return f.estate();
}

const summary = (groups: ReturnType<typeof groupAccess>) =>
  groups.map((g) => ({ actions: g.shape.actions.join(' '), byPath: (g.shape as { byPath?: string }).byPath, folders: g.folders.map((f) => `${f.folder} (${f.count})`), names: g.names, items: g.items.length }));

describe('foldersAbove', () => {
  it('lists the folders above a parameter path or a secret name, the root first', () => {
    expect(foldersAbove('/a/b/c')).toEqual(['/', '/a/', '/a/b/']);
    expect(foldersAbove('a/b/c')).toEqual(['', 'a/', 'a/b/']);
    expect(foldersAbove('solo')).toEqual(['']);
    expect(foldersAbove('/top')).toEqual(['/']);
  });
  it('stops 100 levels below the root, however deep the name (SSM allows 15)', () => {
    const deep = foldersAbove(`/${'a/'.repeat(500)}x`);
    expect(deep.length).toBe(101);
    expect(deep[100]).toBe(`/${'a/'.repeat(100)}`);
    expect(foldersAbove(`${'b/'.repeat(500)}y`).length).toBe(101);
  });
});

describe('groupAccess', () => {
  const e = estate();
  const store = Store.of(e);
  const role = (name: string) => store.accessOf(e.roles.find((r) => r.name === name)!.urn);

  it('keeps entries granted differently in different groups, and names a folder read whole by path (groups sorted by their first folder or name)', () => {
    expect(summary(groupAccess(store, role('whole').parameters, 'parameter'))).toEqual([
      { actions: 'ssm:GetParameter', byPath: undefined, folders: [], names: ['/app/prod/api/url'], items: 1 },
      { actions: 'ssm:GetParametersByPath', byPath: '/app/prod/db/', folders: ['/app/prod/db/ (3)'], names: [], items: 3 },
    ]);
  });

  it('lists the members of a folder read only in part', () => {
    expect(summary(groupAccess(store, role('part').parameters, 'parameter'))).toEqual([{ actions: 'ssm:GetParameter', byPath: undefined, folders: [], names: ['/app/prod/db/host', '/app/prod/db/port'], items: 2 }]);
  });

  it('names the root when every resource of the stack is read alike, and no folder of one resource', () => {
    expect(summary(groupAccess(store, role('all').parameters, 'parameter'))).toEqual([{ actions: 'ssm:GetParameter', byPath: undefined, folders: ['/ (6)'], names: [], items: 6 }]);
    expect(groupAccess(store, role('whole').secretValues, 'secret').map((g) => g.folders)).toEqual([[{ folder: '', count: 4, class: '' }]]);
  });

  it('folds secrets by name prefix', () => {
    expect(summary(groupAccess(store, role('part').secretValues, 'secret'))).toEqual([{ actions: 'secretsmanager:GetSecretValue', byPath: undefined, folders: ['app/prod/db/ (2)'], names: [], items: 2 }]);
  });
});

describe('groupAccess by class', () => {
  it('folds SecureStrings (read with a decrypt) apart from String and StringList parameters, each as the whole folder of its class', () => {
    const f = new EstateFixture('app');
    const s = f.stack('prod');
    const key = s.key('params');
    for (const p of ['/app/prod/db/host', '/app/prod/db/port']) s.parameter(p);
    s.parameter('/app/prod/db/hosts', { type: 'StringList' });
    for (const p of ['/app/prod/db/password', '/app/prod/db/token']) s.parameter(p, { type: 'SecureString', key });
    // Outside what the role reads: one of each class.
    s.parameter('/app/prod/other/flag');
    s.parameter('/app/prod/other/secret', { type: 'SecureString', key });
    const r = s.role('reader', { trust: 'ec2' });
    s.policy('read', [allow('ssm:GetParameter', s.paramArn('/app/prod/db/*')), allow('kms:Decrypt', key.arn)], { roles: [r] });
    const e = f.estate();
    const store = Store.of(e);
    const groups = groupAccess(store, store.accessOf(r.urn).parameters, 'parameter');
    expect(groups.map((g) => ({ folders: g.folders, names: g.names, via: g.shape.via.map((v) => v.name) }))).toEqual([
      { folders: [{ folder: '/app/prod/db/', count: 3, class: 'String' }], names: [], via: ['read'] },
      { folders: [{ folder: '/app/prod/db/', count: 2, class: 'SecureString' }], names: [], via: ['read', 'key policy of alias/params'] },
    ]);
  });
});
