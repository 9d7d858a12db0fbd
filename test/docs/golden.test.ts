/**
 * Golden Markdown per section (diagrams/docs/sections/<name>.ts rendered by its partial) for three
 * estates: the mono-repo-like estate (prod), a stack with nothing to document, and a foreign estate
 * of two projects whose stacks share a name (both of its stacks); and the index of each estate.
 * Goldens are reviewed line by line, never blindly regenerated:
 *
 *   UPDATE_GOLDENS=1 npx vitest run test/docs/golden.test.ts   then read `git diff test/docs/golden`.
 */

import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { estimateCost } from '../../diagrams/compliance/cost.ts';
import { loadTemplates, type Templates } from '../../diagrams/docs/markdown.ts';
import { buildIndex, indexStack } from '../../diagrams/docs/viewmodel.ts';
import type { Estate } from '../../diagrams/estate/model.ts';
import { Store } from '../../diagrams/estate/store.ts';
import { projectPages, stackDirs } from '../../diagrams/pipeline/paths.ts';
import { buildEstate } from '../../diagrams/estate/build/index.ts';
import { EstateFixture } from '../fixtures/estates.ts';
import { foreignEstate } from '../fixtures/foreign.ts';
import { emptyEstate, monoEstate } from '../fixtures/mono.ts';
import { SECTIONS, stackPage, type StackPage } from './helpers.ts';

const GOLDEN = join(import.meta.dirname, 'golden');
const update = process.env.UPDATE_GOLDENS === '1';

function golden(file: string, actual: string): void {
  const path = join(GOLDEN, file);
  if (update) {
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, actual);
    return;
  }
  if (!existsSync(path)) throw new Error(`missing golden ${file}: run with UPDATE_GOLDENS=1 and review it`);
  expect(actual, file).toBe(readFileSync(path, 'utf8'));
}

const MARK = '@@section ';
let dir: string;
let split: Templates;
beforeAll(async () => {
  // A page template that prints each partial after a marker line, so that the page cuts into its sections.
  dir = mkdtempSync(join(os.tmpdir(), 'golden-'));
  writeFileSync(join(dir, 'page.hbs'), SECTIONS.map((s) => `${MARK}${s}\n\n{{> ${s}}}\n`).join('\n'));
  split = await loadTemplates(dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function sections(page: StackPage): Map<string, string> {
  const out = new Map<string, string>();
  for (const chunk of split.renderPage(page.built.model).split(MARK).slice(1)) {
    const nl = chunk.indexOf('\n');
    out.set(chunk.slice(0, nl), `${chunk.slice(nl + 1).trim()}\n`);
  }
  return out;
}

const cases: [label: string, estate: () => Estate, stacks: string[]][] = [
  ['mono', monoEstate, ['prod']],
  ['empty', emptyEstate, ['empty']],
  ['foreign', foreignEstate, ['payments/dev', 'ledger/dev']],
];

describe.each(cases)('docs of the %s estate', (label, make, stacks) => {
  const estate = make();
  for (const stack of stacks) {
    const dirName = stacks.length > 1 ? `${label}/${stack.replace('/', '.')}` : label;
    it(`${stack}: each section matches its golden`, async () => {
      const got = sections(await stackPage(estate, stack));
      expect([...got.keys()]).toEqual([...SECTIONS]);
      for (const [name, text] of got) golden(`${dirName}/${name}.md`, text);
    });
  }

  it('index matches its golden', async () => {
    const store = Store.of(estate);
    const dirs = stackDirs(estate.stacks);
    const entries = await Promise.all(
      estate.stacks.map(async (s) => {
        const p = await stackPage(estate, s.key);
        return indexStack(store, s.key, p.findings, p.views, `${dirs.get(s.key)!}/README.md`, estimateCost(estate, s.key));
      }),
    );
    const index = buildIndex({ stacks: entries });
    golden(`${label}/index.md`, (await loadTemplates()).renderIndex(index.model));
  });
});

describe('the index of eleven projects', () => {
  /** team-00 ... team-10, each with dev and prod; team-04's prod has a parameter dev has not, team-07 has no prod. */
  function organisation(): Estate {
    const graphs = Array.from({ length: 11 }, (_, i) => `team-${String(i).padStart(2, '0')}`).flatMap((t) => {
      const f = new EstateFixture(t);
      for (const env of t === 'team-07' ? ['dev'] : ['dev', 'prod']) {
        const s = f.stack(env);
        s.parameter(`/${t}/${env}/db/host`);
        s.secret(`${t}/${env}/api-token`);
        if (t === 'team-04' && env === 'prod') s.parameter(`/${t}/prod/feature/beta`);
      }
      return f.graphs();
    });
    return buildEstate(graphs);
  }

  it('is a table of projects, with a page per project, that match their goldens', async () => {
    const estate = organisation();
    const store = Store.of(estate);
    const dirs = stackDirs(estate.stacks);
    const entries = await Promise.all(
      estate.stacks.map(async (s) => {
        const p = await stackPage(estate, s.key);
        return indexStack(store, s.key, p.findings, p.views, `${dirs.get(s.key)!}/README.md`, estimateCost(estate, s.key));
      }),
    );
    const index = buildIndex({ stacks: entries, projectPages: projectPages(entries.map((e) => e.project)) });
    const t = await loadTemplates();
    golden('organisation/index.md', t.renderIndex(index.model));
    expect(index.projects.map((p) => p.path)).toEqual(Array.from({ length: 11 }, (_, i) => `projects/team-${String(i).padStart(2, '0')}.md`));
    golden('organisation/projects/team-04.md', t.renderIndex(index.projects[4]!.model));
    golden('organisation/projects/team-07.md', t.renderIndex(index.projects[7]!.model));
  });
});
