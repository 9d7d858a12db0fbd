/**
 * The independent check of the access engine: @cloud-copilot/iam-simulate, an IAM simulator
 * written by someone else (AGPL: a devDependency, imported by tests only, never by the product).
 *
 * `simulate` runs one request twice: in Strict mode (the context as given, a missing key is absent)
 * and in Discovery mode, where the keys the request context holds, and the keys known to be absent
 * (`absent`, the tag prefixes), are declared authoritative and every other key is "not known". The
 * answer is the engine's three-valued one: `denied` (no Discovery allow), `certain` (allowed in
 * Strict mode with no condition left undecided), `conditional` (allowed only under conditions on
 * keys that are not known).
 *
 * The simulator drops every `kms:EncryptionContext:<key>` from the request (it lists them in
 * ignoredContextKeys), so statements conditioned on an encryption context could not be compared.
 * `simulate` therefore renames such keys, in the policies and in the request it hands over, to the
 * global key `aws:RequestTag/kms-ec-<key>`, which the simulator keeps; operators and values are
 * unchanged, so the condition is still evaluated, by the simulator's own operator code. When the
 * request says which keys its encryption context has (kms:EncryptionContextKeys, a service's
 * decrypt), every other renamed key is declared known (absent); so are the keys of the other two
 * services of a read (kms:* in a GetParameter request), as the engine has them.
 */
import { runSimulation, type Simulation } from '@cloud-copilot/iam-simulate';
import type { Certainty, PolicyDocument, PolicyStatement, Principals } from '../../../diagrams/estate/model.ts';

export type Tri = 'denied' | Exclude<Certainty, 'unknown'>;

export interface SimRequest {
  /** The principal making the request: a role session ARN, a user ARN, a service principal. */
  readonly principal: string;
  readonly action: string;
  readonly resource: string;
  readonly resourceAccount: string;
  /** Context keys with their values. */
  readonly context: Readonly<Record<string, string | readonly string[]>>;
  /** Keys known to be absent from the request (e.g. kms:ViaService of a direct call). */
  readonly absent?: readonly string[];
  readonly identity: readonly unknown[];
  readonly boundary?: unknown;
  readonly resourcePolicy?: unknown;
}

const EC = /^kms:encryptioncontext:(.+)$/i;
const renameKey = (k: string): string => {
  const m = EC.exec(k);
  return m ? `aws:RequestTag/kms-ec-${m[1]}` : k;
};

/** A policy document (JSON text or object) with kms:EncryptionContext:<key> condition keys renamed. */
function renamePolicy(p: unknown): unknown {
  const v = typeof p === 'string' ? (JSON.parse(p) as unknown) : p;
  if (v === null || typeof v !== 'object') return v;
  const d = v as Record<string, unknown>;
  const st = d['Statement'];
  const list = Array.isArray(st) ? st : st === undefined ? [] : [st];
  return {
    ...d,
    Statement: list.map((s) => {
      if (s === null || typeof s !== 'object') return s;
      const c = (s as Record<string, unknown>)['Condition'];
      if (c === null || typeof c !== 'object') return s;
      const cond: Record<string, unknown> = {};
      for (const [op, keys] of Object.entries(c as Record<string, unknown>)) {
        if (keys === null || typeof keys !== 'object') {
          cond[op] = keys;
          continue;
        }
        cond[op] = Object.fromEntries(Object.entries(keys as Record<string, unknown>).map(([k, x]) => [renameKey(k), x]));
      }
      return { ...(s as object), Condition: cond };
    }),
  };
}

/** Keys whose presence is known even when the request lacks them. */
const ALWAYS_KNOWN = ['/^aws:PrincipalTag\\/.+$/', '/^aws:ResourceTag\\/.+$/', '/^secretsmanager:ResourceTag\\/.+$/'];

export interface SimOutcome {
  readonly tri: Tri;
  /** The simulator refused the input (kept so that a test can show it). */
  readonly error?: string;
}

