/**
 * A small, deliberately independent evaluator of IAM identity policies for the tests: Allow minus
 * Deny, wildcard matching of actions and resources (`*`, `?`), no conditions. It answers "may this
 * role call this action on this ARN?" from the policy documents attached to the role.
 */

export interface Stmt {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource?: string | string[];
  Principal?: unknown;
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface Doc {
  Version: string;
  Statement: Stmt[];
}

export function list(v: string | string[] | undefined): string[] {
  if (v === undefined) return [];
  return Array.isArray(v) ? v : [v];
}

/** IAM wildcard match: `*` any run of characters, `?` one character; actions case-insensitive. */
export function globMatch(pattern: string, value: string, caseInsensitive = false): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, caseInsensitive ? 'i' : '');
  return re.test(value);
}

function statementCovers(s: Stmt, action: string, resource: string): boolean {
  return list(s.Action).some((a) => globMatch(a, action, true)) && list(s.Resource).some((r) => globMatch(r, resource));
}

export function allows(docs: readonly Doc[], action: string, resource: string): boolean {
  const statements = docs.flatMap((d) => d.Statement);
  if (statements.some((s) => s.Effect === 'Deny' && statementCovers(s, action, resource))) return false;
  return statements.some((s) => s.Effect === 'Allow' && statementCovers(s, action, resource));
}

/** Allow statements granting `action` (by wildcard) with a `*` resource. */
export function wildcardGrants(docs: readonly Doc[], action: string): Stmt[] {
  return docs.flatMap((d) => d.Statement).filter((s) => s.Effect === 'Allow' && list(s.Action).some((a) => globMatch(a, action, true)) && list(s.Resource).includes('*'));
}

/** Shannon entropy in bits per character. */
export function entropy(s: string): number {
  const counts = new Map<string, number>();
  for (const c of s) counts.set(c, (counts.get(c) ?? 0) + 1);
  let h = 0;
  for (const n of counts.values()) {
    const p = n / s.length;
    h -= p * Math.log2(p);
  }
  return h;
}

/** A token that looks like generated key material: long, mixed letters and digits, high entropy. */
export function looksLikeSecret(token: string): boolean {
  if (token.length < 24) return false;
  if (!/^[A-Za-z0-9+/=_-]+$/.test(token)) return false;
  if (!/[0-9]/.test(token) || !/[a-z]/.test(token) || !/[A-Z]/.test(token)) return false;
  // A character alphabet ('ABC...xyz0123456789') is high-entropy but not a secret: mostly consecutive characters.
  let consecutive = 0;
  for (let i = 1; i < token.length; i++) if (token.charCodeAt(i) - token.charCodeAt(i - 1) === 1) consecutive++;
  if (consecutive > (token.length - 1) / 2) return false;
  return entropy(token) > 4.2;
}
