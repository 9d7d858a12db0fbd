/**
 * Helpers of the docs tests: a stack's page built the way the pipeline builds it (the real rules,
 * views and cost estimate over an estate), rendered with the built-in templates, and cut into its
 * sections (one per template partial).
 */

import { estimateCost } from '../../diagrams/compliance/cost.ts';
import { evaluateRules } from '../../diagrams/compliance/rules/index.ts';
import type { Finding } from '../../diagrams/compliance/types.ts';
import type { Estate } from '../../diagrams/estate/model.ts';
import { loadTemplates, type Templates } from '../../diagrams/docs/markdown.ts';
import { buildPageModel, type BuiltPage, type PageInput } from '../../diagrams/docs/viewmodel.ts';
import { VIEWS } from '../../diagrams/views/index.ts';
import { DIAGRAMS, type View } from '../../diagrams/views/types.ts';

export const FORMATS = Object.freeze({ svg: true, png: true, d2: false });

/** The partials of page.hbs, in page order (templates/partials/<name>.hbs, diagrams/docs/sections/<name>.ts). */
export const SECTIONS = ['overview', 'diagrams', 'parameters', 'secrets', 'encryption', 'access', 'rotation', 'monitoring', 'compliance', 'cost', 'operations'] as const;
export type SectionName = (typeof SECTIONS)[number];

let builtin: Promise<Templates> | undefined;
export function templates(): Promise<Templates> {
  return (builtin ??= loadTemplates());
}

export interface StackPage {
  readonly findings: readonly Finding[];
  readonly views: readonly View[];
  readonly built: BuiltPage;
  readonly markdown: string;
}

/** The page of `stack` as the pipeline makes it; `overrides` replace parts of the page input (e.g. the findings). */
export async function stackPage(estate: Estate, stack: string, overrides: Partial<PageInput> = {}): Promise<StackPage> {
  const findings = overrides.findings ?? evaluateRules(estate, stack);
  const views = overrides.views ?? DIAGRAMS.map((d) => VIEWS[d]({ estate, stack, findings }));
  const built = buildPageModel({ estate, stack, views, findings, cost: estimateCost(estate, stack), formats: FORMATS, ...overrides });
  return { findings, views, built, markdown: (await templates()).renderPage(built.model) };
}

/** The text of a `## heading` section of a page, up to the next `## ` heading. */
export function section(markdown: string, heading: string): string {
  const start = markdown.indexOf(`\n## ${heading}\n`);
  if (start === -1) throw new Error(`no section "## ${heading}"`);
  const end = markdown.indexOf('\n## ', start + 1);
  return markdown.slice(start + 1, end === -1 ? undefined : end + 1);
}
