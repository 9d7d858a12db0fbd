/**
 * Environment parity changes: per project, each parameter and secret named relative to its
 * environment (`api/new-flag` for `/app/prod/api/new-flag`), with what it is in each environment
 * (a parameter's type and key, a secret's key and rotation). A row changes parity when what it is in
 * some environment changes and it is not the same in every environment on at least one side: a
 * parameter added to prod only, a type changed in one environment. A name added to every
 * environment alike is a resource change, not a parity change.
 */

import { compareStrings } from '../util/collections.ts';
import type { EstateDoc, ParityChange } from './types.ts';

type Cells = Map<string, Map<string, string>>;

/** The part of a name after its environment segment; undefined when no segment names the environment. */
function relativeToEnv(name: string, env: string): string | undefined {
  const parts = name.split('/');
  const i = parts.findIndex((p) => p.toLowerCase() === env.toLowerCase());
  return i === -1 || i === parts.length - 1 ? undefined : parts.slice(i + 1).join('/');
}

function cells(docs: readonly EstateDoc[]): { cells: Cells; envs: Map<string, Set<string>> } {
  const out: Cells = new Map();
  const envs = new Map<string, Set<string>>();
  const put = (project: string, kind: string, name: string, env: string | undefined, cell: string) => {
    if (env === undefined) return;
    const rel = relativeToEnv(name, env);
    if (rel === undefined) return;
    const k = `${project}\u0000${kind}\u0000${rel}`;
    (out.get(k) ?? out.set(k, new Map()).get(k)!).set(env, cell);
  };
  for (const d of docs) {
    if (d.environment === undefined) continue;
    (envs.get(d.project) ?? envs.set(d.project, new Set()).get(d.project)!).add(d.environment);
    for (const p of d.parameters) put(d.project, 'parameter', p.name, p.environment ?? d.environment, p.type === 'SecureString' ? `SecureString (${p.key ?? 'default key'})` : p.type);
    for (const s of d.secrets) put(d.project, 'secret', s.name, s.environment ?? d.environment, `${s.key}, ${s.rotation.label}`);
  }
  return { cells: out, envs };
}

function same(row: Map<string, string> | undefined, envs: ReadonlySet<string> | undefined): boolean {
  if (row === undefined || envs === undefined || envs.size < 2) return true;
  const values = new Set([...envs].map((e) => row.get(e) ?? '\u0000missing'));
  return values.size === 1;
}

const asRecord = (m: Map<string, string> | undefined): Record<string, string> => Object.fromEntries([...(m ?? new Map<string, string>())].sort(([a], [b]) => compareStrings(a, b)));

export function compareParity(base: readonly EstateDoc[], head: readonly EstateDoc[]): ParityChange[] {
  const b = cells(base);
  const h = cells(head);
  const out: ParityChange[] = [];
  for (const k of [...new Set([...b.cells.keys(), ...h.cells.keys()])].sort(compareStrings)) {
    const [project, kind, name] = k.split('\u0000') as [string, 'parameter' | 'secret', string];
    const x = b.cells.get(k);
    const y = h.cells.get(k);
    const bx = asRecord(x);
    const hy = asRecord(y);
    if (JSON.stringify(bx) === JSON.stringify(hy)) continue;
    const baseSame = x === undefined ? true : same(x, b.envs.get(project));
    const headSame = y === undefined ? true : same(y, h.envs.get(project));
    if (baseSame && headSame) continue;
    out.push({ project, kind, name, base: bx, head: hy, baseSame, headSame });
  }
  return out;
}
