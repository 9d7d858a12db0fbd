/**
 * The index page of an estate, built from `IndexStack` entries, which come from the estate in
 * memory (`generate`) or from the stacks' estate.json files (`index`, an organisation's index
 * assembled later): the same entries give the same bytes either way.
 *
 * Up to INDEX_PROJECTS_INLINE projects, the index lists every stack (a table per project when
 * there are several), compares the environments' parameters and secrets (environment parity) and
 * sums the stacks' cost estimates. With more projects, the index is a table of projects (their
 * stacks, counts, and how many parameters and secrets differ between the project's environments),
 * and each project gets a page of its own with its stacks, its environment parity and its cost,
 * built exactly as the index of a one-project estate is.
 */

import type { DiagramName } from '../../views/types.ts';
import { compareStrings } from '../../util/collections.ts';
import { code, link, md } from '../escape.ts';
import { csv, NO_ATTACHMENT, PAGE_ROWS, usd } from '../format.ts';
import { table, type Attachment, type IndexModel, type Table } from '../model.ts';

/** Projects the index shows in full; past this, a table of projects and a page per project. */
export const INDEX_PROJECTS_INLINE = 10;

export interface IndexCostLine {
  readonly item: string;
  readonly quantity: number;
  readonly unitPrice: number;
  readonly monthly: number;
}

export interface IndexStack {
  readonly key: string;
  readonly project: string;
  readonly stack: string;
  readonly environment?: string;
  /** `state (export v3), proj/dev, deployed ..., Pulumi ...`: what the stack was documented from. */
  readonly source: string;
  readonly deployedAt?: string;
  readonly parameters: number;
  readonly secrets: number;
  readonly findingsNotMet: number;
  readonly diagrams: readonly { readonly name: DiagramName | string; readonly drawn: boolean }[];
  /** The stack's page, relative to the index; absent when there is none (the stack's name is shown unlinked). */
  readonly page?: string;
  /** Names for the parity tables: each parameter path and secret name, with its environment and what to compare. */
  readonly parity: {
    readonly parameters: readonly { readonly name: string; readonly environment?: string; readonly cell: string }[];
    readonly secrets: readonly { readonly name: string; readonly environment?: string; readonly cell: string }[];
  };
  /** The lines of the stack's monthly cost estimate; the index shows their sum. */
  readonly cost?: readonly IndexCostLine[];
}

export interface IndexInput {
  readonly stacks: readonly IndexStack[];
  /** Prefix of the links to the stack and project pages (`''` beside them; a relative path for `--inject`). */
  readonly linkBase?: string;
  readonly pageRows?: number;
  /**
   * Each project's page, relative to the index (`projects/<name>.md`), used past
   * INDEX_PROJECTS_INLINE projects; the pages must sit one directory below the index.
   */
  readonly projectPages?: ReadonlyMap<string, string>;
}

/** A project's own index page, written beside the index (`path` relative to it). */
export interface ProjectPage {
  readonly path: string;
  readonly model: IndexModel;
  /** Files to write beside the page; names relative to the index. */
  readonly attachments: readonly Attachment[];
}

export interface BuiltIndex {
  readonly model: IndexModel;
  readonly attachments: readonly Attachment[];
  /** Empty up to INDEX_PROJECTS_INLINE projects. */
  readonly projects: readonly ProjectPage[];
}

const SHORT: Readonly<Record<string, string>> = {
  parameter_store_hierarchy: 'parameters',
  secrets_manager_integration: 'secrets',
  application_secrets_workflow: 'workflow',
  security_compliance_controls: 'controls',
};

const ENV_ORDER = ['dev', 'development', 'test', 'qa', 'uat', 'staging', 'stage', 'preprod', 'prod', 'production'];
export function envSort(a: string, b: string): number {
  const ia = ENV_ORDER.indexOf(a);
  const ib = ENV_ORDER.indexOf(b);
  if (ia !== -1 || ib !== -1) return (ia === -1 ? 99 : ia) - (ib === -1 ? 99 : ib);
  return compareStrings(a, b);
}

