/**
 * What every docs section reads: the store, the stack the page is for and its summary, the views,
 * findings and cost of the stack, the formats written beside the page, and the attachments (CSV
 * inventories) sections add.
 */

import type { CostEstimate, Finding } from '../../compliance/types.ts';
import type { Estate, StackSummary } from '../../estate/model.ts';
import { Store } from '../../estate/store.ts';
import type { View } from '../../views/types.ts';
import type { Attachment } from '../model.ts';

export interface PageInput {
  readonly estate: Estate;
  readonly stack: string;
  readonly views: readonly View[];
  readonly findings: readonly Finding[];
  readonly cost?: CostEstimate;
  /** Which files exist beside the page, by format. */
  readonly formats: { readonly svg: boolean; readonly png: boolean; readonly d2: boolean };
  /** Rows shown inline before an inventory goes to a CSV file (default PAGE_ROWS). */
  readonly pageRows?: number;
  /** Principals shown as matrix columns before the matrix is one row per principal (default MATRIX_MAX_COLUMNS). */
  readonly matrixMaxColumns?: number;
}

export interface PageContext {
  readonly input: PageInput;
  readonly store: Store;
  readonly estate: Estate;
  readonly stack: string;
  readonly summary: StackSummary;
  readonly pageRows: number;
  readonly matrixMaxColumns: number;
  /** Sections push the CSV files they externalise. */
  readonly attachments: Attachment[];
  /** The stack's own entities of a list. */
  mine<T extends { readonly stack: string }>(xs: readonly T[]): T[];
  /** ` (stack shared)` for an entity of another stack. */
  fromStack(x: { readonly stack: string }): string;
}

export function pageContext(input: PageInput, pageRows: number, matrixMaxColumns: number): PageContext {
  const store = Store.of(input.estate);
  const summary = store.stack(input.stack);
  return {
    input,
    store,
    estate: input.estate,
    stack: input.stack,
    summary,
    pageRows,
    matrixMaxColumns,
    attachments: [],
    mine: (xs) => store.inStack(xs, input.stack),
    fromStack: (x) => (x.stack === input.stack ? '' : ` (stack ${x.stack})`),
  };
}
