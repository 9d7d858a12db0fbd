/**
 * Reads an estate.json (written by ./estate-json.ts, documented in docs/estate-json.md) back into
 * typed data: the parts an organisation's index needs, which are stable within schema version 1:
 * the stack's identity and source, its diagrams, parameters and secrets (properties, never
 * values), findings and cost. Nothing else is read (the principals' shape, say, may grow).
 *
 * Every field read is checked; a file that is not JSON, not an estate.json, of another schema
 * version, or missing a field is a GeneratorError naming the file and the JSON path, and saying
 * what is accepted. Fields this reader does not know are ignored (a version may add fields).
 */

import { promises as fs } from 'node:fs';
import { describeInput, GeneratorError } from '../errors.ts';
import { ESTATE_JSON_NAME, ESTATE_JSON_SCHEMA_VERSION } from './estate-json.ts';
import { GENERATOR } from '../util/generator.ts';

export type FindingStatusJson = 'met' | 'not met' | 'not applicable';

export interface EstateJsonStack {
  readonly schemaVersion: typeof ESTATE_JSON_SCHEMA_VERSION;
  readonly key: string;
  readonly project: string;
  readonly stack: string;
  readonly environment?: string;
  readonly source: { readonly kind: string; readonly format: string; readonly deployedAt?: string; readonly pulumiVersion?: string };
  readonly diagrams: readonly { readonly name: string; readonly drawn: boolean }[];
  readonly parameters: readonly { readonly name: string; readonly type: string; readonly key?: string; readonly environment?: string }[];
  readonly secrets: readonly { readonly name: string; readonly key: string; readonly rotation: { readonly enabled: boolean; readonly label: string }; readonly environment?: string }[];
  readonly findings: readonly { readonly id: string; readonly severity: string; readonly status: FindingStatusJson }[];
  readonly cost?: {
    readonly total: number;
    readonly pricesAsOf: string;
    readonly lines: readonly { readonly item: string; readonly quantity: number; readonly unitPrice: number; readonly monthly: number }[];
  };
}

const ACCEPTED = `an ${ESTATE_JSON_NAME} written by \`generate --format json\` (schemaVersion ${ESTATE_JSON_SCHEMA_VERSION}, docs/estate-json.md)`;
const STATUSES: readonly FindingStatusJson[] = ['met', 'not met', 'not applicable'];

type Obj = Record<string, unknown>;

/** Field readers that name the file and the JSON path of what is wrong. */
function reader(file: string) {
  const fail = (path: string, what: string, expected: string): never => {
    throw new GeneratorError('input', what, { subject: file, jsonPath: path, expected });
  };
  const obj = (v: unknown, path: string): Obj => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : fail(path, `is ${describeInput(v)}`, 'an object'));
  const list = (v: unknown, path: string): unknown[] => (Array.isArray(v) ? v : fail(path, `is ${describeInput(v)}`, 'an array'));
  const str = (o: Obj, k: string, path: string): string => (typeof o[k] === 'string' ? (o[k] as string) : fail(`${path}.${k}`, `is ${describeInput(o[k])}`, 'a string'));
  const optStr = (o: Obj, k: string, path: string): string | undefined => (o[k] === undefined || o[k] === null ? undefined : str(o, k, path));
  const num = (o: Obj, k: string, path: string): number => (typeof o[k] === 'number' && Number.isFinite(o[k]) ? (o[k] as number) : fail(`${path}.${k}`, `is ${describeInput(o[k])}`, 'a number'));
  const bool = (o: Obj, k: string, path: string): boolean => (typeof o[k] === 'boolean' ? (o[k] as boolean) : fail(`${path}.${k}`, `is ${describeInput(o[k])}`, 'true or false'));
  const items = <T>(o: Obj, k: string, path: string, each: (x: Obj, p: string) => T): T[] => list(o[k], `${path}.${k}`).map((x, i) => each(obj(x, `${path}.${k}[${i}]`), `${path}.${k}[${i}]`));
  return { fail, obj, str, optStr, num, bool, items };
}

const opt = <K extends string, V>(k: K, v: V | undefined): { [P in K]?: V } => (v === undefined ? {} : ({ [k]: v } as { [P in K]: V }));

