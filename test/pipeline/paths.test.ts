/**
 * Output paths from input names (diagrams/pipeline/paths.ts), and through generate: names of the
 * writer's own files, lone surrogates and letter-case twins as stack and project names.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { GeneratorError } from '../../diagrams/errors.ts';
import { check, generate } from '../../diagrams/pipeline/index.ts';
import { projectPages, safeSegment, stackDirs } from '../../diagrams/pipeline/paths.ts';
import { EstateFixture } from '../fixtures/estates.ts';
import { listAll, tempDir } from '../fixtures/tree.ts';
import { components, fakeSvg, options, zero } from './helpers.ts';

const single = (...names: string[]) => stackDirs(names.map((n) => ({ key: n, project: 'app', stack: n })));
/** The writer's own names and the files the generator writes beside the stack directories. */
const OWN = ['.generated.json', '.generated.lock', '.generated.staging', 'README.md', 'readme.md', 'Readme.MD', 'estate.json', 'ESTATE.JSON', 'parity.csv', '.generated.json.x'];
const isOwn = (seg: string) => seg.toLowerCase().startsWith('.generated') || ['readme.md', 'estate.json', 'parity.csv'].includes(seg.toLowerCase());

describe('stackDirs', () => {
  it("keeps plain names, and encodes the names of the generator's own files, each to its own directory", () => {
    const dirs = single('dev', 'prod-eu.1', 'index.md', ...OWN);
    expect(dirs.get('dev')).toBe('dev');
    expect(dirs.get('prod-eu.1')).toBe('prod-eu.1');
    expect(dirs.get('index.md')).toBe('index.md');
    const own = OWN.map((n) => dirs.get(n)!);
    for (const d of own) expect(d).toMatch(/^_[A-Za-z0-9._-]*-[0-9a-f]{8}$/);
    expect(own.filter(isOwn)).toEqual([]);
    expect(new Set(own.map((d) => d.toLowerCase())).size).toBe(OWN.length);
  });

  it('keeps the encoding of a well-formed name from one version to the next', () => {
    expect(safeSegment('README.md')).toBe('_README.md-b3356305');
    expect(safeSegment('.generated.json')).toBe('_.generated.json-59fc5250');
  });

  it('gives names that differ only in a lone surrogate different directories', () => {
    const names = ['dev\ud800x', 'dev\udbffx', 'dev\udc00x', 'dev\ufffdx', 'dev\ud83d\ude00x'];
    const dirs = single(...names);
    expect(new Set(names.map((n) => dirs.get(n))).size).toBe(names.length);
    for (const n of names) expect(dirs.get(n)).toMatch(/^_devx-[0-9a-f]{8}$/);
  });

  it('gives names that differ only in letter case directories that differ on a case-insensitive file system', () => {
    const dirs = single('Dev', 'dev', 'DEV', 'prod');
    expect(new Set(['Dev', 'dev', 'DEV'].map((n) => dirs.get(n)!.toLowerCase())).size).toBe(3);
    expect(dirs.get('prod')).toBe('prod');
    // On its own a name keeps its case.
    expect(single('Dev').get('Dev')).toBe('Dev');
  });

  it('encodes names Windows cannot hold: device names and a trailing dot (which would make dev. the same as dev)', () => {
    const dirs = single('dev', 'dev.', 'con', 'NUL.txt', 'com1', 'lpt9.log', 'console', 'com10');
    expect(dirs.get('dev')).toBe('dev');
    for (const n of ['dev.', 'con', 'NUL.txt', 'com1', 'lpt9.log']) expect(dirs.get(n)).toMatch(/^_[A-Za-z0-9._-]*-[0-9a-f]{8}$/);
    expect(dirs.get('console')).toBe('console');
    expect(dirs.get('com10')).toBe('com10');
  });

  it('puts stacks under their project when there are several projects, projects encoded like stacks', () => {
    const dirs = stackDirs([
      { key: 'alpha/dev', project: 'alpha', stack: 'dev' },
      { key: 'beta/dev', project: 'beta', stack: 'dev' },
      { key: 'App/dev', project: 'App', stack: 'dev' },
      { key: 'app/dev', project: 'app', stack: 'dev' },
      { key: 'README.md/x', project: 'README.md', stack: 'x' },
    ]);
    expect(dirs.get('alpha/dev')).toBe('alpha/dev');
    expect(dirs.get('beta/dev')).toBe('beta/dev');
    expect(dirs.get('App/dev')!.toLowerCase()).not.toBe(dirs.get('app/dev')!.toLowerCase());
    expect(dirs.get('README.md/x')).toMatch(/^_README\.md-[0-9a-f]{8}\/x$/);
  });

  it("encodes a project named like the folder of the projects' pages, and only a project", () => {
    const dirs = stackDirs([
      { key: 'projects/dev', project: 'projects', stack: 'dev' },
      { key: 'Projects/dev', project: 'Projects', stack: 'dev' },
      { key: 'app/projects', project: 'app', stack: 'projects' },
    ]);
    expect(dirs.get('projects/dev')).toMatch(/^_projects-[0-9a-f]{8}\/dev$/);
    expect(dirs.get('Projects/dev')).toMatch(/^_Projects-[0-9a-f]{8}\/dev$/);
    expect(dirs.get('app/projects')).toBe('app/projects');
    expect(single('projects').get('projects')).toBe('projects');
  });
});

