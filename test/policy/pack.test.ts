/**
 * The CrossGuard pack's stack validations, run in-process with fabricated StackValidationArgs and a
 * reportViolation spy: on the built-in estate's graph (the program under mocks), on that graph with
 * violations planted in the resources' properties, and on fixture stacks (test/fixtures/estates.ts)
 * handed over as the analyzer would, with their values unwrapped.
 */

import { beforeAll, describe, expect, it } from 'vitest';
import type { PolicyResource, StackValidationArgs, StackValidationPolicy } from '@pulumi/policy';
import { PACK_NAME, enforcementFor, graphOfPolicyResources, makePolicies, policyPackArgs, rowOf, validateWithRule } from '../../policy/pack.ts';
import { RULES, findingNote } from '../../diagrams/compliance/rules/index.ts';
import { loadGraphs } from '../../diagrams/sources/index.ts';
import type { JsonObject, ResourceGraph } from '../../diagrams/graph/types.ts';
import { allow, EstateFixture, type FixtureStack } from '../fixtures/estates.ts';

type Change = (urn: string, type: string, props: Record<string, unknown>, opts: { protect: boolean }) => void;

/** One PolicyResource as the analyzer hands it over (props: inputs overlaid with outputs). */
function policyResource(urn: string, type: string, name: string, props: Record<string, unknown>, protect: boolean, provider?: string): PolicyResource {
  const opts = { protect, ignoreChanges: [], aliases: [], customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 }, additionalSecretOutputs: [] as string[] };
  return {
    type,
    props,
    urn,
    name,
    opts,
    dependencies: [],
    propertyDependencies: {},
    isType: () => false,
    asType: () => undefined,
    ...(provider ? { provider: { type: 'pulumi:providers:aws', props: {}, urn: provider, name: provider.split('::').pop() ?? '' } } : {}),
  };
}

/** PolicyResources from a graph, each optionally changed first. */
function policyResources(graph: ResourceGraph, change?: Change): PolicyResource[] {
  const byUrn = new Map<string, PolicyResource>();
  const out: PolicyResource[] = graph.resources.map((r) => {
    const props = structuredClone({ ...(r.inputs as JsonObject), ...(r.outputs as JsonObject) }) as Record<string, unknown>;
    const pr = policyResource(r.urn, r.type, r.name, props, r.protect, r.provider);
    change?.(r.urn, r.type, props, pr.opts as { protect: boolean });
    byUrn.set(r.urn, pr);
    return pr;
  });
  for (const r of graph.resources) if (r.parent && byUrn.has(r.parent)) byUrn.get(r.urn)!.parent = byUrn.get(r.parent);
  return out;
}

/** PolicyResources from a fixture stack's rows: the program's own values, nothing redacted yet. */
function fixtureResources(s: FixtureStack): PolicyResource[] {
  return s.rows.map((r) => {
    const urn = r.urn as string;
    return policyResource(urn, r.type as string, urn.split('::').pop()!, structuredClone({ ...(r.inputs as object), ...(r.outputs as object) }) as Record<string, unknown>, r.protect === true);
  });
}

interface Violation {
  policy: string;
  message: string;
  urn?: string;
}

function args(resources: PolicyResource[], config: Record<string, unknown> = {}): StackValidationArgs {
  return {
    resources,
    stackTags: new Map(),
    getConfig: <T extends object>() => config as T,
    notApplicable: (reason?: string): never => {
      throw new Error(`notApplicable ${reason ?? ''}`);
    },
  };
}