/** The header checks: an object of this generator and of the schema version this reader knows. */
function checkHeader(root: Obj, r: ReturnType<typeof reader>): void {
  if (root.generator !== GENERATOR || root.schemaVersion === undefined) {
    r.fail('$', root.generator === undefined ? 'is not an estate.json (no `generator` and `schemaVersion`)' : `was written by ${describeInput(root.generator)}`, ACCEPTED);
  }
  if (root.schemaVersion !== ESTATE_JSON_SCHEMA_VERSION) {
    r.fail('$.schemaVersion', `schema version ${describeInput(root.schemaVersion)} is not one this generator reads`, ACCEPTED);
  }
}

/** Parses and checks the text of an estate.json; `file` names it in errors. */
export function parseEstateJson(text: string, file: string): EstateJsonStack {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new GeneratorError('input', `not valid JSON (${(e as Error).message.split('\n')[0]})`, { subject: file, expected: ACCEPTED });
  }
  const r = reader(file);
  const root = r.obj(raw, '$');
  checkHeader(root, r);
  // Fields are checked in the order the file lists them.
  const identity = { key: r.str(root, 'key', '$'), project: r.str(root, 'project', '$'), stack: r.str(root, 'stack', '$'), ...opt('environment', r.optStr(root, 'environment', '$')) };
  const source = r.obj(root.source, '$.source');
  return {
    schemaVersion: ESTATE_JSON_SCHEMA_VERSION,
    ...identity,
    source: { kind: r.str(source, 'kind', '$.source'), format: r.str(source, 'format', '$.source'), ...opt('deployedAt', r.optStr(source, 'deployedAt', '$.source')), ...opt('pulumiVersion', r.optStr(source, 'pulumiVersion', '$.source')) },
    diagrams: r.items(root, 'diagrams', '$', (d, p) => ({ name: r.str(d, 'name', p), drawn: r.bool(d, 'drawn', p) })),
    parameters: r.items(root, 'parameters', '$', (x, p) => ({ name: r.str(x, 'name', p), type: r.str(x, 'type', p), ...opt('key', r.optStr(x, 'key', p)), ...opt('environment', r.optStr(x, 'environment', p)) })),
    secrets: r.items(root, 'secrets', '$', (x, p) => {
      const rot = r.obj(x.rotation, `${p}.rotation`);
      return { name: r.str(x, 'name', p), key: r.str(x, 'key', p), rotation: { enabled: r.bool(rot, 'enabled', `${p}.rotation`), label: r.str(rot, 'label', `${p}.rotation`) }, ...opt('environment', r.optStr(x, 'environment', p)) };
    }),
    findings: r.items(root, 'findings', '$', (f, p) => {
      const status = r.str(f, 'status', p);
      if (!(STATUSES as readonly string[]).includes(status)) r.fail(`${p}.status`, `is ${describeInput(status)}`, STATUSES.join(', '));
      return { id: r.str(f, 'id', p), severity: r.str(f, 'severity', p), status: status as FindingStatusJson };
    }),
    ...opt('cost', costOf(root, r)),
  };
}

/** `cost`, or undefined when it is null (no estimate). */
function costOf(root: Obj, r: ReturnType<typeof reader>): EstateJsonStack['cost'] {
  if (root.cost === null || root.cost === undefined) return undefined;
  const cost = r.obj(root.cost, '$.cost');
  return {
    total: r.num(cost, 'total', '$.cost'),
    pricesAsOf: r.str(cost, 'pricesAsOf', '$.cost'),
    lines: r.items(cost, 'lines', '$.cost', (l, p) => ({ item: r.str(l, 'item', p), quantity: r.num(l, 'quantity', p), unitPrice: r.num(l, 'unitPrice', p), monthly: r.num(l, 'monthly', p) })),
  };
}

/** Reads an estate.json file; `shown` names it in errors (default: the path as given). */
export async function readEstateJson(file: string, shown: string = file): Promise<EstateJsonStack> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    throw new GeneratorError('input', `cannot read the file: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { subject: shown, expected: ACCEPTED });
  }
  return parseEstateJson(text, shown);
}
