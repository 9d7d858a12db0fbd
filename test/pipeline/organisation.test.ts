/**
 * The organisation's index assembled from estate.json files (diagrams/pipeline/organisation.ts):
 * one `generate` job per project (stand-in renderers, Markdown and JSON) into `<site>/<project>`,
 * then the index of `<site>`: grouping by project, a page per project past ten projects, links
 * that resolve, determinism, check, a shared stack several jobs documented, errors, and nothing
 * written outside --out. Also the index of a 300-stack organisation: its size and its bytes.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { loadTemplates } from '../../diagrams/docs/markdown.ts';
import { buildIndex, type IndexStack } from '../../diagrams/docs/viewmodel.ts';
import { GeneratorError } from '../../diagrams/errors.ts';
import type { ResourceGraph } from '../../diagrams/graph/types.ts';
import { generate } from '../../diagrams/pipeline/index.ts';
import { checkOrganisation, writeOrganisation } from '../../diagrams/pipeline/organisation.ts';
import { projectPages } from '../../diagrams/pipeline/paths.ts';
import { listAll, snapshot, tempDir } from '../fixtures/tree.ts';
import { components, options, projectGraphs, zero } from './helpers.ts';

let dir: string;
let site: string;
beforeEach(async () => {
  dir = await tempDir('org-');
  site = path.join(dir, 'site');
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const teams = (n: number) => Array.from({ length: n }, (_, i) => `team-${String(i).padStart(2, '0')}`);

/** One project's CI job: generate its stacks (Markdown and estate.json) into `<site>/<job>`. */
async function job(name: string, graphs: () => ResourceGraph[], formats: ('md' | 'json')[] = ['md', 'json']): Promise<void> {
  await generate(options(dir, { out: path.join(site, name), formats, cacheDir: path.join(dir, 'cache') }), components(zero(), graphs));
}

const read = (...p: string[]) => fs.readFile(path.join(...p), 'utf8');

/** Every relative link target of a Markdown file, resolved against its directory. */
function links(file: string, text: string): string[] {
  return [...text.matchAll(/\]\(([^)]+)\)/g)].map((m) => path.resolve(path.dirname(file), decodeURIComponent(m[1]!)));
}

async function expectLinksResolve(files: readonly string[]): Promise<number> {
  let n = 0;
  for (const f of files) {
    for (const target of links(f, await read(f))) {
      n++;
      await expect(fs.stat(target).then(() => target), `${f} -> ${target}`).resolves.toBe(target);
    }
  }
  return n;
}

