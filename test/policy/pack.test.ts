/**
 * The CrossGuard pack's stack validations, run in-process with fabricated StackValidationArgs and a
 * reportViolation spy: on the built-in estate's graph (the program under mocks) and on that graph
 * with violations planted in the resources' properties.
 */

import { beforeAll, describe, expect, it } from 'vitest';
import type { PolicyResource, StackValidationArgs, StackValidationPolicy } from '@pulumi/policy';
import { PACK_NAME, enforcementFor, makePolicies, policyPackArgs, rowOf, validateWithRule } from '../../policy/pack.ts';
import { RULES, findingNote } from '../../diagrams/compliance/rules.ts';
import { loadGraphs } from '../../diagrams/sources/index.ts';
import type { JsonObject, ResourceGraph } from '../../diagrams/graph/types.ts';

/** PolicyResources as the analyzer would hand them over, from a graph (props: inputs overlaid with outputs). */
function policyResources(graph: ResourceGraph, change?: (urn: string, type: string, props: Record<string, unknown>, opts: { protect: boolean }) => void): PolicyResource[] {
  const byUrn = new Map<string, PolicyResource>();
  const out: PolicyResource[] = graph.resources.map((r) => {
    const props = structuredClone({ ...(r.inputs as JsonObject), ...(r.outputs as JsonObject) }) as Record<string, unknown>;
    const opts = { protect: r.protect, ignoreChanges: [], aliases: [], customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 }, additionalSecretOutputs: [] as string[], ...(r.parent ? { parent: r.parent } : {}) };
    change?.(r.urn, r.type, props, opts);
    const pr: PolicyResource = {
      type: r.type,
      props,
      urn: r.urn,
      name: r.name,
      opts,
      dependencies: [],
      propertyDependencies: {},
      isType: () => false,
      asType: () => undefined,
      ...(r.provider ? { provider: { type: 'pulumi:providers:aws', props: {}, urn: r.provider, name: r.provider.split('::').pop() ?? '' } } : {}),
    };
    byUrn.set(r.urn, pr);
    return pr;
  });
  for (const r of graph.resources) if (r.parent && byUrn.has(r.parent)) byUrn.get(r.urn)!.parent = byUrn.get(r.parent);
  return out;
}

interface Violation {
  policy: string;
  message: string;
  urn?: string;
}

async function runPack(resources: PolicyResource[], config: Record<string, unknown> = {}): Promise<Violation[]> {
  const violations: Violation[] = [];
  for (const p of makePolicies() as StackValidationPolicy[]) {
    const args: StackValidationArgs = {
      resources,
      stackTags: new Map(),
      getConfig: <T extends object>() => config as T,
      notApplicable: (reason?: string): never => {
        throw new Error(`notApplicable ${reason ?? ''}`);
      },
    };
    await p.validateStack(args, (message: string, urn?: string) => violations.push({ policy: p.name, message, ...(urn ? { urn } : {}) }));
  }
  return violations;
}

let shared: ResourceGraph;
let prod: ResourceGraph;

beforeAll(async () => {
  const graphs = await loadGraphs({ program: '.', stacks: ['shared', 'prod'] });
  shared = graphs.find((g) => g.stack.stack === 'shared')!;
  prod = graphs.find((g) => g.stack.stack === 'prod')!;
}, 120_000);

describe('policy pack definition', () => {
  it('has one stack policy per rule, mandatory for critical and high', () => {
    const args = policyPackArgs();
    expect(PACK_NAME).toMatch(/^[a-zA-Z0-9-_.]{1,100}$/);
    const policies = args.policies as StackValidationPolicy[];
    expect(policies.map((p) => p.name)).toEqual(RULES.map((r) => r.slug));
    for (const [i, p] of policies.entries()) {
      const rule = RULES[i]!;
      expect(p.enforcementLevel).toBe(rule.severity === 'critical' || rule.severity === 'high' ? 'mandatory' : 'advisory');
      expect(p.enforcementLevel).toBe(enforcementFor(rule));
      expect(p.severity).toBe(rule.severity);
      expect(p.remediationSteps).toBe(rule.remediation);
      expect(typeof p.validateStack).toBe('function');
      expect(p.configSchema?.properties).not.toHaveProperty('enforcementLevel');
    }
  });
});

