/** Identities that key the caches (diagrams/pipeline/identity.ts). */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileHash, packageVersion, templatesIdentity } from '../../diagrams/pipeline/identity.ts';
import { tempDir } from '../fixtures/tree.ts';

let dir: string;
beforeEach(async () => {
  dir = await tempDir('pipeline-identity-');
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('identity', () => {
  it('hashes a file, and says unknown for one that cannot be read', async () => {
    const f = path.join(dir, 'a.txt');
    await fs.writeFile(f, 'one');
    const one = await fileHash(f);
    expect(one).toMatch(/^[0-9a-f]{16}$/);
    await fs.writeFile(f, 'two');
    expect(await fileHash(f)).not.toBe(one);
    expect(await fileHash(path.join(dir, 'missing'))).toBe('unknown');
  });

  it('names an installed package with its version, and an absent one as unknown', async () => {
    expect(await packageVersion('handlebars')).toMatch(/^handlebars@\d+\.\d+\.\d+$/);
    // Its `exports` do not list package.json: found above its entry point.
    expect(await packageVersion('@terrastruct/d2')).toMatch(/^@terrastruct\/d2@\d+\.\d+\.\d+$/);
    expect(await packageVersion('no-such-package-here')).toBe('no-such-package-here@unknown');
  });

  it('follows every user template file, nested ones included, and tells a missing directory from an empty one', async () => {
    const tpl = path.join(dir, 'tpl');
    const missing = await templatesIdentity(tpl);
    await fs.mkdir(path.join(tpl, 'partials'), { recursive: true });
    const empty = await templatesIdentity(tpl);
    expect(empty).not.toBe(missing);
    expect(await templatesIdentity(tpl)).toBe(empty);
    await fs.writeFile(path.join(tpl, 'partials', 'cost.hbs'), 'A');
    const a = await templatesIdentity(tpl);
    await fs.writeFile(path.join(tpl, 'partials', 'cost.hbs'), 'B');
    const b = await templatesIdentity(tpl);
    // The same bytes under another name are another set of templates.
    await fs.rename(path.join(tpl, 'partials', 'cost.hbs'), path.join(tpl, 'partials', 'costs.hbs'));
    const renamed = await templatesIdentity(tpl);
    expect(new Set([empty, a, b, renamed]).size).toBe(4);
    expect(await templatesIdentity(undefined)).not.toBe(empty);
  });
});