/** The part of a parameter path or secret name after its environment segment. */
function relativeToEnv(name: string, env: string | undefined): string | undefined {
  if (!env) return undefined;
  const parts = name.split('/');
  const i = parts.findIndex((p) => p.toLowerCase() === env);
  if (i === -1) return undefined;
  return parts.slice(i + 1).join('/');
}

interface ParityRow {
  readonly project: string;
  readonly rel: string;
  /** Per environment compared: what to compare, `undefined` when missing there, NO_STACK when the project has no stack there. */
  readonly values: readonly (string | undefined)[];
  readonly differs: boolean;
}

/** A project without a stack in an environment: not compared there (shown `n/a`). */
const NO_STACK = '\u0000n/a';

interface Parity {
  readonly raw: readonly ParityRow[];
  readonly differences: number;
  readonly total: number;
}

/**
 * Parity rows of one kind over `stacks`, comparing the environments `envs`: one row per project and
 * name relative to the environment. A project may have several stacks in one environment (`prod`
 * and `eu-prod`): each of them is compared, and the environment's cell shows each stack's value
 * (`eu-prod: String; prod: SecureString (k)`, `eu-prod: —; prod: String`) when they disagree.
 */
function parityOf(stacks: readonly IndexStack[], envs: readonly string[], kind: 'parameters' | 'secrets'): Parity {
  // project -> name relative to the environment -> environment -> stack -> cell; and, per project
  // and environment, the stacks it has there (a stack of that environment, or one naming it).
  const cells = new Map<string, Map<string, Map<string, Map<string, string>>>>();
  const stackName = new Map(stacks.map((s) => [s.key, s.stack]));
  const projectEnvs = new Map<string, Map<string, Set<string>>>();
  const stacksIn = (project: string, env: string) => {
    const byEnv = projectEnvs.get(project) ?? projectEnvs.set(project, new Map()).get(project)!;
    return byEnv.get(env) ?? byEnv.set(env, new Set()).get(env)!;
  };
  for (const s of stacks) {
    if (s.environment) stacksIn(s.project, s.environment).add(s.key);
    for (const x of s.parity[kind]) {
      const env = x.environment ?? s.environment;
      const rel = relativeToEnv(x.name, env);
      if (rel === undefined || !env || !envs.includes(env)) continue;
      stacksIn(s.project, env).add(s.key);
      const byRel = cells.get(s.project) ?? cells.set(s.project, new Map()).get(s.project)!;
      const byEnv = byRel.get(rel) ?? byRel.set(rel, new Map()).get(rel)!;
      (byEnv.get(env) ?? byEnv.set(env, new Map()).get(env)!).set(s.key, x.cell);
    }
  }
  let differences = 0;
  const raw: ParityRow[] = [];
  for (const project of [...cells.keys()].sort(compareStrings)) {
    const byRel = cells.get(project)!;
    const present = projectEnvs.get(project)!;
    for (const rel of [...byRel.keys()].sort(compareStrings)) {
      const byEnv = byRel.get(rel)!;
      const seen = new Set<string>();
      const values = envs.map((e) => {
        const inEnv = present.get(e);
        if (!inEnv || inEnv.size === 0) return NO_STACK;
        const got = byEnv.get(e);
        const each = [...inEnv].sort(compareStrings).map((k) => got?.get(k));
        for (const v of each) seen.add(v ?? '(missing)');
        if (new Set(each).size === 1) return each[0];
        return [...inEnv].sort(compareStrings).map((k, i) => `${stackName.get(k) ?? k}: ${each[i] ?? '—'}`).join('; ');
      });
      const differs = seen.size > 1;
      if (differs) differences++;
      raw.push({ project, rel, values, differs });
    }
  }
  return { raw, differences, total: raw.length };
}