async function runPack(resources: PolicyResource[], config: Record<string, unknown> = {}): Promise<Violation[]> {
  const violations: Violation[] = [];
  for (const p of makePolicies() as StackValidationPolicy[]) {
    await p.validateStack(args(resources, config), (message: string, urn?: string) => violations.push({ policy: p.name, message, ...(urn ? { urn } : {}) }));
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
  it('has one stack policy per rule of the registry, mandatory for critical and high', () => {
    const args = policyPackArgs();
    expect(PACK_NAME).toMatch(/^[a-zA-Z0-9-_.]{1,100}$/);
    const policies = args.policies as StackValidationPolicy[];
    expect(policies.map((p) => p.name)).toEqual(RULES.map((r) => r.slug));
    for (const [i, p] of policies.entries()) {
      const rule = RULES[i]!;
      expect(p.enforcementLevel).toBe(rule.severity === 'critical' || rule.severity === 'high' ? 'mandatory' : 'advisory');
      expect(p.enforcementLevel).toBe(enforcementFor(rule));
      expect(p.displayName).toBe(`${rule.id} ${rule.title}`);
      expect(p.severity).toBe(rule.severity);
      expect(p.remediationSteps).toBe(rule.remediation);
      expect(p.tags).toEqual([`layer:${rule.layer}`, ...rule.frameworks.soc2.map((c) => `SOC2:${c}`), ...rule.frameworks.iso27001.map((c) => `ISO27001:${c}`), ...rule.frameworks.gdpr.map((c) => `GDPR:${c}`)]);
      expect(typeof p.validateStack).toBe('function');
    }
  });

  it('accepts the rule options as configuration, and no other', () => {
    const schema = (policyPackArgs().policies[0] as StackValidationPolicy).configSchema!;
    expect(Object.keys(schema.properties ?? {}).sort()).toEqual(['maxKeyRotationDays', 'maxSecretRotationDays', 'minProdKeyDeletionWindowDays', 'minProdRecoveryWindowDays', 'prodEnvironments']);
    expect(schema.properties?.['prodEnvironments']).toMatchObject({ type: 'array', default: ['prod', 'production', 'prd'] });
  });
});

/** Subject names reported, by policy (from `SEC-xxx Title: <name>: <detail>`). */
function reportedBy(v: Violation[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const x of v) (out[x.policy] ??= []).push(x.message.split(': ')[1]!);
  for (const k of Object.keys(out)) out[k]!.sort();
  return out;
}


