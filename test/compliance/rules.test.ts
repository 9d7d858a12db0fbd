import { describe, expect, it } from 'vitest';
import { RULES, evaluateRules, failsAt, findingNote, parseSeverity } from '../../diagrams/compliance/rules.ts';
import { secretLikeName } from '../../diagrams/compliance/match.ts';
import type { Estate, Finding } from '../../diagrams/estate/model.ts';
import { GeneratorError } from '../../diagrams/errors.ts';
import { ACCOUNT, REGION, compliantEstate, find, plant, unrelatedEstate, urn, type MutableEstate } from './fixtures.ts';

const SARN = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:`;
const PARN = `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter`;

function finding(estate: MutableEstate | Estate, stack: string, ruleId: string): Finding {
  const f = evaluateRules(estate as Estate, stack).find((x) => x.ruleId === ruleId);
  if (f === undefined) throw new Error(`no finding ${ruleId}`);
  return f;
}

function notMet(f: Finding): string[] {
  return f.subjects.filter((s) => s.status === 'not-met').map((s) => `${s.name}: ${s.detail}`);
}

interface Case {
  rule: string;
  /** Stack where the compliant estate has subjects for the rule. */
  stack: string;
  /** Plants the violation; expect the named subject to fail with a detail matching `detail`. */
  plant: (e: MutableEstate) => void;
  subject: string;
  detail: RegExp;
  /** A stack of the compliant estate where the rule has nothing to check. */
  naStack?: string;
}

const CASES: Case[] = [
  {
    rule: 'SEC-001',
    stack: 'prod',
    plant: (e) => {
      const p = find.param(e, '/mono-repo/prod/database/password');
      delete p.keyId;
      delete p.keyUrn;
    },
    subject: '/mono-repo/prod/database/password',
    detail: /AWS-managed aws\/ssm/,
    naStack: 'shared',
  },
  {
    rule: 'SEC-001',
    stack: 'dev',
    plant: (e) => {
      const s = find.secret(e, 'mono-repo/dev/api/jwt-signing-key');
      s.keyId = 'alias/aws/secretsmanager';
      delete s.keyUrn;
    },
    subject: 'mono-repo/dev/api/jwt-signing-key',
    detail: /alias\/aws\/secretsmanager/,
  },
  {
    rule: 'SEC-002',
    stack: 'dev',
    plant: (e) => {
      find.secret(e, 'mono-repo/dev/rds/master-password').rotation.enabled = false;
    },
    subject: 'mono-repo/dev/rds/master-password',
    detail: /not enabled/,
    naStack: 'shared',
  },
  {
    rule: 'SEC-002',
    stack: 'prod',
    plant: (e) => {
      find.secret(e, 'mono-repo/prod/api/jwt-signing-key').rotation.intervalDays = 120;
    },
    subject: 'mono-repo/prod/api/jwt-signing-key',
    detail: /120 d \(more than 90 d\)/,
  },
  {
    rule: 'SEC-002',
    stack: 'dev',
    plant: (e) => {
      const r = find.secret(e, 'mono-repo/dev/rds/master-password').rotation;
      delete r.functionUrn;
      r.functionArn = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:gone`;
    },
    subject: 'mono-repo/dev/rds/master-password',
    detail: /function:gone is not in the estate/,
  },
  {
    rule: 'SEC-003',
    stack: 'shared',
    plant: (e) => {
      find.key(e, 'alias/mono-repo-database-key').rotationEnabled = false;
    },
    subject: 'mono-repo-database-key',
    detail: /rotation is off/,
  },
  {
    rule: 'SEC-004',
    stack: 'shared',
    plant: (e) => {
      find.key(e, 'alias/mono-repo-database-key').replicas = [];
    },
    subject: 'mono-repo-database-key',
    detail: /no replica in another region/,
  },
  {
    rule: 'SEC-004',
    stack: 'shared',
    plant: (e) => {
      const k = find.key(e, 'alias/mono-repo-parameter-store-key');
      k.multiRegion = false;
      k.replicas = [];
    },
    subject: 'mono-repo-parameter-store-key',
    detail: /prod key \(encrypts prod data .*single-region/,
  },
  {
    rule: 'SEC-005',
    stack: 'prod',
    plant: (e) => {
      const s = find.secret(e, 'mono-repo/prod/rds/master-password');
      s.protect = false;
      s.recoveryWindowDays = 7;
    },
    subject: 'mono-repo/prod/rds/master-password',
    detail: /not protected, recovery window 7 d \(less than 30 d\)/,
    naStack: 'dev',
  },
  {
    rule: 'SEC-005',
    stack: 'shared',
    plant: (e) => {
      find.key(e, 'alias/mono-repo-secrets-manager-key').deletionWindowDays = 7;
    },
    subject: 'mono-repo-secrets-manager-key',
    detail: /deletion window 7 d/,
  },
  {
    rule: 'SEC-006',
    stack: 'dev',
    plant: (e) => {
      const p = structuredClone(find.param(e, '/mono-repo/dev/database/host'));
      p.path = p.name = '/mono-repo/dev/database/password';
      p.leaf = 'password';
      p.urn = urn('dev', 'aws:ssm/parameter:Parameter', 'db-password');
      e.parameters.push(p);
    },
    subject: '/mono-repo/dev/database/password',
    detail: /String whose name says "password"/,
    naStack: 'shared',
  },
  {
    rule: 'SEC-011',
    stack: 'shared',
    plant: (e) => {
      const st = find.key(e, 'alias/mono-repo-database-key').policy!.statements[1]!;
      st.conditions = [];
    },
    subject: 'mono-repo-database-key',
    detail: /without ViaService .* risk-api-dev/,
  },
  {
    rule: 'SEC-020',
    stack: 'dev',
    plant: (e) => {
      find.policy(e, 'dev-SecretsManagerReadOnly').document.statements[0]!.resources = ['*'];
    },
    subject: 'dev-SecretsManagerReadOnly',
    detail: /GetSecretValue on \* \(all secrets\)/,
    naStack: 'shared',
  },
  {
    rule: 'SEC-020',
    stack: 'prod',
    plant: (e) => {
      find.policy(e, 'prod-ParameterStoreReadOnly').document.statements[0]!.resources = [`arn:aws:ssm:*:${ACCOUNT}:parameter/*`];
    },
    subject: 'prod-ParameterStoreReadOnly',
    detail: /all parameters/,
  },
  {
    rule: 'SEC-021',
    stack: 'dev',
    plant: (e) => {
      find.policy(e, 'dev-ParameterStoreReadOnly').document.statements[0]!.resources = [`${PARN}/mono-repo/*`];
    },
    subject: 'risk-api-dev',
    detail: /dev role can read .*\/mono-repo\/prod\//,
    naStack: 'shared',
  },
  {
    rule: 'SEC-021',
    stack: 'dev',
    plant: (e) => {
      const prodSecret = find.secret(e, 'mono-repo/prod/rds/master-password');
      find.access(e, 'risk-api-dev').secretValues.push({
        resourceUrn: prodSecret.urn,
        actions: ['secretsmanager:GetSecretValue'],
        conditions: [],
        certainty: 'known',
        grantedBy: [],
      });
    },
    subject: 'risk-api-dev',
    detail: /mono-repo\/prod\/rds\/master-password/,
  },
  {
    rule: 'SEC-022',
    stack: 'shared',
    plant: (e) => {
      find.policy(e, 'mono-repo-audit-describe').document.statements[0]!.actions!.push('secretsmanager:GetSecretValue');
    },
    subject: 'mono-repo-audit',
    detail: /can read secret values: secretsmanager:GetSecretValue on \*/,
    naStack: 'dev',
  },
  {
    rule: 'SEC-022',
    stack: 'shared',
    plant: (e) => {
      find.role(e, 'mono-repo-audit').trust.crossAccount!.requiresExternalId = false;
    },
    subject: 'mono-repo-audit',
    detail: /no sts:ExternalId/,
  },
  {
    rule: 'SEC-023',
    stack: 'dev',
    plant: (e) => {
      find.policy(e, 'dev-SecretsManagerRotation').document.statements[0]!.resources = [`${SARN}*`];
    },
    subject: 'rotation-dev',
    detail: /reaches secrets it does not rotate: secretsmanager:GetSecretValue on .*secret:\*/,
    naStack: 'shared',
  },
  {
    rule: 'SEC-023',
    stack: 'prod',
    plant: (e) => {
      const devSecret = find.secret(e, 'mono-repo/dev/rds/master-password');
      find.access(e, 'rotation-prod').secretWrites.push({
        resourceUrn: devSecret.urn,
        actions: ['secretsmanager:PutSecretValue'],
        conditions: [],
        certainty: 'known',
        grantedBy: [],
      });
    },
    subject: 'rotation-prod',
    detail: /mono-repo\/dev\/rds\/master-password/,
  },
  {
    rule: 'SEC-030',
    stack: 'dev',
    plant: (e) => {
      find.policy(e, 'dev-ParameterStoreReadOnly').document.statements[0]!.actions!.push('ssm:PutParameter');
    },
    subject: 'risk-api-dev',
    detail: /more than reading: ssm:PutParameter/,
    naStack: undefined,
  },
  {
    rule: 'SEC-030',
    stack: 'prod',
    plant: (e) => {
      find.policy(e, 'prod-SecretsManagerReadOnly').document.statements[0]!.actions = ['secretsmanager:*'];
    },
    subject: 'risk-api-prod',
    detail: /action secretsmanager:\*/,
  },
  {
    rule: 'SEC-031',
    stack: 'prod',
    plant: (e) => {
      const p = find.param(e, '/mono-repo/prod/database/password');
      find.access(e, 'web-app-build-prod').parameters.push({
        resourceUrn: p.urn,
        actions: ['ssm:GetParameter'],
        conditions: [],
        certainty: 'known',
        grantedBy: [],
      });
    },
    subject: 'web-app-build-prod',
    detail: /can read secret values: \/mono-repo\/prod\/database\/password/,
    naStack: 'shared',
  },
  {
    rule: 'SEC-032',
    stack: 'dev',
    plant: (e) => {
      find.access(e, 'rotation-dev').secretWrites = [];
    },
    subject: 'mono-repo-dev-rotation',
    detail: /role lacks: .*PutSecretValue, UpdateSecretVersionStage/,
    naStack: 'shared',
  },
  {
    rule: 'SEC-032',
    stack: 'prod',
    plant: (e) => {
      find.access(e, 'rotation-prod').keys = [];
    },
    subject: 'mono-repo-prod-rotation',
    detail: /decrypt with alias\/mono-repo-database-key/,
  },
  {
    rule: 'SEC-032',
    stack: 'dev',
    plant: (e) => {
      find.fn(e, 'mono-repo-dev-rotation').invokePrincipals = ['events.amazonaws.com'];
    },
    subject: 'mono-repo-dev-rotation',
    detail: /Secrets Manager may not invoke it \(invoke permission only for events\.amazonaws\.com\)/,
  },
  {
    rule: 'SEC-032',
    stack: 'prod',
    plant: (e) => {
      // The dev function keeps its permission: the estate records invoke permissions.
      find.fn(e, 'mono-repo-prod-rotation').invokePrincipals = [];
    },
    subject: 'mono-repo-prod-rotation',
    detail: /Secrets Manager may not invoke it \(no invoke permission\)/,
  },
  {
    rule: 'SEC-040',
    stack: 'dev',
    plant: (e) => {
      e.audit.trails[0]!.multiRegion = false;
      e.audit.trails[0]!.logFileValidation = false;
    },
    subject: 'mono-repo-trail',
    detail: /single-region, no log file validation \(from stack shared\)/,
  },
  {
    rule: 'SEC-040',
    stack: 'prod',
    plant: (e) => {
      e.audit.trails = [];
    },
    subject: 'stack prod',
    detail: /no CloudTrail trail/,
  },
  {
    rule: 'SEC-041',
    stack: 'shared',
    plant: (e) => {
      delete e.audit.trails[0]!.kmsKeyId;
      e.audit.trails[0]!.bucketPublicAccessBlocked = false;
    },
    subject: 'mono-repo-trail',
    detail: /not encrypted .*public access not blocked/,
  },
  {
    rule: 'SEC-042',
    stack: 'dev',
    plant: (e) => {
      e.audit.alarms = [];
    },
    subject: 'stack dev',
    detail: /no alarm watches AccessDenied/,
  },
  {
    rule: 'SEC-042',
    stack: 'shared',
    plant: (e) => {
      e.audit.alarms[0]!.topics = [];
    },
    subject: 'mono-repo-access-denied',
    detail: /notifies nobody/,
  },
  {
    rule: 'SEC-043',
    stack: 'prod',
    plant: (e) => {
      e.audit.eventRules = [];
    },
    subject: 'stack prod',
    detail: /no alarm or event rule reports failed rotations/,
    naStack: 'shared',
  },
];

