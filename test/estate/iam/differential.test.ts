/**
 * The access engine against an IAM simulator written by someone else (@cloud-copilot/iam-simulate,
 * a devDependency imported by tests only): Scope A, every AWS-managed policy of the snapshot times
 * the read actions (./managed-sweep.ts; by default every policy that touches them and every eighth
 * of the others, `IAM_SWEEP=full` for all); Scope B, every principal x resource pair of the fixture
 * estates, of every corpus file and of the built-in estate (./estate-sweep.ts).
 *
 * Every disagreement is either fixed in the engine or listed below, keyed by case, with the reason;
 * a new disagreement fails, and so does a listed one that no longer occurs. The figures are printed
 * (and recorded in docs/iam-engine.md).
 */
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildEstate } from '../../../diagrams/estate/build/index.ts';
import type { Estate } from '../../../diagrams/estate/model.ts';
import { loadGraphs } from '../../../diagrams/sources/index.ts';
import { readPreviewFile } from '../../../diagrams/sources/preview.ts';
import { readStateFile } from '../../../diagrams/sources/state.ts';
import { CORPUS_DIR } from '../../corpus.ts';
import { sweepEstate, type PairCase } from './estate-sweep.ts';
import { ALL } from './fixtures.ts';
import { FIXED_PROBES, managedSnapshot, sample, sweep, type SweepCase } from './managed-sweep.ts';
import { simulate } from './simulator.ts';

const GRANT = 'KMS grant: the simulator does not model grants (the engine allows the grant\'s operations to its grantee)';

const NOT_PRINCIPAL =
  "NotPrincipal Deny listing a role's ARN but not its account and session: the simulator exempts the role; IAM's documentation says the Deny applies (the engine follows it)";

/** Scope A disagreements, `<policy>|<probe id>` -> reason. */
const KNOWN_A: Readonly<Record<string, string>> = {};

/** Scope B disagreements, `<estate>|<principal>|<read>|<resource>` -> reason. */
const KNOWN_B: Readonly<Record<string, string>> = {
  'fixture:grants|role plain|key|alias/app-key': GRANT,
  'fixture:grants|role ec-sm|key|alias/app-key': GRANT,
  'fixture:grants|role ec-sm|secret|app/prod/db': GRANT,
  'fixture:grants|role ec-equals|key|alias/app-key': GRANT,
  'fixture:grants|role ec-other|key|alias/app-key': GRANT,
  'fixture:grants|role ec-param|key|alias/app-key': GRANT,
  'fixture:grants|role ec-param|parameter|/app/prod/api/token': GRANT,
  'fixture:secretNotPrincipal|role free|secret|app/dev/db': NOT_PRINCIPAL,
};

function byReason(keys: readonly string[], known: Readonly<Record<string, string>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of keys) out[known[k]!] = (out[known[k]!] ?? 0) + 1;
  return out;
}

