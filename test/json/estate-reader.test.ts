/**
 * The estate.json reader (diagrams/json/estate-reader.ts): what it reads back from estate.json of
 * the foreign and mono estates, that the index entry it gives is the one built from the estate in
 * memory, that it does not depend on the principals, and its errors (file and JSON path named, what
 * is accepted said).
 */

import { describe, expect, it } from 'vitest';
import { estimateCost } from '../../diagrams/compliance/cost.ts';
import { evaluateRules } from '../../diagrams/compliance/rules/index.ts';
import { indexStack, indexStackOfJson } from '../../diagrams/docs/viewmodel.ts';
import type { Estate } from '../../diagrams/estate/model.ts';
import { Store } from '../../diagrams/estate/store.ts';
import { GeneratorError } from '../../diagrams/errors.ts';
import { estateJson } from '../../diagrams/json/estate-json.ts';
import { parseEstateJson } from '../../diagrams/json/estate-reader.ts';
import { VIEWS } from '../../diagrams/views/index.ts';
import { DIAGRAMS } from '../../diagrams/views/types.ts';
import { foreignEstate } from '../fixtures/foreign.ts';
import { monoEstate } from '../fixtures/mono.ts';

function parts(estate: Estate, stack: string) {
  const findings = evaluateRules(estate, stack);
  const views = DIAGRAMS.map((d) => VIEWS[d]({ estate, stack, findings }));
  const cost = estimateCost(estate, stack);
  return { findings, views, cost, text: estateJson({ store: Store.of(estate), stack, findings, cost, views }) };
}

const foreign = foreignEstate();
const FILE = 'site/payments/dev/estate.json';
/** A valid document of payments/dev, parsed, to break one field at a time. */
const PAYMENTS = parts(foreign, 'payments/dev').text;
const base = (): Record<string, any> => JSON.parse(PAYMENTS) as Record<string, any>;
const parseDoc = (doc: unknown) => parseEstateJson(JSON.stringify(doc), FILE);

describe('parseEstateJson', () => {
  it("reads a stack's identity, source, parameters, secrets, findings and cost", () => {
    const d = parseEstateJson(PAYMENTS, FILE);
    expect([d.key, d.project, d.stack, d.environment]).toEqual(['payments/dev', 'payments', 'dev', 'dev']);
    expect(d.source).toEqual({ kind: 'state', format: 'fixture' });
    expect(d.parameters.find((p) => p.name === '/payments/dev/db/password')).toEqual({ name: '/payments/dev/db/password', type: 'SecureString', key: 'alias/aws/ssm (AWS managed)', environment: 'dev' });
    expect(d.parameters.find((p) => p.name === '/payments/dev/db/host')).toEqual({ name: '/payments/dev/db/host', type: 'String', environment: 'dev' });
    expect(d.secrets.find((s) => s.name === 'payments/dev/stripe-api-key')).toEqual({ name: 'payments/dev/stripe-api-key', key: 'alias/payments-data', rotation: { enabled: false, label: 'not rotated' }, environment: 'dev' });
    expect(d.diagrams.map((x) => x.name)).toEqual([...DIAGRAMS]);
    expect(new Set(d.findings.map((f) => f.status))).toEqual(new Set(['met', 'not met', 'not applicable']));
    expect(d.cost?.pricesAsOf).toBe('2025-09-25');
    expect(d.cost?.lines.find((l) => l.item === 'Secrets Manager secrets')).toMatchObject({ quantity: 4, unitPrice: 0.4, monthly: 1.6 });
  });

  it('reads an account-level stack (environment null, no parameters) without an environment', () => {
    const d = parseEstateJson(parts(monoEstate(), 'shared').text, 'shared/estate.json');
    expect(d.environment).toBeUndefined();
    expect(d.parameters).toEqual([]);
  });

  it('does not read the principals, keys or references, and ignores fields it does not know', () => {
    const doc = base();
    doc.principals = 'grouped some other way';
    doc.addedLater = { x: 1 };
    delete doc.keys;
    delete doc.references;
    expect(parseDoc(doc).key).toBe('payments/dev');
  });

  it("gives each stack of the foreign and mono estates the index entry built from the estate in memory", () => {
    for (const estate of [foreign, monoEstate()]) {
      for (const { key } of estate.stacks) {
        const p = parts(estate, key);
        const fromMemory = indexStack(Store.of(estate), key, p.findings, p.views, `${key}/README.md`, p.cost);
        const fromJson = indexStackOfJson(parseEstateJson(p.text, 'x'), `${key}/README.md`);
        // The key from estate.json is always <project>/<stack>; everything else is the same.
        expect({ ...fromJson, key: fromMemory.key }).toEqual(fromMemory);
        expect(fromJson.key).toBe(`${fromMemory.project}/${fromMemory.stack}`);
      }
    }
  });
});

describe('parseEstateJson errors', () => {
  const accepted = 'an estate.json written by `generate --format json` (schemaVersion 1, docs/estate-json.md)';
  it('names the file of text that is not JSON', () => {
    expect(() => parseEstateJson('{"schemaVersion": 1,', FILE)).toThrow(new RegExp(`^${FILE}: not valid JSON \\(.+\\) \\(expected an estate\\.json written by`));
  });

  it('names another schema version, and says which it reads', () => {
    expect(() => parseDoc({ ...base(), schemaVersion: 2 })).toThrow(new GeneratorError('input', 'schema version 2 is not one this generator reads', { subject: FILE, jsonPath: '$.schemaVersion', expected: accepted }));
  });

  it('refuses JSON that is not an estate.json, such as a manifest or another tool’s file', () => {
    expect(() => parseDoc({ generator: 'mono-repo-diagrams', version: 1, files: {} })).toThrow(new GeneratorError('input', 'was written by "mono-repo-diagrams"', { subject: FILE, jsonPath: '$', expected: accepted }));
    expect(() => parseDoc({ resources: [] })).toThrow(new GeneratorError('input', 'is not an estate.json (no `generator` and `schemaVersion`)', { subject: FILE, jsonPath: '$', expected: accepted }));
    expect(() => parseDoc([1, 2])).toThrow(new GeneratorError('input', 'is an array of 2 items', { subject: FILE, jsonPath: '$', expected: 'an object' }));
  });

  it('names the JSON path of a missing or mistyped field', () => {
    const doc = base();
    delete doc.parameters[1].name;
    expect(() => parseDoc(doc)).toThrow(new GeneratorError('input', 'is nothing', { subject: FILE, jsonPath: '$.parameters[1].name', expected: 'a string' }));
    const cost = base();
    cost.cost.lines[0].monthly = '1.00';
    expect(() => parseDoc(cost)).toThrow(new GeneratorError('input', 'is "1.00"', { subject: FILE, jsonPath: '$.cost.lines[0].monthly', expected: 'a number' }));
    const finding = base();
    finding.findings[0].status = 'passed';
    expect(() => parseDoc(finding)).toThrow(new GeneratorError('input', 'is "passed"', { subject: FILE, jsonPath: '$.findings[0].status', expected: 'met, not met, not applicable' }));
  });
});