describe('rules catalogue', () => {
  it('has unique ids and slugs, short titles, and maps every rule to all three frameworks', () => {
    expect(new Set(RULES.map((r) => r.id)).size).toBe(RULES.length);
    expect(new Set(RULES.map((r) => r.slug)).size).toBe(RULES.length);
    for (const r of RULES) {
      expect(r.title.length, r.id).toBeLessThanOrEqual(48);
      expect(r.frameworks.soc2.length, r.id).toBeGreaterThan(0);
      expect(r.frameworks.iso27001.every((c) => /^A\.[5-8]\.\d+$/.test(c)), r.id).toBe(true);
      expect(r.frameworks.gdpr.every((c) => /^Art\. \d+/.test(c)), r.id).toBe(true);
      expect(r.rationale.length, r.id).toBeGreaterThan(20);
      expect(r.remediation.length, r.id).toBeGreaterThan(20);
    }
  });

  it('gives every band of the security view at least one rule', () => {
    const layers = new Set(RULES.map((r) => r.layer));
    expect([...layers].sort()).toEqual(['application', 'at-rest', 'audit', 'iam', 'in-transit']);
  });

  it('covers every rule with a planted violation in the tests', () => {
    const tested = new Set(CASES.map((c) => c.rule));
    const untested = RULES.map((r) => r.id).filter((id) => !tested.has(id) && id !== 'SEC-010');
    expect(untested).toEqual([]);
  });
});

