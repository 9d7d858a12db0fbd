/**
 * IAM matching helpers for the compliance rules: action and resource globs, the actions that read
 * or write parameters and secrets, and the names that say a parameter holds a secret.
 *
 * Pure functions over the Estate's parsed policy statements; nothing here knows a stack or a rule.
 * Matching is deliberately conservative: a `NotAction` or `NotResource` in an Allow is treated as
 * granting everything it does not exclude.
 */

import type { PolicyStatement } from '../estate/model.ts';

/** IAM glob (`*` any run, `?` one character) as an anchored regular expression. */
function globRegex(pattern: string, caseInsensitive: boolean): RegExp {
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`, caseInsensitive ? 'is' : 's');
}

const regexCache = new Map<string, RegExp>();

/** Whether an IAM glob matches a value. Actions are case-insensitive in IAM; ARNs are not. */
export function globMatch(pattern: string, value: string, caseInsensitive = false): boolean {
  const key = `${caseInsensitive ? 'i' : 's'}:${pattern}`;
  let re = regexCache.get(key);
  if (re === undefined) {
    re = globRegex(pattern, caseInsensitive);
    regexCache.set(key, re);
  }
  return re.test(value);
}

/** Does the statement's Action/NotAction cover this action (e.g. `secretsmanager:GetSecretValue`)? */
export function coversAction(st: PolicyStatement, action: string): boolean {
  if (st.actions !== undefined) return st.actions.some((a) => globMatch(a, action, true));
  if (st.notActions !== undefined) return !st.notActions.some((a) => globMatch(a, action, true));
  return false;
}

/** The actions of `candidates` that an Allow statement grants. */
export function grantedActions(st: PolicyStatement, candidates: readonly string[]): string[] {
  if (st.effect !== 'Allow') return [];
  return candidates.filter((a) => coversAction(st, a));
}

export const PARAMETER_READ = [
  'ssm:GetParameter',
  'ssm:GetParameters',
  'ssm:GetParametersByPath',
  'ssm:GetParameterHistory',
] as const;

export const SECRET_READ = ['secretsmanager:GetSecretValue', 'secretsmanager:BatchGetSecretValue'] as const;

/** Actions that change a secret's value or stages: what a rotation needs, and nobody else. */
export const SECRET_ROTATE = ['secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecretVersionStage'] as const;

export const SECRET_WRITE = [
  ...SECRET_ROTATE,
  'secretsmanager:UpdateSecret',
  'secretsmanager:DeleteSecret',
  'secretsmanager:CreateSecret',
  'secretsmanager:RestoreSecret',
  'secretsmanager:RotateSecret',
  'secretsmanager:PutResourcePolicy',
  'secretsmanager:DeleteResourcePolicy',
  'secretsmanager:RemoveRegionsFromReplication',
  'secretsmanager:ReplicateSecretToRegions',
] as const;

export const PARAMETER_WRITE = [
  'ssm:PutParameter',
  'ssm:DeleteParameter',
  'ssm:DeleteParameters',
  'ssm:LabelParameterVersion',
  'ssm:UnlabelParameterVersion',
] as const;

export const KEY_ADMIN = [
  'kms:ScheduleKeyDeletion',
  'kms:DisableKey',
  'kms:PutKeyPolicy',
  'kms:DisableKeyRotation',
  'kms:CreateGrant',
] as const;

/** Action wildcards that grant a whole service (or everything) at once. */
export function serviceWildcards(st: PolicyStatement): string[] {
  if (st.effect !== 'Allow') return [];
  if (st.notActions !== undefined) return [`NotAction ${st.notActions.join(',')}`];
  return (st.actions ?? []).filter((a) => /^(\*|(ssm|secretsmanager|kms):\*)$/i.test(a));
}

// ─── Resources ──────────────────────────────────────────────────────────────────────

export type Store = 'ssm' | 'secretsmanager';

interface ParsedArn {
  readonly service: string;
  readonly resource: string;
}

function parseArnPattern(pattern: string): ParsedArn | undefined {
  if (!pattern.startsWith('arn:')) return undefined;
  const parts = pattern.split(':');
  if (parts.length < 6) return undefined;
  return { service: parts[2] ?? '', resource: parts.slice(5).join(':') };
}

/**
 * Does an Allow statement's resource pattern reach every parameter (ssm) or every secret
 * (secretsmanager) of the account? `*`, a service wildcard, `parameter/*`, `secret:*`, or a
 * NotResource all count.
 */
export function wideResources(st: PolicyStatement, store: Store): string[] {
  if (st.notResources !== undefined) return [`NotResource ${st.notResources.join(',')}`];
  const out: string[] = [];
  for (const r of st.resources ?? []) {
    if (r === '*') {
      out.push(r);
      continue;
    }
    const arn = parseArnPattern(r);
    if (arn === undefined || !globMatch(arn.service, store)) continue;
    const probe = store === 'ssm' ? 'parameter/__any__/__path__' : 'secret:__any__/__name__-AbCdEf';
    const probeNoSlash = store === 'ssm' ? 'parameter__any__' : 'secret:__any__';
    if (globMatch(arn.resource, probe) || globMatch(arn.resource, probeNoSlash)) out.push(r);
  }
  return out;
}

/** A parameter path as the resource part of its ARN (`parameter/a/b` for `/a/b`). */
function parameterResource(path: string): string {
  return `parameter${path.startsWith('/') ? '' : '/'}${path}`;
}

/**
 * Does a statement's resource list reach this parameter path or secret name, whatever the
 * region and account? Secret ARNs end in a random six-character suffix, matched both ways.
 */
export function reachesName(st: PolicyStatement, store: Store, name: string): boolean {
  const candidates =
    store === 'ssm' ? [parameterResource(name)] : [`secret:${name}`, `secret:${name}-AbCdEf`];
  const hit = (pattern: string): boolean => {
    if (pattern === '*') return true;
    const arn = parseArnPattern(pattern);
    if (arn === undefined || !globMatch(arn.service, store)) return false;
    return candidates.some((c) => globMatch(arn.resource, c));
  };
  if (st.notResources !== undefined) return !st.notResources.some(hit);
  return (st.resources ?? []).some(hit);
}

// ─── Names that say "secret" ───────────────────────────────────────────────────────

const SECRET_WORDS: ReadonlySet<string> = new Set([
  'password',
  'passwd',
  'pwd',
  'passphrase',
  'secret',
  'secrets',
  'token',
  'tokens',
  'credential',
  'credentials',
  'creds',
  'apikey',
  'privatekey',
  'dsn',
]);

/** Last words that make a name describe a secret rather than hold one (`token-ttl`, `key-id`). */
const METADATA_WORDS: ReadonlySet<string> = new Set([
  'id',
  'ids',
  'arn',
  'alias',
  'name',
  'names',
  'path',
  'length',
  'ttl',
  'expiry',
  'expires',
  'expiration',
  'enabled',
  'version',
  'rotation',
  'days',
  'policy',
  'type',
  'header',
  'url',
  'endpoint',
  'region',
]);

/** Split a name into lower-case words on separators and camelCase boundaries. */
export function nameWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w !== '');
}

/**
 * Whether a parameter's last path segment says it holds a secret: a secret word anywhere
 * (`db-password`, `apiToken`), `key` as the last word (`external-api-key`, `signing-key`), or a
 * connection string; unless the last word makes it metadata (`password-min-length`, `kms-key-id`).
 * Returns the words that triggered it, or undefined.
 */
export function secretLikeName(leaf: string): string | undefined {
  const words = nameWords(leaf);
  if (words.length === 0) return undefined;
  const last = words[words.length - 1] as string;
  if (METADATA_WORDS.has(last) || (last === 'min' || last === 'max')) return undefined;
  const hit = words.find((w) => SECRET_WORDS.has(w));
  if (hit !== undefined) return hit;
  if (last === 'key' || last === 'keys') return last;
  for (let i = 0; i + 1 < words.length; i++) {
    if (words[i] === 'connection' && words[i + 1] === 'string') return 'connection string';
  }
  return undefined;
}
