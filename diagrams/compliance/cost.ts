/**
 * Monthly cost estimate of the secrets estate, per stack or for the whole estate, computed from the
 * resources actually in the Estate with one dated table of AWS list prices and stated API-call
 * assumptions (a reading role's secret cache: what its `SecretCacheTtl` tag declares, else 15 minutes). Pure: no clock, no I/O; the same estate gives the same estimate.
 */

import { GeneratorError } from '../errors.ts';
import type { Estate } from '../estate/model.ts';
import { Store } from '../estate/store.ts';
import type { CostEstimate, CostLine } from './types.ts';

/** AWS list prices (USD) for Parameter Store, Secrets Manager and KMS, dated. Change the date with the prices. */
export const PRICES = Object.freeze({
  asOf: '2025-09-25',
  /** Parameter Store standard parameters: free, up to this many per account and region. */
  standardParameter: 0,
  standardParameterLimit: 10_000,
  /** Parameter Store advanced parameters, per parameter-month. */
  advancedParameter: 0.05,
  /** Secrets Manager, per secret-month (each replica region is billed as a secret). */
  secret: 0.4,
  /** Secrets Manager API calls, per 10,000. */
  secretsManagerPer10kCalls: 0.05,
  /** KMS customer-managed key, per key-month (replica keys are keys). */
  kmsKey: 1,
});

/** The API-call assumption, stated in every estimate. */
export const API_ASSUMPTION = Object.freeze({
  /** Services read secrets through a cache with this TTL where their role declares none (the AWS SecretCache client's default, 15 min). */
  cacheTtlMinutes: 15,
  /** Running instances per reading role. */
  instancesPerReader: 1,
  daysPerMonth: 30,
  /** Secrets Manager calls of one rotation (createSecret, setSecret, testSecret, finishSecret). */
  callsPerRotation: 10,
});


const round2 = (x: number): number => Math.round(x * 100) / 100;
const round4 = (x: number): number => Math.round(x * 10_000) / 10_000;
const fmt = (n: number): string => n.toLocaleString('en-US');

function line(item: string, quantity: number, unitPrice: number, note?: string): CostLine {
  return Object.freeze({ item, quantity, unitPrice, monthly: round2(quantity * unitPrice), ...(note !== undefined ? { note } : {}) });
}

/** One role reading one secret: its reads per month, and whether its role declares its cache TTL. */
interface Reader {
  readonly reads: number;
  readonly declared: boolean;
}

const readsPerMonth = (ttlSeconds: number): number => ((24 * 60 * 60) / ttlSeconds) * API_ASSUMPTION.daysPerMonth * API_ASSUMPTION.instancesPerReader;
const ASSUMED_READER: Reader = Object.freeze({ reads: readsPerMonth(API_ASSUMPTION.cacheTtlMinutes * 60), declared: false });

const readersOf = new WeakMap<Store, ReadonlyMap<string, readonly Reader[]>>();

/**
 * Secret URN -> the roles that read its value, each through a cache with the TTL its role declares
 * (else the assumed one). Workloads read through roles; users, groups, other accounts and rotation
 * roles are not counted as running readers. Computed once per estate.
 */
function secretReaders(store: Store): ReadonlyMap<string, readonly Reader[]> {
  let readers = readersOf.get(store);
  if (readers === undefined) {
    const m = new Map<string, Reader[]>();
    for (const a of store.estate.access) {
      const role = store.findRole(a.principal);
      if (role === undefined || store.isRotationRole(a.principal)) continue;
      const ttl = role.secretCacheTtlSeconds;
      const r: Reader = ttl !== undefined && ttl > 0 ? { reads: readsPerMonth(ttl), declared: true } : ASSUMED_READER;
      for (const e of a.secretValues) (m.get(e.resourceUrn) ?? m.set(e.resourceUrn, []).get(e.resourceUrn)!).push(r);
    }
    readersOf.set(store, (readers = m));
  }
  return readers;
}

/**
 * The monthly estimate for `stack`, or for the whole estate when `stack` is undefined. Throws
 * GeneratorError (usage) for a stack that is not in the estate.
 */