describe('the compliant estate', () => {
  for (const stack of ['shared', 'dev', 'prod']) {
    it(`meets every rule in stack ${stack}`, () => {
      const findings = evaluateRules(compliantEstate() as Estate, stack);
      expect(findings.map((f) => f.ruleId)).toEqual(RULES.map((r) => r.id));
      const failing = findings.filter((f) => f.status === 'not-met').map((f) => `${f.ruleId} ${notMet(f).join('; ')}`);
      expect(failing).toEqual([]);
      expect(failsAt(findings, 'low')).toBe(false);
      for (const f of findings) {
        expect(f.stack).toBe(stack);
        expect(f.status).toBe(f.subjects.length === 0 ? 'not-applicable' : 'met');
      }
    });
  }
});

describe.each(CASES)('$rule in $stack: $subject', (c) => {
  it('is met on the compliant estate', () => {
    const f = finding(compliantEstate(), c.stack, c.rule);
    expect(f.status).toBe('met');
    expect(f.subjects.length).toBeGreaterThan(0);
  });

  it('is not met with the violation planted, naming the subject', () => {
    const f = finding(plant(c.plant), c.stack, c.rule);
    expect(f.status).toBe('not-met');
    const failing = f.subjects.filter((s) => s.status === 'not-met');
    expect(failing.map((s) => s.name)).toContain(c.subject);
    const s = failing.find((x) => x.name === c.subject)!;
    expect(s.detail).toMatch(c.detail);
    expect(f.subjects[0]!.status).toBe('not-met'); // failures first
    expect(failsAt([f], f.severity)).toBe(true);
  });

  if (c.naStack !== undefined) {
    it(`is not applicable in stack ${c.naStack}`, () => {
      const f = finding(compliantEstate(), c.naStack!, c.rule);
      expect(f.status).toBe('not-applicable');
      expect(f.subjects).toEqual([]);
    });
  }
});

