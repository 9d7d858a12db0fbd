/**
 * The index page of an estate: every stack (grouped by project when there are several), which
 * diagrams each has, environment parity of parameters and secrets (per project), and the estate's
 * cost. Built from `IndexStack` entries, which come from the estate in memory or, for an
 * organisation's index assembled later, from the stacks' estate.json files.
 */

import type { CostEstimate } from '../../compliance/types.ts';
import type { DiagramName } from '../../views/types.ts';
import { compareStrings } from '../../util/collections.ts';
import { code, link, md } from '../escape.ts';
import { attach, csv, NO_ATTACHMENT, PAGE_ROWS, usd } from '../format.ts';
import { table, type Attachment, type IndexModel } from '../model.ts';

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
  readonly diagrams: readonly { readonly name: DiagramName; readonly drawn: boolean }[];
  /** The page, relative to the index. */
  readonly page: string;
  /** Names for the parity tables: each parameter path and secret name, with its environment and what to compare. */
  readonly parity: {
    readonly parameters: readonly { readonly name: string; readonly environment?: string; readonly cell: string }[];
    readonly secrets: readonly { readonly name: string; readonly environment?: string; readonly cell: string }[];
  };
}

export interface IndexInput {
  readonly stacks: readonly IndexStack[];
  readonly cost?: CostEstimate;
  /** Prefix of the links to the stack pages (`''` beside them; a relative path for `--inject`). */
  readonly linkBase?: string;
  readonly pageRows?: number;
}

const SHORT: Readonly<Record<DiagramName, string>> = {
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

export function buildIndex(input: IndexInput): { model: IndexModel; attachments: Attachment[] } {
  const pageRows = input.pageRows ?? PAGE_ROWS;
  const attachments: Attachment[] = [];
  const stacks = [...input.stacks].sort((a, b) => compareStrings(a.project, b.project) || compareStrings(a.stack, b.stack));
  const projects = [...new Set(stacks.map((s) => s.project))].sort(compareStrings);
  const many = projects.length > 1;
  const groups = projects.map((project) => ({
    project: md(project),
    showProject: many,
    stackTable: table(
      ['Stack', 'Environment', 'Source', 'Parameters', 'Secrets', 'Findings not met', 'Diagrams'],
      stacks
        .filter((s) => s.project === project)
        .map((s) => [
          link(s.stack, `${input.linkBase ?? ''}${s.page}`),
          md(s.environment ?? '—'),
          md(s.source),
          String(s.parameters),
          String(s.secrets),
          String(s.findingsNotMet),
          s.diagrams.filter((d) => d.drawn).map((d) => SHORT[d.name]).join(', ') || 'none',
        ]),
    ),
  }));
  const envs = [...new Set(stacks.map((s) => s.environment).filter((e): e is string => !!e))].sort(envSort);

  const cells = (kind: 'parameters' | 'secrets'): Map<string, Map<string, string>> => {
    const out = new Map<string, Map<string, string>>();
    for (const s of stacks) {
      for (const x of s.parity[kind]) {
        const env = x.environment ?? s.environment;
        const rel = relativeToEnv(x.name, env);
        if (rel === undefined || !env || !envs.includes(env)) continue;
        const key = `${s.project}\u0000${rel}`;
        (out.get(key) ?? out.set(key, new Map()).get(key)!).set(env, x.cell);
      }
    }
    return out;
  };
  const parity = (m: Map<string, Map<string, string>>) => {
    let differences = 0;
    const raw: { project: string; rel: string; values: (string | undefined)[]; differs: boolean }[] = [];
    for (const [key, byEnv] of [...m.entries()].sort(([a], [b]) => compareStrings(a, b))) {
      const [project, rel] = key.split('\u0000') as [string, string];
      const values = envs.map((e) => byEnv.get(e));
      const differs = new Set(values.map((v) => v ?? '(missing)')).size > 1;
      if (differs) differences++;
      raw.push({ project, rel, values, differs });
    }
    const shown = raw.length > pageRows ? raw.filter((r) => r.differs).slice(0, pageRows) : raw;
    const rows = shown.map((r) => [...(many ? [md(r.project)] : []), code(r.rel), ...r.values.map((v) => (v === undefined ? '—' : md(v))), r.differs ? '**differs**' : 'same']);
    return { raw, table: table([...(many ? ['Project'] : []), 'Name (relative to the environment)', ...envs.map(md), 'Parity'], rows), differences, total: raw.length, cut: raw.length > pageRows };
  };
  const pp = parity(cells('parameters'));
  const sp = parity(cells('secrets'));
  const parityCsv =
    (pp.cut || sp.cut) && envs.length > 1
      ? attach(
          attachments,
          'parity.csv',
          csv(
            ['kind', 'project', 'name', ...envs, 'parity'],
            [
              ...pp.raw.map((r) => ['parameter', r.project, r.rel, ...r.values.map((v) => v ?? ''), r.differs ? 'differs' : 'same']),
              ...sp.raw.map((r) => ['secret', r.project, r.rel, ...r.values.map((v) => v ?? ''), r.differs ? 'differs' : 'same']),
            ],
          ),
          `Parity of all ${pp.total} parameters and ${sp.total} secrets; the tables above list only those that differ`,
        )
      : NO_ATTACHMENT;
  const cost = input.cost;
  const first = stacks[0];
  const model: IndexModel = {
    project: md(many ? 'Estate' : (first?.project ?? '')),
    title: `${md(many ? 'Estate' : (first?.project ?? 'Estate'))}: architecture documentation`,
    hasStacks: stacks.length > 0,
    groups,
    stackCount: many ? `${stacks.length} stacks of ${projects.length} projects.` : '',
    // Parity compares environments: with fewer than two there is nothing to compare.
    environments: envs.length > 1 ? envs.map(md).join(', ') : '',
    noParity: envs.length === 1 ? `Only one environment (${md(envs[0]!)}): no other environment to compare it with.` : 'No environment stacks to compare.',
    hasParameterParity: envs.length > 1 && pp.total > 0,
    parameterParity: pp.table,
    parameterDifferences: pp.differences,
    parameterParityRows: pp.total,
    parityCsv,
    hasSecretParity: envs.length > 1 && sp.total > 0,
    secretParity: sp.table,
    secretDifferences: sp.differences,
    secretParityRows: sp.total,
    hasCost: cost !== undefined && cost.lines.length > 0,
    costTable: table(
      ['Item', 'Quantity', 'Unit price (USD/month)', 'Monthly (USD)'],
      (cost?.lines ?? []).map((l) => [md(l.item), String(l.quantity), usd(l.unitPrice), usd(l.monthly)]),
    ),
    costTotal: usd(cost?.total ?? 0),
  };
  return { model, attachments };
}