/** The parity table: every row, or only those that differ when there are more than `pageRows`. */
function parityTable(p: Parity, envs: readonly string[], withProject: boolean, pageRows: number): Table {
  const shown = p.raw.length > pageRows ? p.raw.filter((r) => r.differs).slice(0, pageRows) : p.raw;
  const rows = shown.map((r) => [...(withProject ? [md(r.project)] : []), code(r.rel), ...r.values.map((v) => (v === undefined ? '—' : v === NO_STACK ? 'n/a' : md(v))), r.differs ? '**differs**' : 'same']);
  return table([...(withProject ? ['Project'] : []), 'Name (relative to the environment)', ...envs.map(md), 'Parity'], rows);
}

const environmentsOf = (stacks: readonly IndexStack[]): string[] => [...new Set(stacks.map((s) => s.environment).filter((e): e is string => !!e))].sort(envSort);

/** Stacks in index order: by project, then environment (dev before prod; stacks without one last), then name. */
function sortStacks(stacks: readonly IndexStack[]): IndexStack[] {
  const rank = (s: IndexStack) => (s.environment ? 0 : 1);
  return [...stacks].sort((a, b) => compareStrings(a.project, b.project) || rank(a) - rank(b) || (a.environment && b.environment ? envSort(a.environment, b.environment) : 0) || compareStrings(a.stack, b.stack));
}

const round2 = (x: number): number => Math.round(x * 100) / 100;
const round4 = (x: number): number => Math.round(x * 10_000) / 10_000;

/**
 * The items of the stacks' cost lines in one order that keeps each stack's own order (every stack
 * lists its lines in the estimate's order); items no stack orders against each other come in the
 * order they are first seen.
 */
function itemOrder(stacks: readonly IndexStack[]): string[] {
  const seen: string[] = [];
  const after = new Map<string, Set<string>>();
  for (const s of stacks) {
    const items = (s.cost ?? []).map((l) => l.item);
    items.forEach((item, i) => {
      if (!after.has(item)) (seen.push(item), after.set(item, new Set()));
      if (i > 0) after.get(item)!.add(items[i - 1]!);
    });
  }
  const out: string[] = [];
  const placed = new Set<string>();
  while (out.length < seen.length) {
    // The first item seen whose predecessors are all placed (or, in a cycle, the first unplaced).
    const next = seen.find((x) => !placed.has(x) && [...after.get(x)!].every((p) => placed.has(p))) ?? seen.find((x) => !placed.has(x))!;
    out.push(next);
    placed.add(next);
  }
  return out;
}

/**
 * The stacks' cost lines added up, item by item: quantities summed, and the monthly figure their
 * sum at the unit price (as one estimate of all the stacks would have it), or, where the stacks'
 * estimates disagree on the price, the sum of their monthly figures.
 */
export function sumCosts(stacks: readonly IndexStack[]): { lines: IndexCostLine[]; prices: Map<string, Set<number>>; total: number } {
  const sums = new Map<string, { quantity: number; monthly: number }>();
  const prices = new Map<string, Set<number>>();
  for (const s of stacks) {
    for (const l of s.cost ?? []) {
      const sum = sums.get(l.item) ?? { quantity: 0, monthly: 0 };
      sums.set(l.item, { quantity: sum.quantity + l.quantity, monthly: sum.monthly + l.monthly });
      (prices.get(l.item) ?? prices.set(l.item, new Set()).get(l.item)!).add(l.unitPrice);
    }
  }
  const lines = itemOrder(stacks).map((item) => {
    const quantity = round4(sums.get(item)!.quantity);
    const unique = prices.get(item)!.size === 1;
    const unitPrice = [...prices.get(item)!][0]!;
    return { item, quantity, unitPrice, monthly: round2(unique ? quantity * unitPrice : sums.get(item)!.monthly) };
  });
  return { lines, prices, total: round2(lines.reduce((n, l) => n + l.monthly, 0)) };
}

