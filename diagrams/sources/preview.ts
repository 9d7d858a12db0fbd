/**
 * Preview reader (`--preview <file>`): `pulumi preview --json` output,
 * `{config, steps[{op, urn, oldState, newState, provider, ...}], changeSummary}`.
 *
 * The graph is the planned state: each step's `newState`, or its `oldState` when the step has no new
 * state (a delete). A resource planned for deletion stays in the graph with plannedOp `delete`, so a
 * reviewer sees what goes away; views can grey it out. The several steps of one replacement
 * (`create-replacement`, `replace`, `delete-replaced`) collapse into one resource with plannedOp
 * `replace` and the new state. Unknown values (the engine's unknown marker) become UNKNOWN.
 *
 * Must not import the Pulumi SDK.
 */

import { GeneratorError, describeInput } from '../errors.ts';
import { buildGraph, parseUrn, type RawResource } from '../graph/graph.ts';
import type { PlannedOp, ResourceGraph } from '../graph/types.ts';
import { parseJsonBytes, readInput, type ReadOptions } from './json.ts';

/** Engine step ops -> planned operation. `undefined` drops the step (it changes no live resource). */
export const OPS: Readonly<Record<string, PlannedOp | undefined>> = {
  same: 'same',
  create: 'create',
  update: 'update',
  delete: 'delete',
  replace: 'replace',
  'create-replacement': 'replace',
  'delete-replaced': 'replace',
  read: 'read',
  'read-replacement': 'read',
  refresh: 'refresh',
  discard: 'discard',
  'discard-replaced': 'discard',
  import: 'import',
  'import-replacement': 'import',
  'remove-pending-replace': undefined,
};

/** When several steps name one URN, the stronger op wins. */
export const OP_RANK: Readonly<Record<PlannedOp, number>> = {
  same: 0,
  refresh: 1,
  read: 2,
  update: 3,
  import: 4,
  create: 5,
  discard: 6,
  delete: 7,
  replace: 8,
};

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A graph row from a step's `oldState` or `newState`, with the planned op when given. */
export function rowFromState(urn: string, s: Record<string, unknown>, jsonPath: string, plannedOp?: PlannedOp): RawResource {
  return {
    urn,
    type: s.type,
    custom: s.custom,
    id: s.id,
    parent: s.parent,
    provider: s.provider,
    protect: s.protect,
    external: s.external,
    inputs: s.inputs,
    outputs: s.outputs,
    dependencies: s.dependencies,
    propertyDependencies: s.propertyDependencies,
    additionalSecretOutputs: s.additionalSecretOutputs,
    ...(plannedOp !== undefined ? { plannedOp } : {}),
    jsonPath,
  };
}

export async function readPreviewFile(location: string, opts: ReadOptions = {}): Promise<ResourceGraph> {
  const bytes = await readInput(location, opts, '--preview');
  return graphFromPreviewDocument(parseJsonBytes(bytes, location), location, { adopt: true });
}

/** `adopt`: the caller hands the parsed document over (redacted and frozen in place); otherwise it is not touched. */
export function graphFromPreviewDocument(doc: unknown, location: string, opts: { adopt?: boolean } = {}): ResourceGraph {
  const expected = '`pulumi preview --json` output `{"config", "steps": [...], "changeSummary"}`';
  if (!isObject(doc)) throw new GeneratorError('input', 'wrong top-level shape for a preview', { subject: location, jsonPath: '$', expected });
  if (!Array.isArray(doc.steps)) {
    const hint = 'deployment' in doc || 'checkpoint' in doc || 'latest' in doc ? ' (this looks like a state file: pass it with --state)' : '';
    throw new GeneratorError('input', `no \`steps\` array${hint}`, { subject: location, jsonPath: '$.steps', expected });
  }

  interface Planned {
    op: PlannedOp;
    state: Record<string, unknown>;
    path: string;
    fromNew: boolean;
  }
  const byUrn = new Map<string, Planned>();
  doc.steps.forEach((step: unknown, i: number) => {
    const path = `$.steps[${i}]`;
    if (!isObject(step)) throw new GeneratorError('input', 'step is not an object', { subject: location, jsonPath: path, expected: '{op, urn, oldState, newState}' });
    if (typeof step.op !== 'string' || !(step.op in OPS)) {
      // describeInput never stringifies the value: an op may be any JSON, nested to any depth.
      throw new GeneratorError('input', `unknown step op ${describeInput(step.op)}`, {
        subject: location,
        jsonPath: `${path}.op`,
        expected: Object.keys(OPS).join(', '),
      });
    }
    const op = OPS[step.op];
    if (op === undefined) return;
    const fromNew = isObject(step.newState);
    const state = fromNew ? (step.newState as Record<string, unknown>) : isObject(step.oldState) ? step.oldState : undefined;
    const urn = typeof step.urn === 'string' ? step.urn : typeof state?.urn === 'string' ? state.urn : undefined;
    if (urn === undefined) throw new GeneratorError('input', 'step without a URN', { subject: location, jsonPath: `${path}.urn`, expected: 'a URN string' });
    const s: Record<string, unknown> = state ?? { urn, type: parseUrn(urn)?.type, custom: true };
    const prev = byUrn.get(urn);
    if (prev === undefined) {
      byUrn.set(urn, { op, state: s, path: fromNew ? `${path}.newState` : `${path}.oldState`, fromNew });
    } else {
      const strongerOp = OP_RANK[op] > OP_RANK[prev.op] ? op : prev.op;
      // Keep a new state over an old one.
      const useThis = fromNew && !prev.fromNew;
      byUrn.set(urn, useThis ? { op: strongerOp, state: s, path: fromNew ? `${path}.newState` : `${path}.oldState`, fromNew } : { ...prev, op: strongerOp });
    }
  });

  const rows: RawResource[] = [];
  for (const [urn, p] of byUrn) rows.push(rowFromState(urn, p.state, p.path, p.op));

  // Names from the Stack step, else from any URN (buildGraph).
  const stackUrn = [...byUrn.keys()].find((u) => parseUrn(u)?.type === 'pulumi:pulumi:Stack');
  const names = stackUrn !== undefined ? parseUrn(stackUrn) : undefined;
  const namesPath = stackUrn !== undefined ? `${byUrn.get(stackUrn)!.path}.urn` : undefined;
  return buildGraph({
    ...(names ? { project: names.project, stack: names.stack, projectPath: namesPath, stackPath: namesPath } : {}),
    source: { kind: 'preview', location, format: 'preview' },
    ...configRegion(doc.config),
    resources: rows,
    resourcesPath: '$.steps',
    adoptInput: opts.adopt === true,
  });
}

/** The `aws:region` of a preview's `config` (plain text; a secret config value carries no region). */
function configRegion(config: unknown): { region?: string } {
  const v = isObject(config) ? config['aws:region'] : undefined;
  return typeof v === 'string' && /^[a-z]{2}(-[a-z]+)+-\d+$/.test(v) ? { region: v } : {};
}