describe('on the built-in estate', () => {
  it('reports no violation for the prod stack', async () => {
    const v = await runPack(policyResources(prod));
    expect(v).toEqual([]);
  });

  it('reports for the shared stack only what the estate really lacks', async () => {
    const v = await runPack(policyResources(shared));
    // Anything reported must be a real not-met subject with a rule id and a resource URN of the stack.
    for (const x of v) {
      expect(x.message).toMatch(/^SEC-\d{3} /);
      if (x.urn !== undefined) expect(shared.resources.some((r) => r.urn === x.urn)).toBe(true);
    }
    expect(v).toEqual([]);
  });

  // The replica keys are created with the replica-region provider: their region is eu-central-1.
  it('sees the shared keys replicated to another region', async () => {
    const v = await runPack(policyResources(shared));
    expect(v.filter((x) => x.policy === 'kms-key-replicas')).toEqual([]);
  });

  // The pack sees one stack: prod's keys are in shared, which is not loaded there. The key rules are
  // not applicable on prod (with a note) and enforced when shared is previewed.
  it('leaves the key rules of prod, whose keys are in shared, to the shared preview', () => {
    const resources = policyResources(prod);
    for (const id of ['SEC-003', 'SEC-004', 'SEC-011']) {
      const rule = RULES.find((r) => r.id === id)!;
      const reported: string[] = [];
      const args: StackValidationArgs = { resources, stackTags: new Map(), getConfig: <T extends object>() => ({}) as T, notApplicable: (): never => { throw new Error('notApplicable'); } };
      const f = validateWithRule(rule, args, (m) => reported.push(m))!;
      expect(f.status).toBe('not-applicable');
      expect(reported).toEqual([]);
      expect(findingNote(f)).toMatch(/^3 keys \(.*\) used by \d+ resources of this stack are not judged here \(stack shared is not loaded\)/);
    }
  });

  it('never puts a secret value into a violation', async () => {
    const marker = 'plaintext-canary-value-123';
    const resources = policyResources(prod, (_urn, type, props) => {
      if (type === 'aws:ssm/parameter:Parameter') props['value'] = marker;
      if (type === 'aws:secretsmanager/secretVersion:SecretVersion') props['secretString'] = marker;
      if (type === 'aws:ssm/parameter:Parameter' && props['type'] === 'SecureString') props['keyId'] = undefined;
    });
    const v = await runPack(resources);
    expect(v.length).toBeGreaterThan(0);
    expect(JSON.stringify(v)).not.toContain(marker);
  });
});