describe('projectPages', () => {
  it('puts each project page in projects/, named as a directory would be, letter-case twins apart', () => {
    const pages = projectPages(['app', 'App', 'README.md', 'team a', 'app']);
    expect(pages.get('app')).toMatch(/^projects\/_app-[0-9a-f]{8}\.md$/);
    expect(pages.get('App')).toMatch(/^projects\/_App-[0-9a-f]{8}\.md$/);
    expect(pages.get('README.md')).toMatch(/^projects\/_README\.md-[0-9a-f]{8}\.md$/);
    expect(pages.get('team a')).toMatch(/^projects\/_teama-[0-9a-f]{8}\.md$/);
    expect(projectPages(['payments']).get('payments')).toBe('projects/payments.md');
  });
});

describe('generate with hostile stack names', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await tempDir('pipeline-names-');
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  /** One stack per name (a parameter each), project `weird`. */
  const named = (names: readonly string[]) => () => {
    const f = new EstateFixture('weird');
    names.forEach((n, i) => f.stack(n).parameter(`/weird/p${i}`));
    return f.graphs();
  };

  it("never collides with the writer's files; the index links each stack to its own page", async () => {
    const names = [...OWN, 'index.md', 'dev\ud800x', 'dev\udbffx', 'Dev', 'dev'];
    const o = options(dir, { formats: ['svg', 'md', 'json'] });
    await generate(o, components(zero(), named(names)));
    const all = await listAll(o.out);
    expect(all.filter((f) => !f.includes('/'))).toEqual(['.generated.json', 'README.md']);
    const dirs = [...new Set(all.filter((f) => f.includes('/')).map((f) => f.split('/')[0]!))];
    expect(new Set(dirs.map((d) => d.toLowerCase())).size).toBe(names.length);
    for (const d of dirs) expect(await listAll(path.join(o.out, d))).toEqual(['README.md', 'estate.json', 'parameter_store_hierarchy.svg', 'security_compliance_controls.svg']);
    const index = await fs.readFile(path.join(o.out, 'README.md'), 'utf8');
    const targets = [...index.matchAll(/\]\(([^)]*)\)/g)].map((m) => m[1]!);
    expect(new Set(targets).size).toBe(names.length);
    for (const t of targets) {
      expect(t).toMatch(/^[A-Za-z0-9._~%/-]+$/);
      expect(all).toContain(decodeURIComponent(t));
    }
    expect((await check(o, components(zero(), named(names)))).problems).toEqual([]);
  });

  it('a failing first run into a new directory creates nothing, and the next run succeeds', async () => {
    const names = ['.generated.json', 'README.md'];
    const o = options(dir, { formats: ['svg', 'md'], out: path.join(dir, 'new', 'out'), cacheDir: undefined });
    const failing = components(zero(), named(names), {
      startSvg: async () => ({
        render: async (d2, name) => {
          if (name.startsWith(safeSegment('README.md'))) throw new GeneratorError('render', 'D2 compile error', { subject: name });
          return fakeSvg(d2);
        },
        close: async () => undefined,
      }),
    });
    await expect(generate(o, failing)).rejects.toThrow(/D2 compile error/);
    expect(await listAll(dir)).toEqual([]);
    await generate(o, components(zero(), named(names)));
    expect(await listAll(o.out)).toContain(`${safeSegment('.generated.json')}/README.md`);
  });
});