describe('on the built-in estate', () => {
  // The program (infra/) gives every secret and key a TLS-only Deny, and generates passwords and
  // keys with @pulumi/random: a low-severity finding, advisory in the pack.
  it('blocks nothing in prod: only the advisory state-held-secrets policy reports, on the resources', async () => {
    const v = await runPack(policyResources(prod));
    expect(reportedBy(v)).toEqual({
      'state-held-secrets': [
        'parameters-api-jwt-signing-key-value',
        'parameters-database-password-value',
        'secrets-airflow-fernet-key-bytes',
        'secrets-api-jwt-signing-key-bytes',
        'secrets-dash-session-key-bytes',
        'secrets-encryption-data-key-bytes',
        'secrets-rds-app-user-password',
        'secrets-rds-master-password-password',
        'secrets-rds-readonly-user-password',
      ],
    });
    const advisory = new Set(makePolicies().filter((p) => p.enforcementLevel === 'advisory').map((p) => p.name));
    expect(v.every((x) => advisory.has(x.policy))).toBe(true);
    for (const x of v) expect(prod.resources.some((r) => r.urn === x.urn), x.message).toBe(true);
  });

  it('reports nothing in shared: its keys deny requests without TLS', async () => {
    const v = await runPack(policyResources(shared));
    expect(reportedBy(v)).toEqual({});
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
      const f = validateWithRule(rule, args(resources), (m) => reported.push(m))!;
      expect(f.status).toBe('not-applicable');
      expect(reported).toEqual([]);
      expect(findingNote(f)).toMatch(/^3 keys \(.*\) used by \d+ resources of this stack are not judged here \(stack (organization\/mono-repo\/)?shared is not loaded\)/);
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

describe('on stacks handed over by the analyzer', () => {
  const one = async (s: FixtureStack, policy: string, config: Record<string, unknown> = {}) => (await runPack(fixtureResources(s), config)).filter((x) => x.policy === policy);

  // At deploy time the props hold the program's values with secrets unwrapped: whether a value will
  // be stored encrypted cannot be told, so the plain-text-in-state rule has nothing to judge.
  it('does not report parameter values or passwords as plain text in the state', async () => {
    const s = new EstateFixture().stack('prod');
    s.add('aws:ssm/parameter:Parameter', 'db-password', { name: '/app/prod/db/password', type: 'SecureString', value: 'from-the-program', keyId: 'alias/app' }, { id: '/app/prod/db/password' });
    s.database('orders', { password: 'from-the-program' });
    expect(await one(s, 'no-plaintext-state')).toEqual([]);
    const f = validateWithRule(RULES.find((r) => r.id === 'SEC-052')!, args(fixtureResources(s)), () => undefined)!;
    expect([f.status, f.note]).toEqual(['not-applicable', 'the stack was read from its program, not from a state file: there is no stored state to check']);
    expect(graphOfPolicyResources(fixtureResources(s)).metadata.plaintextSecrets).toEqual([]);
  });

  it('reports a database password set in the program and a secret in an environment variable on their resources', async () => {
    const s = new EstateFixture().stack('prod');
    const db = s.database('orders', { password: 'from-the-program' });
    const fn = s.lambda('api', s.role('api-role'), { environment: { DB_PASSWORD: 'from-the-program', MODE: 'fast' } });
    expect(await one(s, 'managed-database-passwords')).toEqual([
      { policy: 'managed-database-passwords', urn: db.urn, message: 'SEC-051 Database master passwords managed by Secrets Manager: orders: master password set in the program (password) instead of manageMasterUserPassword' },
    ]);
    expect(await one(s, 'no-secret-environment')).toEqual([
      { policy: 'no-secret-environment', urn: fn.urn, message: 'SEC-050 No secrets in environment variables: api: secret in environment.variables.DB_PASSWORD' },
    ]);
  });

  it('reports a missing trail stack-wide when the stack root is not among the resources', async () => {
    const s = new EstateFixture().stack('prod');
    s.secret('app/prod/db', { protect: true });
    expect(await one(s, 'cloudtrail-multi-region')).toEqual([
      { policy: 'cloudtrail-multi-region', message: "SEC-040 CloudTrail multi-region with validation: stack prod: no CloudTrail trail records access to this stack's secrets" },
    ]);
  });

  it('reads the prod environments from the configuration', async () => {
    const s = new EstateFixture().stack('eu');
    const k = s.key('live-key', { tags: { Environment: 'live' } });
    expect(await one(s, 'kms-key-replicas')).toEqual([]);
    expect(await one(s, 'kms-key-replicas', { prodEnvironments: ['Live'] })).toEqual([
      { policy: 'kms-key-replicas', urn: k.urn, message: 'SEC-004 Critical keys replicated to a second region: alias/live-key: prod key (in live) but single-region: cannot be replicated' },
    ]);
  });

  it('judges nothing in a stack without resources', () => {
    const reported: string[] = [];
    expect(validateWithRule(RULES[0]!, args([]), (m) => reported.push(m))).toBeUndefined();
    expect(reported).toEqual([]);
  });

  it('applies the rule options of the configuration to the rules that read them', async () => {
    const s = new EstateFixture().stack('prod');
    const role = s.role('rotation-role');
    s.secret('app/prod/db', { rotationDays: 60, rotationLambda: s.lambda('rotator', role), protect: true });
    s.policy('rot', [allow(['secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecretVersionStage'], s.secretArn('app/prod/db'))], { roles: [role] });
    expect(await one(s, 'secret-rotation')).toEqual([]);
    expect((await one(s, 'secret-rotation', { maxSecretRotationDays: 30 })).map((x) => x.message)).toEqual(['SEC-002 Secrets rotate within 90 days: app/prod/db: rotates every 60 d (more than 30 d)']);
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