function costFields(stacks: readonly IndexStack[], scope: 'estate' | 'project'): Pick<IndexModel, 'costHeading' | 'hasCost' | 'costTable' | 'costTotal' | 'noCost'> {
  const { lines, prices, total } = sumCosts(stacks);
  return {
    costHeading: scope === 'estate' ? 'Cost estimate for the whole estate' : 'Cost estimate for the project',
    hasCost: lines.length > 0,
    costTable: table(
      ['Item', 'Quantity', 'Unit price (USD/month)', 'Monthly (USD)'],
      lines.map((l) => [md(l.item), String(l.quantity), prices.get(l.item)!.size === 1 ? usd(l.unitPrice) : 'varies', usd(l.monthly)]),
    ),
    costTotal: usd(total),
    noCost: `No Parameter Store, Secrets Manager or KMS resources to bill in the ${scope} (other services are not estimated).`,
  };
}

const stackLink = (s: IndexStack, base: string): string => (s.page !== undefined ? link(s.stack, `${base}${s.page}`) : md(s.stack));
const drawnList = (s: IndexStack): string => s.diagrams.filter((d) => d.drawn).map((d) => md(SHORT[d.name] ?? d.name)).join(', ') || 'none';

function stackTable(stacks: readonly IndexStack[], base: string): Table {
  return table(
    ['Stack', 'Environment', 'Source', 'Parameters', 'Secrets', 'Findings not met', 'Diagrams'],
    stacks.map((s) => [stackLink(s, base), md(s.environment ?? '—'), md(s.source), String(s.parameters), String(s.secrets), String(s.findingsNotMet), drawnList(s)]),
  );
}

const NO_TABLE = table([], []);

/** The parity fields of an index over `stacks` (one project, or a few shown together). */
function parityFields(stacks: readonly IndexStack[], many: boolean, pageRows: number, attachments: Attachment[], csvPath: string, csvLink: string) {
  const envs = environmentsOf(stacks);
  const pp = parityOf(stacks, envs, 'parameters');
  const sp = parityOf(stacks, envs, 'secrets');
  const cut = pp.raw.length > pageRows || sp.raw.length > pageRows;
  let parityCsv = NO_ATTACHMENT;
  if (cut && envs.length > 1) {
    const rowsOf = (kind: string, p: Parity) => p.raw.map((r) => [kind, r.project, r.rel, ...r.values.map((v) => (v === NO_STACK ? 'n/a' : (v ?? ''))), r.differs ? 'differs' : 'same']);
    attachments.push({ name: csvPath, contents: csv(['kind', 'project', 'name', ...envs, 'parity'], [...rowsOf('parameter', pp), ...rowsOf('secret', sp)]) });
    parityCsv = { has: true, link: link(csvLink.split('/').pop()!, csvLink), text: `Parity of all ${pp.total} parameters and ${sp.total} secrets; the tables above list only those that differ` };
  }
  const absent = [...pp.raw, ...sp.raw].some((r) => r.values.includes(NO_STACK));
  return {
    parityOverview: '',
    parityAbsent: absent ? ' n/a: the project has no stack in that environment, which is not compared.' : '',
    // Parity compares environments: with fewer than two there is nothing to compare.
    environments: envs.length > 1 ? envs.map(md).join(', ') : '',
    noParity: envs.length === 1 ? `Only one environment (${md(envs[0]!)}): no other environment to compare it with.` : 'No environment stacks to compare.',
    hasParameterParity: envs.length > 1 && pp.total > 0,
    parameterParity: parityTable(pp, envs, many, pageRows),
    parameterDifferences: pp.differences,
    parameterParityRows: pp.total,
    parityCsv,
    hasSecretParity: envs.length > 1 && sp.total > 0,
    secretParity: parityTable(sp, envs, many, pageRows),
    secretDifferences: sp.differences,
    secretParityRows: sp.total,
  };
}