describe('key rules judge the keys a stack uses from other stacks', () => {
  const KEY_RULES = ['SEC-003', 'SEC-004', 'SEC-011'];

  it('evaluates the shared keys that an environment\'s parameters and secrets use, marked with their stack', () => {
    // prod's SecureString uses the parameter-store key; dev has no SecureString, so not that one.
    const used: Record<string, string[]> = {
      dev: ['shared mono-repo-database-key', 'shared mono-repo-secrets-manager-key'],
      prod: ['shared mono-repo-database-key', 'shared mono-repo-parameter-store-key', 'shared mono-repo-secrets-manager-key'],
    };
    for (const stack of ['dev', 'prod']) {
      for (const id of KEY_RULES) {
        const f = finding(compliantEstate(), stack, id);
        expect(f.status).toBe('met');
        expect(f.subjects.map((s) => `${s.stack} ${s.name}`)).toEqual(used[stack]);
        for (const s of f.subjects) expect(s.detail).toMatch(/ \(stack shared\)$/);
        expect(findingNote(f)).toBeUndefined();
      }
    }
  });

  it('keeps judging the owning stack\'s own keys without a stack mark', () => {
    for (const id of KEY_RULES) {
      const f = finding(compliantEstate(), 'shared', id);
      expect(f.subjects.map((s) => s.name)).toEqual(['mono-repo-database-key', 'mono-repo-parameter-store-key', 'mono-repo-secrets-manager-key']);
      for (const s of f.subjects) expect(s.detail).not.toMatch(/\(stack /);
    }
  });

  it('fails the environment with the shared key it uses, and only where it is used', () => {
    // Only secrets use the database key: dev and prod both do; no parameter of either does.
    const e = plant((x) => {
      find.key(x, 'alias/mono-repo-database-key').rotationEnabled = false;
    });
    for (const stack of ['shared', 'dev', 'prod']) {
      const f = finding(e, stack, 'SEC-003');
      expect(f.status).toBe('not-met');
      expect(notMet(f)).toEqual([`mono-repo-database-key: automatic rotation is off${stack === 'shared' ? '' : ' (stack shared)'}`]);
    }
    // A key of shared that dev does not use is not dev's subject.
    const unused = plant((x) => {
      const k = structuredClone(find.key(x, 'alias/mono-repo-database-key'));
      k.urn = urn('shared', 'aws:kms/key:Key', 'spare');
      k.name = 'spare';
      k.aliases = ['alias/spare'];
      k.rotationEnabled = false;
      x.keys.push(k);
    });
    expect(finding(unused, 'dev', 'SEC-003').status).toBe('met');
    expect(notMet(finding(unused, 'shared', 'SEC-003'))).toEqual(['spare: automatic rotation is off']);
  });

  it('counts the key of a SecureString but not of a String parameter', () => {
    const e = plant((x) => {
      // prod's secrets move to an AWS-managed key: only its SecureString still uses a shared key.
      for (const s of x.secrets) {
        if (s.stack !== 'prod') continue;
        delete s.keyId;
        delete s.keyUrn;
      }
      // A String parameter with a stale keyId does not make its key a dependency.
      const host = find.param(x, '/mono-repo/prod/database/host');
      host.keyId = 'alias/mono-repo-database-key';
      host.keyUrn = find.key(x, 'alias/mono-repo-database-key').urn;
    });
    expect(finding(e, 'prod', 'SEC-003').subjects.map((s) => s.name)).toEqual(['mono-repo-parameter-store-key']);
  });

  it('is not applicable, with a note, where the used keys\' stack is not loaded (the policy pack sees one stack)', () => {
    const e = plant((x) => {
      x.stacks = x.stacks.filter((s) => s.stack === 'prod');
      x.keys = [];
      for (const p of [...x.parameters, ...x.secrets]) {
        if (p.keyUrn === undefined) continue;
        p.keyId = `arn:aws:kms:${REGION}:${ACCOUNT}:key/${p.keyUrn.split('::').pop()}`;
        delete p.keyUrn;
      }
      x.parameters = x.parameters.filter((p) => p.stack === 'prod');
      x.secrets = x.secrets.filter((s) => s.stack === 'prod');
    });
    for (const id of KEY_RULES) {
      const f = finding(e, 'prod', id);
      expect(f.status).toBe('not-applicable');
      expect(f.subjects).toEqual([]);
      expect(findingNote(f)).toMatch(/^3 keys \(mono-repo-database-key, mono-repo-parameter-store-key, mono-repo-secrets-manager-key\) used by \d+ resources of this stack are not judged here \(stack shared is not loaded\): checked where the key is defined$/);
    }
    expect(failsAt(evaluateRules(e as Estate, 'prod'), 'low')).toBe(false);
  });

  it('has no note where every used key resolves, or nothing uses a key', () => {
    expect(findingNote(finding(compliantEstate(), 'prod', 'SEC-003'))).toBeUndefined();
    expect(findingNote(finding(unrelatedEstate(), 'web', 'SEC-003'))).toBeUndefined();
    // An AWS-managed key is SEC-001's business, not an unresolved key.
    const e = plant((x) => {
      const p = find.param(x, '/mono-repo/prod/database/password');
      p.keyId = 'alias/aws/ssm';
      delete p.keyUrn;
    });
    expect(findingNote(finding(e, 'prod', 'SEC-003'))).toBeUndefined();
    expect(finding(e, 'prod', 'SEC-003').subjects.map((s) => s.name)).toEqual(['mono-repo-database-key', 'mono-repo-secrets-manager-key']);
  });
});

describe('SEC-032 without any Lambda permission in the estate', () => {
  it('judges the function on its role and says the invoke permission is unknown', () => {
    const e = plant((x) => {
      for (const f of x.functions) f.invokePrincipals = [];
    });
    for (const stack of ['dev', 'prod']) {
      const f = finding(e, stack, 'SEC-032');
      expect(f.status).toBe('met');
      expect(f.subjects.map((s) => s.detail)).toEqual([expect.stringMatching(/^role can rotate its \d+ secrets; invoke permission unknown \(no Lambda permission in the estate\)$/)]);
    }
    // A role problem is still not met.
    const broken = plant((x) => {
      for (const f of x.functions) f.invokePrincipals = [];
      find.access(x, 'rotation-dev').secretWrites = [];
    });
    expect(finding(broken, 'dev', 'SEC-032').status).toBe('not-met');
  });

  it('with the permission in place, says so', () => {
    expect(finding(compliantEstate(), 'dev', 'SEC-032').subjects.map((s) => s.detail)).toEqual([expect.stringMatching(/; Secrets Manager may invoke it$/)]);
  });
});

describe('not applicable where there is nothing to check', () => {
  it('says not-applicable for every rule on a stack with no secrets, keys or roles', () => {
    const findings = evaluateRules(unrelatedEstate() as Estate, 'web');
    expect(findings).toHaveLength(RULES.length);
    expect(findings.every((f) => f.status === 'not-applicable')).toBe(true);
  });

  it('does not fail the audit rules of an environment stack whose referenced shared stack is not loaded', () => {
    const e = plant((x) => {
      x.stacks = x.stacks.filter((s) => s.stack === 'dev');
      x.audit = { trails: [], alarms: [], eventRules: [], topics: [] };
    });
    for (const id of ['SEC-040', 'SEC-041', 'SEC-042', 'SEC-043']) expect(finding(e, 'dev', id).status).toBe('not-applicable');
  });

  it('does not let an alarm tied to another environment watch this one, even in the shared stack', () => {
    const e = plant((x) => {
      for (const a of x.audit.alarms) if (a.watches === 'access-denied') a.tags = { ...a.tags, Environment: 'dev' };
    });
    expect(finding(e, 'dev', 'SEC-042').status).toBe('met');
    expect(finding(e, 'shared', 'SEC-042').status).toBe('met'); // its own alarm
    const prod = finding(e, 'prod', 'SEC-042');
    expect(prod.status).toBe('not-met');
    expect(notMet(prod)).toEqual(['stack prod: no alarm watches AccessDenied on secret, parameter or decrypt calls']);
  });

  it('fails the audit rules of a stack that holds secrets and references nothing', () => {
    const e = plant((x) => {
      x.stacks = x.stacks.filter((s) => s.stack === 'prod');
      x.stacks[0]!.references = [];
      x.audit = { trails: [], alarms: [], eventRules: [], topics: [] };
    });
    for (const id of ['SEC-040', 'SEC-042', 'SEC-043']) expect(finding(e, 'prod', id).status).toBe('not-met');
  });
});

describe('details never carry a secret value', () => {
  it('keeps details to names, aliases and numbers', () => {
    const secretValue = 'hunter2-super-secret-value';
    const e = plant((x) => {
      // Even if a value leaked into a description or tag, the rules never print descriptions or tag values.
      find.secret(x, 'mono-repo/prod/rds/master-password').description = secretValue;
      find.param(x, '/mono-repo/prod/database/password').tags = { Environment: 'prod', Note: secretValue };
      x.audit.trails = [];
      find.key(x, 'alias/mono-repo-database-key').rotationEnabled = false;
    });
    for (const stack of ['shared', 'dev', 'prod']) {
      expect(JSON.stringify(evaluateRules(e as Estate, stack))).not.toContain(secretValue);
    }
  });
});

describe('evaluateRules inputs and failsAt', () => {
  it('throws a usage GeneratorError naming the stack and the accepted ones', () => {
    expect(() => evaluateRules(compliantEstate() as Estate, 'staging')).toThrow(GeneratorError);
    expect(() => evaluateRules(compliantEstate() as Estate, 'staging')).toThrow(/stack 'staging' is not in the estate.*dev, prod, shared/);
  });

  it('accepts stricter options', () => {
    const f = evaluateRules(compliantEstate() as Estate, 'dev', { maxSecretRotationDays: 45 }).find((x) => x.ruleId === 'SEC-002')!;
    expect(f.status).toBe('not-met');
    expect(notMet(f)).toEqual(['mono-repo/dev/api/jwt-signing-key: rotates every 60 d (more than 45 d)']);
  });

  it('fails at or above the given severity only', () => {
    const medium = evaluateRules(plant((x) => void (find.key(x, 'alias/mono-repo-database-key').rotationEnabled = false)) as Estate, 'shared');
    expect(medium.filter((f) => f.status === 'not-met').map((f) => f.severity)).toEqual(['medium']);
    expect(failsAt(medium, 'low')).toBe(true);
    expect(failsAt(medium, 'medium')).toBe(true);
    expect(failsAt(medium, 'high')).toBe(false);
    expect(failsAt(medium, 'critical')).toBe(false);
    expect(failsAt([], 'low')).toBe(false);
  });

  it('parses severities and rejects others', () => {
    expect(parseSeverity('HIGH')).toBe('high');
    expect(() => parseSeverity('severe')).toThrow(/--fail-on.*unknown severity 'severe'.*critical, high, medium, low/);
  });
});

describe('secret-like parameter names', () => {
  it.each([
    ['password', 'password'],
    ['db-password', 'password'],
    ['apiToken', 'token'],
    ['external-api-key', 'key'],
    ['jwt-signing-key', 'key'],
    ['connection-string', 'connection string'],
    ['client_secret', 'secret'],
  ])('%s says %s', (leaf, word) => expect(secretLikeName(leaf)).toBe(word));

  it.each(['host', 'port', 'rate-limit', 'kms-key-id', 'token-ttl', 'password-min-length', 'risk-analysis-v2', 'keyboard-layout', 'allowed-origins'])(
    '%s does not',
    (leaf) => expect(secretLikeName(leaf)).toBeUndefined(),
  );
});
