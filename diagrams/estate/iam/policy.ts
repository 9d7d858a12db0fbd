/**
 * IAM policy documents: `parsePolicyDocument` reads a document given as a JSON string or an object
 * (Statement object or array, Action/NotAction string or array, Principal `*` or map, Condition map)
 * into the estate's PolicyDocument. It never throws: an unreadable or unknown document comes back
 * with `unknown: true` and the statements that could be read.
 */

import { REDACTED, UNKNOWN } from '../../graph/types.ts';
import type { Condition, PolicyDocument, PolicyStatement, Principals } from '../model.ts';

// ─── Parsing ────────────────────────────────────────────────────────────────────────

const EMPTY_DOC: PolicyDocument = Object.freeze({ statements: Object.freeze([]), unknown: true });

function asList(v: unknown): { values: string[]; unknown: boolean } {
  if (v === undefined || v === null) return { values: [], unknown: false };
  if (typeof v === 'string') return { values: [v], unknown: v === UNKNOWN || v === REDACTED };
  if (Array.isArray(v)) {
    let unknown = false;
    const values: string[] = [];
    for (const x of v) {
      if (typeof x === 'string') {
        values.push(x);
        if (x === UNKNOWN || x === REDACTED) unknown = true;
      } else if (typeof x === 'number') values.push(String(x));
      else unknown = true;
    }
    return { values, unknown };
  }
  return { values: [], unknown: true };
}

function parsePrincipals(v: unknown): { p?: Principals; unknown: boolean } {
  if (v === undefined || v === null) return { unknown: false };
  if (v === '*') return { p: { any: true }, unknown: false };
  if (typeof v === 'string') return { p: {}, unknown: true };
  if (typeof v !== 'object' || Array.isArray(v)) return { p: {}, unknown: true };
  const o = v as Record<string, unknown>;
  let unknown = false;
  const p: { AWS?: string[]; Service?: string[]; Federated?: string[]; any?: boolean } = {};
  for (const k of Object.keys(o)) {
    const l = asList(o[k]);
    unknown ||= l.unknown;
    const key = k.toLowerCase();
    if (key === 'aws') {
      p.AWS = l.values.slice().sort();
      if (l.values.includes('*')) p.any = true;
    } else if (key === 'service') p.Service = l.values.slice().sort();
    else if (key === 'federated') p.Federated = l.values.slice().sort();
    // CanonicalUser and others are not modelled
  }
  return { p, unknown };
}

function parseConditions(v: unknown): { conditions: Condition[]; unknown: boolean } {
  if (v === undefined || v === null) return { conditions: [], unknown: false };
  if (typeof v !== 'object' || Array.isArray(v)) return { conditions: [], unknown: true };
  const conditions: Condition[] = [];
  let unknown = false;
  const ops = v as Record<string, unknown>;
  for (const operator of Object.keys(ops).sort()) {
    const keys = ops[operator];
    if (keys === null || typeof keys !== 'object' || Array.isArray(keys)) {
      unknown = true;
      continue;
    }
    for (const key of Object.keys(keys as object).sort()) {
      const raw = (keys as Record<string, unknown>)[key];
      const l = typeof raw === 'boolean' ? { values: [String(raw)], unknown: false } : asList(raw);
      unknown ||= l.unknown;
      conditions.push({ operator, key, values: l.values });
    }
  }
  return { conditions, unknown };
}

function field(o: Record<string, unknown>, name: string): unknown {
  if (name in o) return o[name];
  const lower = name.toLowerCase();
  for (const k of Object.keys(o)) if (k.toLowerCase() === lower) return o[k];
  return undefined;
}

/**
 * Parse a policy document given as a JSON string or an object. Never throws.
 * `unknown` is true when any part could not be read (UNKNOWN or REDACTED markers, bad JSON).
 */
export function parsePolicyDocument(value: unknown): PolicyDocument {
  let v: unknown = value;
  if (v === undefined || v === null || v === '') return EMPTY_DOC;
  if (typeof v === 'string') {
    if (v === UNKNOWN || v === REDACTED) return EMPTY_DOC;
    try {
      v = JSON.parse(v);
    } catch {
      return EMPTY_DOC;
    }
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return EMPTY_DOC;
  const doc = v as Record<string, unknown>;
  let unknown = false;
  const rawStatements = field(doc, 'Statement');
  const list: unknown[] =
    rawStatements === undefined ? [] : Array.isArray(rawStatements) ? rawStatements : [rawStatements];
  if (rawStatements === UNKNOWN || rawStatements === REDACTED) unknown = true;
  const statements: PolicyStatement[] = [];
  for (const raw of list) {
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
      unknown = true;
      continue;
    }
    const s = raw as Record<string, unknown>;
    const effectRaw = field(s, 'Effect');
    if (effectRaw !== 'Allow' && effectRaw !== 'Deny') {
      unknown = true;
      continue;
    }
    const st: {
      sid?: string;
      effect: 'Allow' | 'Deny';
      actions?: string[];
      notActions?: string[];
      resources?: string[];
      notResources?: string[];
      principals?: Principals;
      notPrincipals?: Principals;
      conditions: Condition[];
    } = { effect: effectRaw, conditions: [] };
    const sid = field(s, 'Sid');
    if (typeof sid === 'string' && sid !== '') st.sid = sid;
    const action = field(s, 'Action');
    const notAction = field(s, 'NotAction');
    if (action !== undefined) {
      const l = asList(action);
      st.actions = l.values;
      unknown ||= l.unknown;
    } else if (notAction !== undefined) {
      const l = asList(notAction);
      st.notActions = l.values;
      unknown ||= l.unknown;
    } else {
      st.actions = [];
    }
    const resource = field(s, 'Resource');
    const notResource = field(s, 'NotResource');
    if (resource !== undefined) {
      const l = asList(resource);
      st.resources = l.values;
      unknown ||= l.unknown;
    } else if (notResource !== undefined) {
      const l = asList(notResource);
      st.notResources = l.values;
      unknown ||= l.unknown;
    }
    const pr = parsePrincipals(field(s, 'Principal'));
    if (pr.p) st.principals = pr.p;
    unknown ||= pr.unknown;
    const npr = parsePrincipals(field(s, 'NotPrincipal'));
    if (npr.p) st.notPrincipals = npr.p;
    unknown ||= npr.unknown;
    const c = parseConditions(field(s, 'Condition'));
    st.conditions = c.conditions;
    unknown ||= c.unknown;
    statements.push(st);
  }
  const version = field(doc, 'Version');
  const out: { version?: string; statements: PolicyStatement[]; unknown: boolean } = { statements, unknown };
  if (typeof version === 'string') out.version = version;
  return out;
}