describe('the index of an organisation from estate.json files', () => {
  it('groups a few projects in sections, environments in order, every link resolving', async () => {
    for (const t of teams(3)) await job(t, () => projectGraphs(t, ['prod', 'dev']));
    const r = await writeOrganisation({ dir: site });
    expect([...r.written].sort()).toEqual(['README.md']);
    const index = await read(site, 'README.md');
    expect(index).toContain('6 stacks of 3 projects.');
    expect(index.match(/^### team-\d\d$/gm)).toEqual(['### team-00', '### team-01', '### team-02']);
    // Within a project: dev before prod; each stack links to the page beside its estate.json.
    const team1 = index.slice(index.indexOf('### team-01'), index.indexOf('### team-02'));
    expect(team1.indexOf('[dev](team-01/dev/README.md)')).toBeLessThan(team1.indexOf('[prod](team-01/prod/README.md)'));
    expect(await expectLinksResolve([path.join(site, 'README.md')])).toBe(6);
  });

  it('past ten projects: a table of projects with their parity, and a page per project', async () => {
    for (const t of teams(11)) {
      // team-04's prod has a parameter dev does not have.
      await job(t, () => projectGraphs(t, ['dev', 'prod'], (s) => (t === 'team-04' && s.name === 'prod' ? void s.parameter('/team-04/prod/feature/beta') : undefined)));
    }
    const r = await writeOrganisation({ dir: site });
    expect([...r.written].sort()).toEqual(['README.md', ...teams(11).map((t) => `projects/${t}.md`)]);
    const index = await read(site, 'README.md');
    expect(index).toContain('| Project | Stacks | Parameters | Secrets | Findings not met | Parameters that differ | Secrets that differ |');
    expect(index).toContain('| [team-04](projects/team-04.md) | [dev](team-04/dev/README.md), [prod](team-04/prod/README.md) | 5 | 2 |');
    // Each environment has a key of its own (fullStack): its SecureString and its secret differ everywhere.
    expect(index).toMatch(/\| \[team-04\]\(projects\/team-04\.md\) \|.* \| 2 of 3 \| 1 of 1 \|\n/);
    expect(index).toMatch(/\| \[team-03\]\(projects\/team-03\.md\) \|.* \| 1 of 2 \| 1 of 1 \|\n/);
    expect(index).toContain('11 of the 11 projects with more than one environment have parameters or secrets that differ');
    expect(index).not.toContain('### team-');
    const page = await read(site, 'projects', 'team-04.md');
    expect(page).toContain('# team-04: architecture documentation\n\nPart of the [estate index](../README.md).\n');
    expect(page).toContain('| `feature/beta` | — | String | **differs** |');
    expect(page).toContain('## Cost estimate for the project');
    expect(page).not.toContain('team-05');
    const written = [path.join(site, 'README.md'), ...teams(11).map((t) => path.join(site, 'projects', `${t}.md`))];
    expect(await expectLinksResolve(written)).toBe(11 * 2 + 11 + 11 * (1 + 2));
  });

  it("shows n/a, not a difference, where a project has no stack in an environment another project has", async () => {
    await job('team-00', () => projectGraphs('team-00', ['dev', 'prod']));
    await job('team-01', () => projectGraphs('team-01', ['dev']));
    await writeOrganisation({ dir: site });
    const index = await read(site, 'README.md');
    expect(index).toContain('n/a: the project has no stack in that environment, which is not compared.');
    const rows = index.split('\n').filter((l) => l.startsWith('| team-01 |'));
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      expect(row, row).toMatch(/\| n\/a \| same \|$/);
    }
    // team-00 has both environments: no n/a in its rows.
    expect(index.split('\n').filter((l) => l.startsWith('| team-00 |') && l.includes('n/a'))).toEqual([]);
  });

  it('gives the same bytes whatever order the jobs ran in, and a second run writes nothing', async () => {
    const names = teams(11);
    for (const t of names) await job(t, () => projectGraphs(t));
    await writeOrganisation({ dir: site });
    const first = await snapshot(site);
    const other = path.join(dir, 'other');
    for (const t of [...names].reverse()) await generate(options(dir, { out: path.join(other, t), formats: ['md', 'json'] }), components(zero(), () => projectGraphs(t)));
    await writeOrganisation({ dir: other });
    const second = await snapshot(other);
    for (const f of ['README.md', ...names.map((t) => `projects/${t}.md`)]) expect(second[f], f).toBe(first[f]);
    const again = await writeOrganisation({ dir: site });
    expect(again.written).toEqual([]);
    expect(await snapshot(site)).toEqual(first);
  });

  it("from one generate run's estate.json files, writes that run's own index, its links aside", async () => {
    const all = () => teams(11).flatMap((t) => projectGraphs(t, t === 'team-02' ? ['dev'] : ['dev', 'prod']));
    await job('all', all);
    await writeOrganisation({ dir: path.join(site, 'all'), out: path.join(site, 'org') });
    const fromJson = (await read(site, 'org', 'README.md')).replaceAll('](../all/', '](');
    expect(fromJson).toBe(await read(site, 'all', 'README.md'));
    const page = (await read(site, 'org', 'projects', 'team-02.md')).replaceAll('](../../all/', '](../');
    expect(page).toBe(await read(site, 'all', 'projects', 'team-02.md'));
  });

  it('fills an --inject section with the table of projects, its links relative to that file', async () => {
    const doc = path.join(dir, 'ARCH.md');
    await fs.writeFile(doc, '# Ours\n\n<!-- BEGIN_ARCHITECTURE_DOCS -->\n<!-- END_ARCHITECTURE_DOCS -->\n');
    const all = () => teams(11).flatMap((t) => projectGraphs(t));
    await generate(options(dir, { out: path.join(site, 'all'), formats: ['md'], inject: doc }), components(zero(), all));
    const text = await read(doc);
    expect(text).toContain('| [team-03](site/all/projects/team-03.md) | [dev](site/all/team-03/dev/README.md), [prod](site/all/team-03/prod/README.md) |');
    expect(await expectLinksResolve([doc])).toBe(11 * 3);
  });

  it('check: up to date after writing; stale once a job documents a change', async () => {
    for (const t of teams(2)) await job(t, () => projectGraphs(t));
    await writeOrganisation({ dir: site });
    expect((await checkOrganisation({ dir: site })).problems).toEqual([]);
    await job('team-01', () => projectGraphs('team-01', ['dev', 'prod', 'uat']));
    const { problems } = await checkOrganisation({ dir: site });
    expect(problems.map((p) => `${p.kind} ${path.relative(site, p.path)}`)).toEqual(['out-of-date README.md']);
    expect(problems[0]!.kind === 'out-of-date' && problems[0]!.diff).toContain('+| [uat](team-01/uat/README.md) | uat |');
  });

  it('lists a stack documented without Markdown, unlinked', async () => {
    await job('team-00', () => projectGraphs('team-00'));
    await job('team-01', () => projectGraphs('team-01'), ['json']);
    await writeOrganisation({ dir: site });
    const index = await read(site, 'README.md');
    expect(index).toContain('| dev | dev | state (fixture), team-01/dev |');
    expect(index).toContain('| [dev](team-00/dev/README.md) | dev |');
  });

  it('shows a stack that several jobs documented once when the copies agree, and names both files when they differ', async () => {
    const withShared = (t: string, extra = false) => () => {
      const shared = projectGraphs('platform', ['shared'], (s) => (extra ? void s.parameter('/platform/shared/x') : undefined));
      return [...projectGraphs(t), ...shared];
    };
    await job('team-00', withShared('team-00'));
    await job('team-01', withShared('team-01'));
    const logs: string[] = [];
    await writeOrganisation({ dir: site, log: (m) => logs.push(m) });
    const index = await read(site, 'README.md');
    expect(index.match(/\[shared\]\(([^)]+)\)/g)).toEqual(['[shared](team-00/platform/shared/README.md)']);
    expect(logs).toContain(`platform/shared: ${site}/team-01/platform/shared/estate.json agrees with ${site}/team-00/platform/shared/estate.json, which the index links to`);
    await job('team-01', withShared('team-01', true));
    await expect(writeOrganisation({ dir: site })).rejects.toThrow(
      new GeneratorError('input', 'stack platform/shared is in two estate.json files that differ in what the index shows (parameters, parity, cost)', {
        subject: `${site}/team-00/platform/shared/estate.json and ${site}/team-01/platform/shared/estate.json`,
        expected: 'each stack in one estate.json, or copies that agree (the same state documented by the same generator version)',
      }),
    );
  });

  it('writes nothing outside --out', async () => {
    for (const t of teams(11)) await job(t, () => projectGraphs(t));
    const before = await snapshot(site);
    const out = path.join(site, 'org');
    await writeOrganisation({ dir: site, out });
    const after = await snapshot(site);
    const added = Object.keys(after).filter((f) => !(f in before));
    expect(added.every((f) => f.startsWith('org/'))).toBe(true);
    expect(added.sort()).toEqual(['org/.generated.json', 'org/README.md', ...teams(11).map((t) => `org/projects/${t}.md`)]);
    for (const [f, bytes] of Object.entries(before)) expect(after[f], f).toBe(bytes);
    expect(await read(out, 'README.md')).toContain('[dev](../team-00/dev/README.md)');
    expect(await expectLinksResolve([path.join(out, 'README.md'), path.join(out, 'projects', 'team-03.md')])).toBeGreaterThan(0);
  });
});