export async function simulate(r: SimRequest): Promise<SimOutcome> {
  const context: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(r.context)) context[renameKey(k)] = typeof v === 'string' ? v : [...v];
  const sim: Simulation = {
    request: { principal: r.principal, action: r.action, resource: { resource: r.resource, accountId: r.resourceAccount }, contextVariables: context },
    identityPolicies: r.identity.map((p, i) => ({ name: `identity-${i}`, policy: renamePolicy(p) })),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    ...(r.resourcePolicy !== undefined ? { resourcePolicy: renamePolicy(r.resourcePolicy) } : {}),
    ...(r.boundary !== undefined ? { permissionBoundaryPolicies: [{ name: 'boundary', policy: renamePolicy(r.boundary) }] } : {}),
  };
  const known: { keyName: string; presenceIsKnown: true; valueIsKnown: true }[] = [...Object.keys(context), ...(r.absent ?? []).map(renameKey)].map((keyName) => ({ keyName, presenceIsKnown: true, valueIsKnown: true }));
  if (r.context['kms:EncryptionContextKeys'] !== undefined) known.push({ keyName: '/^aws:RequestTag\\/kms-ec-.+$/', presenceIsKnown: true, valueIsKnown: true });
  // The keys of the other two services a read involves are absent from this service's request.
  const service = r.action.slice(0, r.action.indexOf(':')).toLowerCase();
  for (const other of ['ssm', 'secretsmanager', 'kms']) if (other !== service) known.push({ keyName: `/^${other}:(?!sourceinstancearn$).+$/`, presenceIsKnown: true, valueIsKnown: true });
  try {
    return await run(sim, known);
  } catch (e) {
    return { tri: 'denied', error: e instanceof Error ? e.message.slice(0, 300) : String(e) };
  }
}

async function run(sim: Simulation, known: { keyName: string; presenceIsKnown: true; valueIsKnown: true }[]): Promise<SimOutcome> {
  const discovery = await runSimulation(sim, {
    simulationMode: 'Discovery',
    discoveryContextKeyConstraints: [...known, ...ALWAYS_KNOWN.map((keyName) => ({ keyName, presenceIsKnown: true as const, valueIsKnown: true as const }))],
  });
  if (discovery.resultType === 'error') return { tri: 'denied', error: JSON.stringify(discovery.errors).slice(0, 300) };
  if (discovery.overallResult !== 'Allowed') return { tri: 'denied' };
  const strict = await runSimulation(sim, {});
  if (strict.resultType === 'error') return { tri: 'denied', error: JSON.stringify(strict.errors).slice(0, 300) };
  const ignored = discovery.resultType === 'single' ? discovery.result.analysis.ignoredConditions : undefined;
  const anyIgnored = ignored !== undefined && Object.values(ignored).some((x) => x !== undefined && Object.values(x as object).some((l) => Array.isArray(l) && l.length > 0));
  return { tri: strict.overallResult === 'Allowed' && !anyIgnored ? 'certain' : 'conditional' };
}

// ─── The engine's certainty algebra, for composite reads ───────────────────────────

const RANK: Readonly<Record<Tri, number>> = { certain: 2, conditional: 1, denied: 0 };
/** Both must hold. */
export const both = (...xs: Tri[]): Tri => xs.reduce((a, b) => (RANK[a] <= RANK[b] ? a : b), 'certain' as Tri);
/** Either suffices. */
export const either = (...xs: Tri[]): Tri => xs.reduce((a, b) => (RANK[a] >= RANK[b] ? a : b), 'denied' as Tri);

// ─── Policy documents back to JSON (for the estate's parsed documents) ──────────────

const one = (l: readonly string[]): string | string[] => (l.length === 1 ? l[0]! : [...l]);

function principalJson(p: Principals): unknown {
  if (p.any && (p.AWS === undefined || p.AWS.length === 0) && p.Service === undefined && p.Federated === undefined) return '*';
  const out: Record<string, unknown> = {};
  if (p.AWS !== undefined) out['AWS'] = one(p.AWS);
  if (p.Service !== undefined) out['Service'] = one(p.Service);
  if (p.Federated !== undefined) out['Federated'] = one(p.Federated);
  return out;
}

function statementJson(s: PolicyStatement): Record<string, unknown> {
  const out: Record<string, unknown> = { Effect: s.effect };
  if (s.sid !== undefined) out['Sid'] = s.sid;
  if (s.actions !== undefined) out['Action'] = one(s.actions);
  if (s.notActions !== undefined) out['NotAction'] = one(s.notActions);
  if (s.resources !== undefined) out['Resource'] = one(s.resources);
  if (s.notResources !== undefined) out['NotResource'] = one(s.notResources);
  if (s.principals !== undefined) out['Principal'] = principalJson(s.principals);
  if (s.notPrincipals !== undefined) out['NotPrincipal'] = principalJson(s.notPrincipals);
  if (s.conditions.length > 0) {
    const c: Record<string, Record<string, string | string[]>> = {};
    for (const x of s.conditions) (c[x.operator] ??= {})[x.key] = one(x.values);
    out['Condition'] = c;
  }
  return out;
}

/** A parsed document as the JSON IAM reads (statements the parser kept, in order). */
export function documentJson(d: PolicyDocument): Record<string, unknown> {
  return { Version: d.version ?? '2012-10-17', Statement: d.statements.map(statementJson) };
}
