/**
 * Which audit pieces serve a stack (auditOf, servesStack, and stackEntities through them): an
 * environment gets its own trails, alarms, rules and topics plus the account-level ones of the
 * stacks it references, never those of a sibling environment.
 */
import { describe, expect, it } from 'vitest';
import { auditOf, servesStack, stackEntities } from '../../diagrams/estate/lookup.ts';
import type { Alarm, Estate, EventRule, StackSummary, Topic, Trail } from '../../diagrams/estate/model.ts';

const urn = (stack: string, type: string, name: string): string => `urn:pulumi:${stack}::mono::${type}::${name}`;

function summary(stack: string, environment: string | undefined, references: string[]): StackSummary {
  return {
    project: 'mono',
    stack,
    ...(environment !== undefined ? { environment } : {}),
    source: { kind: 'state', location: `${stack}.json`, format: 'test' },
    resourceCount: 0,
    resourceTypes: {},
    references,
  };
}

const topic = (stack: string, name: string, tags: Record<string, string> = {}): Topic => ({
  urn: urn(stack, 'aws:sns/topic:Topic', name),
  stack,
  name,
  tags,
  protect: false,
  subscriptions: [{ protocol: 'email', endpoint: 'ops@example.com' }],
});

const SECURITY = topic('shared', 'security-alerts', { Environment: 'shared' });
const DEV_TOPIC = topic('shared', 'dev-alerts', { Environment: 'dev' });

function alarm(stack: string, name: string, tags: Record<string, string>, topics: Topic[], watches: Alarm['watches'] = 'other'): Alarm {
  return { urn: urn(stack, 'aws:cloudwatch/metricAlarm:MetricAlarm', name), stack, name, tags, protect: false, watches, topics: topics.map((t) => t.urn) };
}

const trail: Trail = {
  urn: urn('shared', 'aws:cloudtrail/trail:Trail', 'audit-trail'),
  stack: 'shared',
  name: 'audit-trail',
  tags: { Environment: 'shared' },
  protect: false,
  multiRegion: true,
  logFileValidation: true,
  bucketPublicAccessBlocked: true,
  events: [],
};

const rule: EventRule = {
  urn: urn('shared', 'aws:cloudwatch/eventRule:EventRule', 'rotation-failed'),
  stack: 'shared',
  name: 'rotation-failed',
  tags: {},
  protect: false,
  watches: 'rotation-failure',
  topics: [SECURITY.urn],
};

function estate(): Estate {
  return {
    schemaVersion: 1,
    stacks: [summary('dev', 'dev', ['shared']), summary('other', undefined, []), summary('prod', 'prod', ['org/mono/shared']), summary('shared', undefined, []), summary('uat', 'uat', ['shared'])],
    parameters: [],
    secrets: [],
    keys: [],
    policies: [],
    roles: [],
    functions: [],
    services: [],
    audit: {
      trails: [trail],
      alarms: [
        // Each environment's own alarm, notifying the shared topic.
        alarm('dev', 'mono-dev-secret-rotation-errors', { Environment: 'dev' }, [SECURITY]),
        alarm('prod', 'mono-prod-secret-rotation-errors', { Environment: 'prod' }, [SECURITY]),
        alarm('uat', 'mono-uat-secret-rotation-errors', { Environment: 'uat' }, [SECURITY]),
        // Account-level alarm of shared, and per-environment ones kept in shared (by tag, by name).
        alarm('shared', 'mono-secrets-access-denied', { Environment: 'shared' }, [SECURITY], 'access-denied'),
        alarm('shared', 'mono-dev-budget', { Environment: 'dev' }, [DEV_TOPIC]),
        alarm('shared', 'mono-uat-throttles', {}, [SECURITY]),
        alarm('shared', 'mono-prod-throttles', {}, [SECURITY]),
        // A stack prod does not reference.
        alarm('other', 'unrelated', {}, []),
      ],
      eventRules: [rule],
      topics: [DEV_TOPIC, SECURITY, topic('other', 'other-topic')],
    },
    access: [],
  } as Estate;
}

const names = (xs: readonly { name: string }[]): string[] => xs.map((x) => x.name).sort();

describe('auditOf', () => {
  it('gives an environment its own audit pieces and the account-level ones of the stacks it references', () => {
    const a = auditOf(estate(), 'prod');
    expect(names(a.alarms)).toEqual(['mono-prod-secret-rotation-errors', 'mono-prod-throttles', 'mono-secrets-access-denied']);
    expect(names(a.trails)).toEqual(['audit-trail']);
    expect(names(a.eventRules)).toEqual(['rotation-failed']);
    expect(names(a.topics)).toEqual(['security-alerts']);
  });

  it('never gives it a sibling environment\'s alarms, wherever they are defined', () => {
    const dev = auditOf(estate(), 'dev');
    expect(names(dev.alarms)).toEqual(['mono-dev-budget', 'mono-dev-secret-rotation-errors', 'mono-secrets-access-denied']);
    expect(names(dev.topics)).toEqual(['dev-alerts', 'security-alerts']);
    const uat = auditOf(estate(), 'uat');
    expect(names(uat.alarms)).toEqual(['mono-secrets-access-denied', 'mono-uat-secret-rotation-errors', 'mono-uat-throttles']);
  });

  it('gives the shared stack all of its own pieces and nothing of the environments', () => {
    const a = auditOf(estate(), 'shared');
    expect(names(a.alarms)).toEqual(['mono-dev-budget', 'mono-prod-throttles', 'mono-secrets-access-denied', 'mono-uat-throttles']);
    expect(names(a.topics)).toEqual(['dev-alerts', 'security-alerts']);
  });

  it('servesStack: own entities always, unreferenced stacks never', () => {
    const serves = servesStack(estate(), 'prod');
    expect(serves({ stack: 'prod', name: 'mono-dev-anything', tags: { Environment: 'dev' } })).toBe(true);
    expect(serves({ stack: 'other', name: 'x', tags: {} })).toBe(false);
    expect(serves({ stack: 'shared', name: 'x', tags: { Environment: 'PROD' } })).toBe(true);
  });
});

describe('stackEntities', () => {
  it('takes the audit pieces from auditOf: no sibling environment in an environment\'s slice', () => {
    const slice = stackEntities(estate(), 'prod');
    expect(names(slice.audit.alarms)).toEqual(['mono-prod-secret-rotation-errors', 'mono-prod-throttles', 'mono-secrets-access-denied']);
    expect(names(slice.audit.topics)).toEqual(['security-alerts']);
    expect(slice.stacks.map((s) => s.stack)).toEqual(['prod', 'shared']);
  });
});