describe('index errors', () => {
  it('names an estate.json it cannot use, and writes nothing', async () => {
    await job('team-00', () => projectGraphs('team-00'));
    await fs.writeFile(path.join(site, 'team-00', 'prod', 'estate.json'), '{"schemaVersion": 7, "generator": "mono-repo-diagrams"}');
    const before = await snapshot(site);
    await expect(writeOrganisation({ dir: site })).rejects.toThrow(
      new GeneratorError('input', 'schema version 7 is not one this generator reads', {
        subject: `${site}/team-00/prod/estate.json`,
        jsonPath: '$.schemaVersion',
        expected: 'an estate.json written by `generate --format json` (schemaVersion 1, docs/estate-json.md)',
      }),
    );
    expect(await snapshot(site)).toEqual(before);
  });

  it('says what it looks for in a directory without estate.json, or one that does not exist', async () => {
    await fs.mkdir(site, { recursive: true });
    await expect(writeOrganisation({ dir: site })).rejects.toThrow(/site: no estate\.json below it \(expected the output directories of `generate --format \.\.\.,json` runs/);
    await expect(writeOrganisation({ dir: path.join(dir, 'nope') })).rejects.toThrow(/nope: cannot read the directory: ENOENT/);
    expect(await listAll(site)).toEqual([]);
  });

  it("refuses to take over a generate run's output directory, or an index file a job's manifest lists", async () => {
    await job('team-00', () => projectGraphs('team-00'));
    const before = await snapshot(site);
    await expect(writeOrganisation({ dir: site, out: path.join(site, 'team-00') })).rejects.toThrow(
      /--out .*team-00: it holds the files of a generate run \(its \.generated\.json lists dev\/README\.md\): the index would take them over/,
    );
    // A job that wrote into <site>/projects, for a project whose page would be projects/README.md.
    await job('projects', () => projectGraphs('README'));
    for (const t of teams(10)) await job(t, () => projectGraphs(t));
    await expect(writeOrganisation({ dir: site })).rejects.toThrow(/the index file projects\/README\.md is an output of the generate run whose manifest is .*site\/projects\/\.generated\.json/);
    for (const [f, bytes] of Object.entries(before)) expect((await snapshot(site))[f], f).toBe(bytes);
  });
});

describe("the index's cost and inventory", () => {
  const stack = (key: string, cost: IndexStack['cost']): IndexStack => ({ key, project: 'p', stack: key, source: 's', parameters: 0, secrets: 0, findingsNotMet: 0, diagrams: [], parity: { parameters: [], secrets: [] }, cost });

  it('links the parity inventory with the same prefix as the pages (an --inject section elsewhere)', () => {
    const env = (e: string): IndexStack => ({ ...stack(e, []), environment: e, parity: { parameters: ['a', 'b'].map((n) => ({ name: `/p/${e}/${n}`, cell: 'String' })), secrets: [] } });
    const built = buildIndex({ stacks: [env('dev'), env('prod')], pageRows: 1, linkBase: '../docs/' });
    // The label is escaped as any text (a dot between letters would otherwise autolink as a domain).
    expect(built.model.parityCsv.link).toBe('[parity\\.csv](../docs/parity.csv)');
    expect(built.attachments.map((a) => a.name)).toEqual(['parity.csv']);
  });

  it("adds up the stacks' quantities at their price, in the estimates' order; a price the stacks disagree on is 'varies'", () => {
    const { model } = buildIndex({
      stacks: [
        stack('a', [{ item: 'Secrets Manager API calls (per 10,000)', quantity: 0.288, unitPrice: 0.05, monthly: 0.01 }, { item: 'KMS customer-managed keys', quantity: 1, unitPrice: 1, monthly: 1 }]),
        stack('b', [{ item: 'Secrets Manager secrets', quantity: 1, unitPrice: 0.4, monthly: 0.4 }, { item: 'Secrets Manager API calls (per 10,000)', quantity: 0.288, unitPrice: 0.05, monthly: 0.01 }]),
        stack('c', [{ item: 'KMS customer-managed keys', quantity: 2, unitPrice: 1.5, monthly: 3 }]),
      ],
    });
    expect(model.costTable.rows).toEqual([
      '| Secrets Manager secrets | 1 | $0.40 | $0.40 |',
      // 0.576 x $0.05 = $0.0288: one estimate of both stacks says $0.03, not the $0.02 of the two rounded figures.
      '| Secrets Manager API calls (per 10,000) | 0.576 | $0.05 | $0.03 |',
      '| KMS customer-managed keys | 3 | varies | $4.00 |',
    ]);
    expect(model.costTotal).toBe('$4.43');
  });
});

describe('the index of 300 stacks', () => {
  /** 100 projects x dev/uat/prod with 40 parameters and 5 secrets each, and one shared stack: index entries as estate.json gives them. */
  function entries(): IndexStack[] {
    const out: IndexStack[] = [{ key: 'platform/shared', project: 'platform', stack: 'shared', source: 'state (export v3), platform/shared', parameters: 0, secrets: 0, findingsNotMet: 2, diagrams: [{ name: 'security_compliance_controls', drawn: true }], page: 'platform/platform/shared/README.md', parity: { parameters: [], secrets: [] }, cost: [{ item: 'KMS customer-managed keys', quantity: 2, unitPrice: 1, monthly: 2 }] }];
    for (const p of Array.from({ length: 100 }, (_, i) => `app-${String(i).padStart(3, '0')}`)) {
      for (const env of ['dev', 'uat', 'prod']) {
        out.push({
          key: `${p}/${env}`,
          project: p,
          stack: env,
          environment: env,
          source: `state (export v3), ${p}/${env}, deployed 2026-01-01T00:00:00.000Z, Pulumi v3.270.0`,
          parameters: 40,
          secrets: 5,
          findingsNotMet: 4,
          diagrams: ['parameter_store_hierarchy', 'secrets_manager_integration', 'application_secrets_workflow', 'security_compliance_controls'].map((name) => ({ name, drawn: true })),
          page: `${p}/${p}/${env}/README.md`,
          parity: {
            parameters: Array.from({ length: 40 }, (_, i) => ({ name: `/${p}/${env}/config/setting-${String(i).padStart(2, '0')}`, environment: env, cell: i % 3 === 0 ? 'SecureString (alias/platform-parameters)' : 'String' })),
            secrets: Array.from({ length: 5 }, (_, i) => ({ name: `${p}/${env}/app/secret-${i}`, environment: env, cell: 'alias/platform-secrets, every 30 d' })),
          },
          cost: [{ item: 'Secrets Manager secrets', quantity: 5, unitPrice: 0.4, monthly: 2 }],
        });
      }
    }
    return out;
  }

  it('stays under 300 KB per page, and gives the same bytes whatever the order of the entries', async () => {
    const t = await loadTemplates();
    const render = (stacks: IndexStack[]) => {
      const built = buildIndex({ stacks, projectPages: projectPages(stacks.map((s) => s.project)) });
      return [t.renderIndex(built.model), ...built.projects.map((p) => t.renderIndex(p.model))];
    };
    const pages = render(entries());
    expect(pages).toHaveLength(1 + 101);
    for (const p of pages) expect(Buffer.byteLength(p)).toBeLessThan(300 * 1024);
    expect(pages[0]).toContain('301 stacks of 101 projects.');
    const rows = pages[0]!.split('\n').filter((l) => l.startsWith('| [app-'));
    expect(rows).toHaveLength(100);
    expect(rows[0]).toBe('| [app-000](projects/app-000.md) | [dev](app-000/app-000/dev/README.md), [uat](app-000/app-000/uat/README.md), [prod](app-000/app-000/prod/README.md) | 120 | 15 | 12 | 0 of 40 | 0 of 5 |');
    expect(render(entries().reverse())).toEqual(pages);
  });
});
