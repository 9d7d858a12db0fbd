/**
 * Policy statements (as estate.json holds them: the estate model's PolicyStatement) as one line of
 * text each, and the difference between two lists of them: statements with a `sid` are matched by
 * it, the others by their text. Plain text; the renderers escape it.
 */

import { compareStrings } from '../util/collections.ts';
import type { PropertyChange } from './types.ts';

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

function principalsText(v: unknown): string | undefined {
  if (!isObj(v)) return undefined;
  const parts: string[] = [];
  if (v.any === true) parts.push('*');
  for (const k of ['AWS', 'Service', 'Federated']) for (const p of strings(v[k])) parts.push(`${k}:${p}`);
  return parts.length > 0 ? parts.join(', ') : undefined;
}

function conditionsText(v: unknown): string | undefined {
  if (!Array.isArray(v)) return undefined;
  const parts = v.filter(isObj).map((c) => `${String(c.operator)} ${String(c.key)} = ${strings(c.values).join(' | ')}`);
  return parts.length > 0 ? parts.join('; ') : undefined;
}

/** `Allow ssm:GetParameter on arn:... to AWS:arn:... if StringEquals kms:ViaService = ssm...`. */
export function statementText(st: unknown): string {
  if (!isObj(st)) return 'unreadable statement';
  const effect = st.effect === 'Deny' ? 'Deny' : 'Allow';
  const actions = st.notActions !== undefined ? `every action except ${strings(st.notActions).join(', ')}` : strings(st.actions).join(', ') || 'no action';
  const resources = st.notResources !== undefined ? ` on every resource except ${strings(st.notResources).join(', ')}` : st.resources !== undefined ? ` on ${strings(st.resources).join(', ')}` : '';
  const to = principalsText(st.principals);
  const notTo = principalsText(st.notPrincipals);
  const cond = conditionsText(st.conditions);
  return `${effect} ${actions}${resources}${to ? ` to ${to}` : ''}${notTo ? ` to everyone but ${notTo}` : ''}${cond ? ` if ${cond}` : ''}`;
}

function sidOf(st: unknown): string | undefined {
  return isObj(st) && typeof st.sid === 'string' && st.sid !== '' ? st.sid : undefined;
}

/**
 * The statements that differ between two lists, as property changes named `<what> statement <sid>`
 * (or `<what> statement` for one without a sid; `statement ...` when `what` is empty): changed (same sid, other text), added, removed.
 */
export function statementChanges(what: string, base: readonly unknown[] | undefined, head: readonly unknown[] | undefined): PropertyChange[] {
  const index = (list: readonly unknown[] | undefined) => {
    const bySid = new Map<string, string>();
    const plain = new Map<string, number>();
    for (const st of list ?? []) {
      const sid = sidOf(st);
      const text = statementText(st);
      if (sid !== undefined && !bySid.has(sid)) bySid.set(sid, text);
      else plain.set(text, (plain.get(text) ?? 0) + 1);
    }
    return { bySid, plain };
  };
  const label = what === '' ? 'statement' : `${what} statement`;
  const b = index(base);
  const h = index(head);
  const out: PropertyChange[] = [];
  const sids = [...new Set([...b.bySid.keys(), ...h.bySid.keys()])].sort(compareStrings);
  for (const sid of sids) {
    const x = b.bySid.get(sid);
    const y = h.bySid.get(sid);
    if (x === y) continue;
    out.push({ property: `${label} ${sid}`, ...(x !== undefined ? { base: x } : {}), ...(y !== undefined ? { head: y } : {}) });
  }
  const texts = [...new Set([...b.plain.keys(), ...h.plain.keys()])].sort(compareStrings);
  for (const t of texts) {
    const n = (b.plain.get(t) ?? 0) - (h.plain.get(t) ?? 0);
    for (let i = 0; i < Math.abs(n); i++) out.push({ property: label, ...(n > 0 ? { base: t } : { head: t }) });
  }
  return out;
}