describe('with violations planted', () => {
  const cases: { name: string; graph: () => ResourceGraph; change: Parameters<typeof policyResources>[1]; policy: string; message: RegExp }[] = [
    {
      name: 'a SecureString on the AWS-managed key',
      graph: () => prod,
      change: (_u, type, props) => {
        if (type === 'aws:ssm/parameter:Parameter' && props['type'] === 'SecureString') delete props['keyId'];
      },
      policy: 'cmk-encryption',
      message: /SEC-001 .*AWS-managed aws\/ssm/,
    },
    {
      name: 'rotation after 120 days',
      graph: () => prod,
      change: (_u, type, props) => {
        if (type === 'aws:secretsmanager/secretRotation:SecretRotation') props['rotationRules'] = { automaticallyAfterDays: 120 };
      },
      policy: 'secret-rotation',
      message: /SEC-002 .*120 d/,
    },
    {
      name: 'an unprotected prod secret with a 7-day window',
      graph: () => prod,
      change: (_u, type, props, opts) => {
        if (type === 'aws:secretsmanager/secret:Secret') {
          opts.protect = false;
          props['recoveryWindowInDays'] = 7;
        }
      },
      policy: 'prod-deletion-safety',
      message: /SEC-005 .*not protected, recovery window 7 d/,
    },
    {
      name: 'a String parameter named password',
      graph: () => prod,
      change: (_u, type, props) => {
        if (type === 'aws:ssm/parameter:Parameter' && String(props['name']).endsWith('/database/host')) {
          props['name'] = String(props['name']).replace(/host$/, 'password');
        }
      },
      policy: 'no-plaintext-secret-parameter',
      message: /SEC-006 .*password/,
    },
    {
      name: 'a secret read on *',
      graph: () => prod,
      change: (_u, type, props) => {
        if (type === 'aws:iam/policy:Policy' && typeof props['policy'] === 'string' && props['policy'].includes('secretsmanager:GetSecretValue')) {
          const doc = JSON.parse(props['policy']) as { Statement: { Action: unknown; Resource: unknown }[] };
          for (const st of doc.Statement) st.Resource = '*';
          props['policy'] = JSON.stringify(doc);
        }
      },
      policy: 'no-wildcard-secret-read',
      message: /SEC-020 .*on \* \(all secrets\)/,
    },
    {
      name: 'KMS key rotation off',
      graph: () => shared,
      change: (_u, type, props) => {
        if (type === 'aws:kms/key:Key') props['enableKeyRotation'] = false;
      },
      policy: 'kms-key-rotation',
      message: /SEC-003 .*rotation is off/,
    },
    {
      name: 'a single-region trail without validation',
      graph: () => shared,
      change: (_u, type, props) => {
        if (type === 'aws:cloudtrail/trail:Trail') {
          props['isMultiRegionTrail'] = false;
          props['enableLogFileValidation'] = false;
        }
      },
      policy: 'cloudtrail-multi-region',
      message: /SEC-040 .*single-region, no log file validation/,
    },
  ];

  it.each(cases)('$name is reported by $policy on the resource', async (c) => {
    const g = c.graph();
    const v = await runPack(policyResources(g, c.change));
    const mine = v.filter((x) => x.policy === c.policy);
    expect(mine.length).toBeGreaterThan(0);
    expect(mine[0]!.message).toMatch(c.message);
    expect(g.resources.some((r) => r.urn === mine[0]!.urn)).toBe(true);
  });

  it('honours the policy configuration', async () => {
    const v = await runPack(policyResources(prod), { maxSecretRotationDays: 45 });
    const rot = v.filter((x) => x.policy === 'secret-rotation');
    expect(rot.length).toBeGreaterThan(0);
    expect(rot.every((x) => /more than 45 d/.test(x.message))).toBe(true);
  });
});

describe('rowOf', () => {
  it('unwraps the analyzer proxy, turns unknowns into the marker and re-marks parameter values as secret', () => {
    const target = { name: '/p/x', type: 'SecureString', value: 'v', arn: '04da6b54-80e4-46f7-96ec-b56ff0331ba9', tier: '1c4a061d-8072-4f0a-a4cb-0ff528b18fe7' };
    const proxy = new Proxy(target, {
      get: (o, p) => {
        if (p === '__getSpecialProxyTarget') return o;
        const v = (o as Record<string | symbol, unknown>)[p];
        if (typeof v === 'string' && v.startsWith('04da6b54')) throw new Error('unknown accessed');
        return v;
      },
    });
    const row = rowOf({
      type: 'aws:ssm/parameter:Parameter',
      props: proxy,
      urn: 'urn:pulumi:dev::p::aws:ssm/parameter:Parameter::x',
      name: 'x',
      opts: { protect: true, ignoreChanges: [], aliases: [], customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 }, additionalSecretOutputs: [] },
      dependencies: [],
      propertyDependencies: {},
      isType: () => false,
      asType: () => undefined,
    });
    const outputs = row.outputs as Record<string, unknown>;
    expect(outputs['arn']).toBe('04da6b54-80e4-46f7-96ec-b56ff0331ba9');
    expect(outputs['tier']).toBe('04da6b54-80e4-46f7-96ec-b56ff0331ba9');
    expect(outputs['value']).toEqual({ '4dabf18193072939515e22adb298388d': '1b47061264138c4ac30d75fd1eb44270', plaintext: '"v"' });
    expect(row.protect).toBe(true);
  });
});