describe('the simulator harness decides what it should (so that agreement means something)', () => {
  const A = '111122223333';
  const base = { principal: `arn:aws:sts::${A}:assumed-role/r/s`, action: 'kms:Decrypt', resource: `arn:aws:kms:eu-west-1:${A}:key/k`, resourceAccount: A, resourcePolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:root` }, Action: 'kms:*', Resource: '*' }] } };
  const allow = (condition?: Record<string, unknown>) => ({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:Decrypt', Resource: '*', ...(condition ? { Condition: condition } : {}) }] });
  it('certain, denied, conditional; encryption-context conditions are evaluated (renamed), not dropped', async () => {
    expect((await simulate({ ...base, context: {}, identity: [allow()] })).tri).toBe('certain');
    expect((await simulate({ ...base, context: {}, identity: [] })).tri).toBe('denied');
    expect((await simulate({ ...base, context: {}, identity: [allow({ IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } })] })).tri).toBe('conditional');
    const ec = allow({ StringEquals: { 'kms:EncryptionContext:SecretARN': 'arn:x' } });
    expect((await simulate({ ...base, context: { 'kms:EncryptionContext:SecretARN': 'arn:x', 'kms:EncryptionContextKeys': ['SecretARN'] }, identity: [ec] })).tri).toBe('certain');
    expect((await simulate({ ...base, context: { 'kms:EncryptionContext:SecretARN': 'arn:y', 'kms:EncryptionContextKeys': ['SecretARN'] }, identity: [ec] })).tri).toBe('denied');
    expect((await simulate({ ...base, context: {}, identity: [ec] })).tri).toBe('conditional');
  });
});

describe('differential: the engine against @cloud-copilot/iam-simulate', () => {
  it('Scope A: every AWS-managed policy of the snapshot x the read actions', async () => {
    const snap = managedSnapshot();
    const full = process.env['IAM_SWEEP'] === 'full';
    const names = sample(snap.policies, full);
    const cases: SweepCase[] = await sweep(names, snap.policies);
    const compared = cases.filter((c) => c.engine !== 'unknown');
    const disagree = compared.filter((c) => c.engine !== c.simulator).map((c) => `${c.policy}|${c.probe}`);
    const allowed = compared.filter((c) => c.engine !== 'denied' || c.simulator !== 'denied').length;
    console.log(
      `Scope A (${full ? 'full' : 'sample; IAM_SWEEP=full for all'}): ${names.length} of ${Object.keys(snap.policies).length} AWS-managed policies (snapshot ${snap.asOf}), ${cases.length} requests (${FIXED_PROBES.length} fixed per policy, the rest from its own Resource patterns); ` +
        `${compared.length} compared (${cases.length - compared.length} unknown to the engine), ${compared.length - disagree.length} agree, ${allowed} allowed by either side; ` +
        `listed disagreements: ${JSON.stringify(byReason(disagree.filter((k) => k in KNOWN_A), KNOWN_A))}`,
    );
    expect(cases.filter((c) => c.error !== undefined).map((c) => `${c.policy}|${c.probe}: ${c.error}`)).toEqual([]);
    expect(disagree.filter((k) => !(k in KNOWN_A))).toEqual([]);
    expect(Object.keys(KNOWN_A).filter((k) => !disagree.includes(k))).toEqual([]);
    // not a sweep of trivial denials
    expect(allowed).toBeGreaterThan(200);
    expect(cases.length).toBeGreaterThan(names.length * FIXED_PROBES.length);
  }, 120_000);

  it('Scope B: every principal x resource pair of the fixture estates, the corpus and the built-in estate', async () => {
    const estates: [string, () => Promise<Estate>][] = [];
    for (const [n, f] of Object.entries(ALL)) estates.push([`fixture:${n}`, async () => f()]);
    for (const f of readdirSync(CORPUS_DIR).filter((x) => x.endsWith('.json')).sort()) {
      const path = `${CORPUS_DIR}/${f}`;
      estates.push([`corpus:${f}`, async () => buildEstate([f.includes('preview') ? await readPreviewFile(path) : await readStateFile(path)])]);
    }
    estates.push(['builtin', async () => buildEstate(await loadGraphs({ program: '.', cwd: process.cwd() }))]);

    const figures: Record<string, { pairs: number; compared: number; agree: number; allowed: number }> = {};
    const disagree: string[] = [];
    const errors: string[] = [];
    const skipped: Record<string, number> = {};
    for (const [name, load] of estates) {
      const { cases, skipped: sk } = await sweepEstate(await load());
      const group = name.split(':')[0]!;
      const fig = (figures[group] ??= { pairs: 0, compared: 0, agree: 0, allowed: 0 });
      const compared = cases.filter((c: PairCase) => c.engine !== 'unknown');
      fig.pairs += cases.length;
      fig.compared += compared.length;
      fig.agree += compared.filter((c) => c.agree).length;
      fig.allowed += compared.filter((c) => c.engine !== 'denied' || c.simulator !== 'denied').length;
      for (const c of compared) if (!c.agree) disagree.push(`${name}|${c.key}`);
      for (const c of cases) for (const e of c.errors) errors.push(`${name}|${c.key}: ${e}`);
      for (const s of sk) skipped[s.why] = (skipped[s.why] ?? 0) + 1;
    }
    console.log(`Scope B: ${JSON.stringify(figures)}; principals not compared: ${JSON.stringify(skipped)}; listed disagreements: ${JSON.stringify(byReason(disagree.filter((k) => k in KNOWN_B), KNOWN_B))}`);
    expect(errors).toEqual([]);
    expect(disagree.filter((k) => !(k in KNOWN_B))).toEqual([]);
    expect(Object.keys(KNOWN_B).filter((k) => !disagree.includes(k))).toEqual([]);
    expect(figures['builtin']!.allowed).toBeGreaterThan(50);
    expect(figures['fixture']!.allowed).toBeGreaterThan(100);
  }, 180_000);
});