export function estimateCost(estate: Estate, stack?: string): CostEstimate {
  if (stack !== undefined && !estate.stacks.some((s) => s.key === stack)) {
    throw new GeneratorError('usage', `stack '${stack}' is not in the estate`, {
      subject: 'stack',
      expected: `one of: ${estate.stacks.map((s) => s.key).join(', ') || '(none)'}`,
    });
  }
  const store = Store.of(estate);
  const mine = <T extends { readonly stack: string }>(xs: readonly T[]): T[] => (stack === undefined ? [...xs] : store.inStack(xs, stack));
  const parameters = mine(estate.parameters);
  const secrets = mine(estate.secrets);
  const keys = mine(estate.keys);
  const replicaKeys = mine(estate.keys.flatMap((k) => k.replicas));
  const secretReplicas = secrets.reduce((n, s) => n + s.replicas.length, 0);

  const lines: CostLine[] = [];
  const advanced = parameters.filter((p) => p.tier === 'Advanced').length;
  const standard = parameters.length - advanced;
  if (standard > 0) {
    const over = standard > PRICES.standardParameterLimit;
    lines.push(
      line(
        'Parameter Store standard parameters',
        standard,
        PRICES.standardParameter,
        over
          ? `more than the ${fmt(PRICES.standardParameterLimit)} standard parameters allowed per account and region: some must be advanced`
          : `free up to ${fmt(PRICES.standardParameterLimit)} per account and region; API calls at standard throughput are free`,
      ),
    );
  }
  if (advanced > 0) lines.push(line('Parameter Store advanced parameters', advanced, PRICES.advancedParameter));
  if (secrets.length > 0) lines.push(line('Secrets Manager secrets', secrets.length, PRICES.secret));
  if (secretReplicas > 0) lines.push(line('Secrets Manager replica secrets', secretReplicas, PRICES.secret, 'each replica region is billed as a secret'));

  // API calls: readers through a cache (the TTL their role declares, else the assumed one), plus rotations.
  const readers = secretReaders(store);
  let pairs = 0;
  let declared = 0;
  let reads = 0;
  let rotationCalls = 0;
  for (const s of secrets) {
    const r = readers.get(s.urn) ?? [ASSUMED_READER];
    pairs += r.length;
    declared += r.filter((x) => x.declared).length;
    reads += r.reduce((n, x) => n + x.reads, 0);
    if (s.rotation.enabled && s.rotation.intervalDays !== undefined && s.rotation.intervalDays > 0) {
      rotationCalls += (API_ASSUMPTION.callsPerRotation * API_ASSUMPTION.daysPerMonth) / s.rotation.intervalDays;
    }
  }
  const calls = Math.round(reads + rotationCalls);
  if (calls > 0) {
    lines.push(
      line(
        'Secrets Manager API calls (per 10,000)',
        round4(calls / 10_000),
        PRICES.secretsManagerPer10kCalls,
        `${fmt(calls)} calls a month: ${fmt(pairs)} reader-secret ${pairs === 1 ? 'pair' : 'pairs'}, ${fmt(Math.round(reads))} reads, plus ${fmt(Math.round(rotationCalls))} rotation calls`,
      ),
    );
  }
  if (keys.length > 0) lines.push(line('KMS customer-managed keys', keys.length, PRICES.kmsKey));
  if (replicaKeys.length > 0) lines.push(line('KMS replica keys', replicaKeys.length, PRICES.kmsKey, 'a replica key is billed as a key'));

  const total = round2(lines.reduce((n, l) => n + l.monthly, 0));
  const assumptions = [
    `Prices as of ${PRICES.asOf} (AWS list prices), USD per month; other AWS free tiers and taxes not applied. The estimate covers Parameter Store, Secrets Manager and KMS only.`,
    `Secrets Manager API calls: each role that can read a secret's value fetches it once per cache TTL from ${API_ASSUMPTION.instancesPerReader} running instance over a ${API_ASSUMPTION.daysPerMonth}-day month: the TTL its role declares (its SecretCacheTtl tag${declared > 0 ? `, ${fmt(declared)} of the ${fmt(pairs)} reader-secret pairs` : ', none here'}), else an assumed ${API_ASSUMPTION.cacheTtlMinutes} minutes (${fmt(ASSUMED_READER.reads)} reads per reader and secret); a secret no role of the estate reads is counted with one reader.`,
    `Rotation: about ${API_ASSUMPTION.callsPerRotation} Secrets Manager calls per rotation, ${API_ASSUMPTION.daysPerMonth}/interval rotations a month; rotation itself is free.`,
    'Parameter Store standard-throughput API calls are free; KMS requests (decrypts on cache refresh) are not priced here (the first 20,000 a month are free); AWS-managed keys cost nothing.',
  ];
  return Object.freeze({
    ...(stack !== undefined ? { stack } : {}),
    lines: Object.freeze(lines),
    total,
    pricesAsOf: PRICES.asOf,
    assumptions: Object.freeze(assumptions),
  });
}