/** The index of a few projects shown in full (also a project's own page, with `up` linking back). */
function fullIndex(stacks: readonly IndexStack[], o: { base: string; pageRows: number; up: string; csvPath: string; csvLink: string; scope: 'estate' | 'project' }): { model: IndexModel; attachments: Attachment[] } {
  const attachments: Attachment[] = [];
  const projects = [...new Set(stacks.map((s) => s.project))].sort(compareStrings);
  const many = projects.length > 1;
  const name = many ? 'Estate' : (projects[0] ?? 'Estate');
  const model: IndexModel = {
    project: md(many ? 'Estate' : (projects[0] ?? '')),
    title: `${md(name)}: architecture documentation`,
    up: o.up,
    hasStacks: stacks.length > 0,
    hasProjectTable: false,
    projectTable: NO_TABLE,
    groups: projects.map((project) => ({ project: md(project), showProject: many, stackTable: stackTable(stacks.filter((s) => s.project === project), o.base) })),
    stackCount: many ? `${stacks.length} stacks of ${projects.length} projects.` : '',
    ...parityFields(stacks, many, o.pageRows, attachments, o.csvPath, o.csvLink),
    ...costFields(stacks, o.scope),
  };
  return { model, attachments };
}

const differCell = (p: Parity, envs: number): string => (envs > 1 ? `${p.differences} of ${p.total}` : '—');

/** The index of many projects: a table of projects, each with a page of its own. */
function projectsIndex(stacks: readonly IndexStack[], projects: readonly string[], input: IndexInput, pageRows: number): BuiltIndex {
  const base = input.linkBase ?? '';
  const pages: ProjectPage[] = [];
  const rows: string[][] = [];
  let differing = 0;
  for (const project of projects) {
    const mine = stacks.filter((s) => s.project === project);
    const page = input.projectPages?.get(project);
    if (page === undefined || page.split('/').length !== 2) throw new Error(`buildIndex: no page one directory below the index for project ${project}`);
    const csvPath = page.replace(/\.md$/, '') + '.parity.csv';
    const built = fullIndex(mine, { base: '../', pageRows, up: `Part of the ${link('estate index', '../README.md')}.`, csvPath, csvLink: csvPath.split('/')[1]!, scope: 'project' });
    pages.push({ path: page, model: built.model, attachments: built.attachments });
    const envs = environmentsOf(mine);
    const pp = parityOf(mine, envs, 'parameters');
    const sp = parityOf(mine, envs, 'secrets');
    if (envs.length > 1 && pp.differences + sp.differences > 0) differing++;
    const sum = (f: (s: IndexStack) => number) => String(mine.reduce((n, s) => n + f(s), 0));
    rows.push([link(project, `${base}${page}`), mine.map((s) => stackLink(s, base)).join(', '), sum((s) => s.parameters), sum((s) => s.secrets), sum((s) => s.findingsNotMet), differCell(pp, envs.length), differCell(sp, envs.length)]);
  }
  const compared = projects.filter((p) => environmentsOf(stacks.filter((s) => s.project === p)).length > 1).length;
  const model: IndexModel = {
    project: md('Estate'),
    title: `${md('Estate')}: architecture documentation`,
    up: '',
    hasStacks: true,
    hasProjectTable: true,
    projectTable: table(['Project', 'Stacks', 'Parameters', 'Secrets', 'Findings not met', 'Parameters that differ', 'Secrets that differ'], rows),
    groups: [],
    stackCount: `${stacks.length} stacks of ${projects.length} projects. Each project's page lists its stacks and compares its environments.`,
    ...parityFields([], false, pageRows, [], '', ''),
    parityOverview:
      compared === 0
        ? 'No project has two environments to compare.'
        : `${differing} of the ${compared} projects with more than one environment ${differing === 1 ? 'has' : 'have'} parameters or secrets that differ between their environments (counted in the table above, listed on the project's page); "—": a project with one environment or none.`,
    ...costFields(stacks, 'estate'),
  };
  return { model, attachments: [], projects: pages };
}

export function buildIndex(input: IndexInput): BuiltIndex {
  const pageRows = input.pageRows ?? PAGE_ROWS;
  const stacks = sortStacks(input.stacks);
  const projects = [...new Set(stacks.map((s) => s.project))].sort(compareStrings);
  if (projects.length > INDEX_PROJECTS_INLINE) return projectsIndex(stacks, projects, input, pageRows);
  const built = fullIndex(stacks, { base: input.linkBase ?? '', pageRows, up: '', csvPath: 'parity.csv', csvLink: `${input.linkBase ?? ''}parity.csv`, scope: 'estate' });
  return { ...built, projects: [] };
}
