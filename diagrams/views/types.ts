/**
 * Views turn an Estate into D2 source text, one module per diagram. Text is the artefact that is
 * diffed and golden-tested; SVG and PNG are derived from it by diagrams/render.
 * A view is a pure function: no I/O, no clock, sorted input gives sorted output.
 */

import type { Finding } from '../compliance/types.ts';
import type { Estate } from '../estate/model.ts';

export const DIAGRAMS = [
  'parameter_store_hierarchy',
  'secrets_manager_integration',
  'application_secrets_workflow',
  'security_compliance_controls',
] as const;

export type DiagramName = (typeof DIAGRAMS)[number];

export interface ViewInput {
  readonly estate: Estate;
  /** The stack the diagram is for; entities of other stacks appear only where this stack uses them. */
  readonly stack: string;
  /** Compliance findings for this stack (from diagrams/compliance), drawn on the security view. */
  readonly findings: readonly Finding[];
}

export interface View {
  readonly name: DiagramName;
  /** The question the view answers, e.g. "Where does prod keep its configuration, and who reads it?". */
  readonly title: string;
  /** One sentence: what the diagram is for (used in the docs). */
  readonly purpose: string;
  /** The D2 source; undefined when the stack has nothing for this view (no image is made). */
  readonly d2: string | undefined;
  /** When there is nothing to draw: one sentence saying what is absent and what the view would show. */
  readonly absent?: string;
}

export type ViewFn = (input: ViewInput) => View;
