/**
 * `index <dir>` as a child process: one `generate` per project (state files of fixture stacks,
 * Markdown and JSON) into `<site>/<project>`, then the index of `<site>`: written, checked, stale,
 * and its errors (exit codes and messages on stderr).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { EstateFixture } from '../fixtures/estates.ts';
import { snapshot, tempDir } from '../fixtures/tree.ts';
import { runCli, writeState } from './helpers.ts';

let dir: string;
const run = (args: string[]) => runCli(dir, args);

beforeAll(async () => {
  dir = await tempDir('cli-index-');
  for (const project of ['alpha', 'beta']) {
    const f = new EstateFixture(project);
    const files: string[] = [];
    for (const env of ['dev', 'prod']) {
      const s = f.stack(env);
      s.parameter(`/${project}/${env}/db/host`);
      files.push(await writeState(path.join(dir, 'states', `${project}-${env}.json`), s));
    }
    const r = run(['generate', ...files.flatMap((x) => ['--state', x]), '--out', `site/${project}`, '--format', 'md,json', '--quiet']);
    if (r.code !== 0) throw new Error(`setup generate failed: ${r.stderr}`);
  }
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('index <dir>', () => {
  it('writes the index of the projects found, then --check passes, then fails once the index is edited', async () => {
    const r = run(['index', 'site']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('diagrams: 4 stacks of 2 projects from 4 estate.json files');
    const index = await fs.readFile(path.join(dir, 'site', 'README.md'), 'utf8');
    expect(index).toContain('### alpha');
    expect(index).toContain('| [prod](beta/prod/README.md) | prod | state (export v3), beta/prod');
    const ok = run(['index', 'site', '--check', '--quiet']);
    expect([ok.code, ok.stderr]).toEqual([0, '']);
    await fs.appendFile(path.join(dir, 'site', 'README.md'), 'edited\n');
    const stale = run(['index', 'site', '--check']);
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain('site/README.md is out of date');
    expect(stale.stderr).toContain('1 file is stale: run `npm run diagrams -- index site` and commit the result');
  });

  it('exits 2 naming an estate.json it cannot read, and writes nothing', async () => {
    const broken = path.join(dir, 'broken');
    await fs.cp(path.join(dir, 'site', 'alpha'), path.join(broken, 'alpha'), { recursive: true });
    await fs.writeFile(path.join(broken, 'alpha', 'dev', 'estate.json'), '{"generator": "mono-repo-diagrams", "schemaVersion": 1, "key": 3}');
    const before = await snapshot(broken);
    const r = run(['index', 'broken', '--out', 'broken/org']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('diagrams: error: broken/alpha/dev/estate.json at $.key: is 3 (expected a string)');
    expect(await snapshot(broken)).toEqual(before);
  });

  it('exits 2 for a directory without estate.json, and for a missing <dir>', () => {
    const none = run(['index', 'states']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('diagrams: error: states: no estate.json below it');
    const usage = run(['index']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("missing required argument 'dir'");
  });
});
