/**
 * The docs view model, assembled from one module per section (./sections/, matching the template
 * partials). Pure: no I/O, no clock; the same estate gives the same model and the same attachments.
 */

import type { CostEstimate, Finding } from '../compliance/types.ts';
import type { Store } from '../estate/store.ts';
import type { EstateJsonStack } from '../json/estate-reader.ts';
import type { View } from '../views/types.ts';
import { md } from './escape.ts';
import { AWS_KEY, keyLabel, MATRIX_MAX_COLUMNS, PAGE_ROWS, rotationLabel, sourceText } from './format.ts';
import type { Attachment, PageModel } from './model.ts';
import { accessSection } from './sections/access.ts';
import { complianceSection } from './sections/compliance.ts';
import { pageContext, type PageInput } from './sections/context.ts';
import { costSection } from './sections/cost.ts';
import { diagramsSection } from './sections/diagrams.ts';
import { encryptionSection } from './sections/encryption.ts';
import type { IndexStack } from './sections/index-page.ts';
import { monitoringSection } from './sections/monitoring.ts';
import { operationsSection } from './sections/operations.ts';
import { overviewSection } from './sections/overview.ts';
import { parametersSection } from './sections/parameters.ts';
import { rotationSection } from './sections/rotation.ts';
import { secretsSection } from './sections/secrets.ts';

export { code, md } from './escape.ts';
export { table, type IndexModel, type PageModel, type Table } from './model.ts';
export { buildIndex, INDEX_PROJECTS_INLINE, type BuiltIndex, type IndexInput, type IndexStack, type ProjectPage } from './sections/index-page.ts';
export type { PageInput } from './sections/context.ts';

export interface BuiltPage {
  readonly model: PageModel;
  /** CSV inventories to write beside the page. */
  readonly attachments: readonly Attachment[];
}

/** The page's sections, in the page's order (the templates' partials). */
const SECTIONS = [
  overviewSection,
  diagramsSection,
  parametersSection,
  secretsSection,
  encryptionSection,
  accessSection,
  rotationSection,
  monitoringSection,
  complianceSection,
  costSection,
  operationsSection,
] as const;

type Context = ReturnType<typeof pageContext>;

function pageHead(c: Context): Pick<PageModel, 'project' | 'stack' | 'title' | 'generatedFrom'> {
  const s = c.summary;
  return {
    project: md(s.project),
    stack: md(s.stack),
    title: `${md(s.project)} / ${md(s.stack)}: secrets and configuration architecture`,
    generatedFrom: md(sourceText(s)),
  };
}

export function buildPageModel(input: PageInput): BuiltPage {
  const c = pageContext(input, input.pageRows ?? PAGE_ROWS, input.matrixMaxColumns ?? MATRIX_MAX_COLUMNS);
  const model = Object.assign(pageHead(c), ...SECTIONS.map((section) => section(c))) as PageModel;
  return { model, attachments: c.attachments };
}

/**
 * `buildPageModel`, awaiting `pause` between sections: on a large stack the page takes seconds of
 * the main thread, and the renders that finish meanwhile (an SVG ready for the browser) are handed
 * on at the next pause instead of after the whole page. The same model.
 */
export async function buildPageModelPausing(input: PageInput, pause: () => Promise<void>): Promise<BuiltPage> {
  const c = pageContext(input, input.pageRows ?? PAGE_ROWS, input.matrixMaxColumns ?? MATRIX_MAX_COLUMNS);
  const model = pageHead(c);
  for (const section of SECTIONS) {
    await pause();
    Object.assign(model, section(c));
  }
  return { model: model as PageModel, attachments: c.attachments };
}

/** What the index needs of one stack, from the estate in memory (the same as `indexStackOfJson` gives from its estate.json). */
export function indexStack(store: Store, stack: string, findings: readonly Finding[], views: readonly View[], page: string | undefined, cost?: CostEstimate): IndexStack {
  const s = store.stack(stack);
  const params = store.inStack(store.estate.parameters, stack);
  const secrets = store.inStack(store.estate.secrets, stack);
  return {
    key: s.key,
    project: s.project,
    stack: s.stack,
    ...(s.environment !== undefined ? { environment: s.environment } : {}),
    source: sourceText(s),
    ...(s.deployedAt !== undefined ? { deployedAt: s.deployedAt } : {}),
    parameters: params.length,
    secrets: secrets.length,
    findingsNotMet: findings.filter((f) => f.status === 'not-met').length,
    diagrams: views.map((v) => ({ name: v.name, drawn: v.d2 !== undefined })),
    ...(page !== undefined ? { page } : {}),
    parity: {
      parameters: params.map((p) => {
        const env = store.environmentOf(p);
        return { name: p.path, ...(env !== undefined ? { environment: env } : {}), cell: p.type === 'SecureString' ? `SecureString (${keyLabel(store, p.keyUrn, p.keyId, AWS_KEY.ssm)})` : p.type };
      }),
      secrets: secrets.map((x) => {
        const env = store.environmentOf(x);
        return { name: x.name, ...(env !== undefined ? { environment: env } : {}), cell: `${keyLabel(store, x.keyUrn, x.keyId, AWS_KEY.secretsmanager)}, ${rotationLabel(x)}` };
      }),
    },
    ...(cost !== undefined ? { cost: cost.lines.map((l) => ({ item: l.item, quantity: l.quantity, unitPrice: l.unitPrice, monthly: l.monthly })) } : {}),
  };
}

/**
 * What the index needs of one stack, from its estate.json (`page`: the stack's page relative to the
 * index, when there is one). The same stack gives the same entry as `indexStack` from memory.
 */
export function indexStackOfJson(doc: EstateJsonStack, page: string | undefined): IndexStack {
  const { deployedAt, pulumiVersion } = doc.source;
  return {
    key: `${doc.project}/${doc.stack}`,
    project: doc.project,
    stack: doc.stack,
    ...(doc.environment !== undefined ? { environment: doc.environment } : {}),
    source: sourceText({ project: doc.project, stack: doc.stack, source: doc.source, ...(deployedAt !== undefined ? { deployedAt } : {}), ...(pulumiVersion !== undefined ? { pulumiVersion } : {}) }),
    ...(deployedAt !== undefined ? { deployedAt } : {}),
    parameters: doc.parameters.length,
    secrets: doc.secrets.length,
    findingsNotMet: doc.findings.filter((f) => f.status === 'not met').length,
    diagrams: doc.diagrams.map((d) => ({ name: d.name, drawn: d.drawn })),
    ...(page !== undefined ? { page } : {}),
    parity: {
      parameters: doc.parameters.map((p) => ({ name: p.name, ...(p.environment !== undefined ? { environment: p.environment } : {}), cell: p.type === 'SecureString' ? `SecureString${p.key !== undefined ? ` (${p.key})` : ''}` : p.type })),
      secrets: doc.secrets.map((x) => ({ name: x.name, ...(x.environment !== undefined ? { environment: x.environment } : {}), cell: `${x.key}, ${x.rotation.label}` })),
    },
    ...(doc.cost !== undefined ? { cost: doc.cost.lines.map((l) => ({ item: l.item, quantity: l.quantity, unitPrice: l.unitPrice, monthly: l.monthly })) } : {}),
  };
}
