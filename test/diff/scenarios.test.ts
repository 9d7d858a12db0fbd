/**
 * Base/head pairs of the fixture estate (./scenario.ts), one change each: the exact report lines
 * the change gives (summary, access, findings, resources, parity) and what `--fail-on` decides.
 */

import { describe, expect, it } from 'vitest';
import { renderMarkdown } from '../../diagrams/diff/markdown.ts';
import { failures, type FailOn } from '../../diagrams/diff/report.ts';
import { lines } from './helpers.ts';
import { fixture, reportOf, type Change } from './scenario.ts';

const NEW_ACCESS: FailOn = { kind: 'new-access' };
const HIGH: FailOn = { kind: 'new-finding', severity: 'high' };
const CRITICAL: FailOn = { kind: 'new-finding', severity: 'critical' };

function review(...changes: Change[]) {
  const report = reportOf(fixture(), fixture(...changes));
  return { report, md: lines(renderMarkdown(report)) };
}

describe('no change', () => {
  it('is a one-line report with the marker, and fails nothing', () => {
    const { report, md } = review();
    expect(md).toEqual(['Change review: no change to access, findings, resources, cost or parity in 3 stacks.', '<!-- mono-repo-secrets-docs:diff -->', '']);
    expect(report.unchanged).toBe(true);
    expect(failures(report, [NEW_ACCESS, { kind: 'new-finding', severity: 'low' }])).toEqual([]);
  });
});

describe('a policy statement widened from one folder to the environment', () => {
  const { report, md } = review('widen');
  it('says who gains what, folded to the folder, and which statement changed', () => {
    expect(md[0]).toBe('Change review: 1 principal gains read access; 1 resource changed.');
    expect(md).toContain('- **role** `api`');
    expect(md).toContain(
      '  - gains parameters `/app/prod/db/*` (all 3 parameters): certain; via policy `api-read` statement `ReadConfig` (**new or changed**), policy `api-read` statement `DecryptViaSsm`, key policy of alias/app-key statement `AccountAdministers`',
    );
    expect(md).toContain(
      '- policy `api-read` updated: statement ReadConfig: `Allow ssm:GetParameter, ssm:GetParameters on arn:aws:ssm:eu-west-1:111122223333:parameter/app/prod/api/*` → `Allow ssm:GetParameter, ssm:GetParameters on arn:aws:ssm:eu-west-1:111122223333:parameter/app/prod/*`',
    );
    expect(md).toContain('| prod | changed | 1 gain | — | 1 | — |');
    expect(md).toContain('Unchanged: dev, shared.');
  });
  it('fails new-access (a SecureString is among the reads) but no finding', () => {
    expect(failures(report, [NEW_ACCESS, HIGH])).toEqual(['new-access: 1 principal gains read access to a secret, a SecureString or a key']);
  });
});

describe('a role attached to AdministratorAccess', () => {
  const { report, md } = review('admin');
  it('lists the attachment, the admin flag and every read it gains, per stack', () => {
    expect(md[0]).toBe('Change review: 1 principal gains read access; 3 critical and 3 high new findings; 1 other resource changed.');
    const i = md.indexOf('- **role** `ops`');
    expect(md.slice(i, i + 10)).toEqual([
      '- **role** `ops`',
      '  - policies: + `arn:aws:iam::aws:policy/AdministratorAccess`',
      '  - full administrator: `no` → `yes`',
      '  - gains parameters `/app/*` (all 5 parameters): certain; via policy `AdministratorAccess` (**new or changed**), key policy of alias/app-key statement `AccountAdministers`',
      '  - gains parameters `/app/*` (all 5 parameters) (in dev): certain; via policy `AdministratorAccess` (**new or changed**), key policy of alias/app-key statement `AccountAdministers`',
      '  - gains secrets `app/prod/api`, `app/prod/db`: certain; via policy `AdministratorAccess` (**new or changed**), key policy of alias/app-key statement `AccountAdministers`',
      '  - gains secrets `app/dev/api`, `app/dev/db` (in dev): certain; via policy `AdministratorAccess` (**new or changed**), key policy of alias/app-key statement `AccountAdministers`',
      '  - gains decrypt with key `alias/app-key` (in shared): certain; via policy `AdministratorAccess` (**new or changed**), key policy of alias/app-key statement `AccountAdministers`',
      '  - gains write (rotate) secrets `app/prod/api`, `app/prod/db`: certain; via policy `AdministratorAccess` (**new or changed**)',
      '  - gains write (rotate) secrets `app/dev/api`, `app/dev/db` (in dev): certain; via policy `AdministratorAccess` (**new or changed**)',
    ]);
    expect(md).toContain('| SEC-027 No full administrator in the stack | critical | newly not met | `ops`: full administrator (AdministratorAccess): can read every secret, parameter and key |');
    expect(md).toContain('| `aws:iam/rolePolicyAttachment:RolePolicyAttachment` | 1 | 2 |');
  });
  it('fails new-access and new-finding=critical', () => {
    expect(failures(report, [NEW_ACCESS])).toHaveLength(1);
    expect(failures(report, [CRITICAL])).toEqual(['new-finding=critical: prod: SEC-020 (critical), prod: SEC-021 (critical), prod: SEC-027 (critical)']);
  });
});

describe('a permissions boundary removed', () => {
  const { report, md } = review('boundary-removed');
  it('names the removed boundary and what the inline policy now grants', () => {
    expect(md[0]).toBe('Change review: 1 principal gains read access; 1 critical and 3 medium new findings; 1 resource changed.');
    const i = md.indexOf('- **role** `worker`');
    expect(md[i + 1]).toBe('  - boundary: `arn:aws:iam::111122223333:policy/worker-boundary` → none');
    expect(md[i + 2]).toBe(
      '  - gains parameters `/app/prod/api/token`, `/app/prod/db/*` (all 3 parameters): certain; via policy `worker-all` statement `Decrypt`, policy `worker-all` statement `Everything`, key policy of alias/app-key statement `AccountAdministers`',
    );
    expect(md).toContain('- policy `worker-boundary` updated: boundary of: − `worker`');
    expect(failures(report, [HIGH])).toEqual(['new-finding=high: prod: SEC-021 (critical)']);
  });
  it('is a property change of the principal in the JSON model', () => {
    const worker = report.stacks.find((s) => s.stack === 'prod')!.access.find((p) => p.name === 'worker')!;
    expect(worker.properties).toEqual([{ property: 'boundary', base: 'arn:aws:iam::111122223333:policy/worker-boundary' }]);
    expect(worker.gained.every((r) => r.sensitive || r.kind === 'parameter')).toBe(true);
  });
});

describe('a secret resource policy shared with another account', () => {
  const { report, md } = review('shared');
  it('adds the other account as a principal reading the secret, reported once per resource stack', () => {
    expect(md[0]).toBe('Change review: 1 principal gains read access; 1 high new finding; 1 resource changed.');
    expect(md.filter((l) => l === '- **another account** `account 444455556666` (new)')).toHaveLength(2);
    expect(md).toContain('  - gains secret `app/prod/api`: conditional; via policy of app/prod/api statement `PartnerReads` (**new or changed**), key policy of alias/app-key statement `PartnerDecryptsThroughSecretsManager`');
    expect(md).toContain('  - gains decrypt with key `alias/app-key`: conditional; via key policy of alias/app-key statement `PartnerDecryptsThroughSecretsManager`');
    expect(md.filter((l) => l.includes('decrypt with key'))).toHaveLength(1);
    expect(md).toContain('- secret `app/prod/api` updated: resource policy statement PartnerReads: none → `Allow secretsmanager:GetSecretValue on * to AWS:arn:aws:iam::444455556666:root`');
    expect(md).toContain('| SEC-024 Secret policies share only inside the account | high | newly not met | `app/prod/api`: resource policy allows arn:aws:iam::444455556666:root |');
  });
  it('fails new-access and new-finding=high, not critical', () => {
    expect(failures(report, [NEW_ACCESS, HIGH])).toEqual(['new-access: 1 principal gains read access to a secret, a SecureString or a key', 'new-finding=high: prod: SEC-024 (high)']);
    expect(failures(report, [CRITICAL])).toEqual([]);
  });
});

describe('a rotation removed', () => {
  const { report, md } = review('rotation-removed');
  it('shows the rotation change, the finding, and the parity change against dev', () => {
    expect(md[0]).toBe('Change review: 1 high new finding; 3 rules newly not applicable; 1 resource changed; 1 parity change.');
    expect(md).toContain('- secret `app/prod/db` updated:');
    expect(md).toContain('  - rotation: `every 30 d` → `not rotated`');
    expect(md).toContain('  - rotation function: `rotation-prod` → none');
    expect(md).toContain('| SEC-002 Secrets rotate within 90 days | high | more resources not met | `app/prod/db`: rotation is not enabled |');
    expect(md).toContain('| secret | `db` | alias/app-key, every 30 d | alias/app-key, every 30 d → alias/app-key, not rotated |');
    expect(failures(report, [NEW_ACCESS])).toEqual([]);
    expect(failures(report, [HIGH])).toEqual(['new-finding=high: prod: SEC-002 (high)']);
  });
});

describe('a parameter changed from SecureString to String', () => {
  const { report, md } = review('plain-type');
  it('says it is no longer encrypted, with the finding and the parity change', () => {
    expect(md[0]).toBe('Change review: 1 high new finding; 1 resource changed; 1 parity change.');
    expect(md).toContain('- parameter `/app/prod/db/password` updated:');
    expect(md).toContain('  - type: `SecureString` → `String` (**no longer encrypted**)');
    expect(md).toContain('  - key: `alias/app-key` → none');
    expect(md).toContain('| SEC-006 No secret in a plain String parameter | high | newly not met | `/app/prod/db/password`: String whose name says "password": should be a SecureString |');
    expect(md).toContain('| parameter | `db/password` | SecureString (alias/app-key) | SecureString (alias/app-key) → String |');
    expect(report.summary.principalsGaining).toBe(0);
  });
});

describe('a stack added', () => {
  const { report, md } = review('stack-added');
  it('reports the stack as added, with every resource, the rules it does not meet and its cost', () => {
    expect(md[0]).toBe('Change review: 3 high, 5 medium and 1 low new findings; 8 resources changed; 2 other resources changed; 1 stack added; +$0.83/month.');
    expect(md).toContain('| uat | added | — | 3 high, 5 medium, 1 low | 8 | +$0.83 |');
    expect(md).toContain('### uat (added)');
    expect(md).toContain('- parameter `/app/uat/db/password` added');
    expect(md).toContain('- role `rotation-uat` added');
    expect(md).toContain('Cost: — → $0.83 a month (+$0.83).');
    // A role added without reads is a resource change only.
    expect(md.some((l) => l.startsWith('- **role** `rotation-uat`'))).toBe(false);
    expect(report.stacks.find((s) => s.stack === 'uat')!.change).toBe('added');
    expect(report.parity).toEqual([]);
  });
  it('and removed, the other way round, reports no finding change for it', () => {
    const back = reportOf(fixture('stack-added'), fixture());
    const uat = back.stacks.find((s) => s.stack === 'uat')!;
    expect(uat.change).toBe('removed');
    expect(uat.findings).toEqual([]);
    expect(uat.resources.every((r) => r.change === 'removed')).toBe(true);
    expect(back.summary.costDelta).toBe(-0.83);
  });
});

describe('losses', () => {
  it('the reverse of a widening is a loss, which new-access does not fail on', () => {
    const report = reportOf(fixture('widen'), fixture());
    const md = lines(renderMarkdown(report));
    expect(md[0]).toBe('Change review: 1 principal loses access; 1 resource changed.');
    expect(md).toContain('  - loses parameters `/app/prod/db/*` (all 3 parameters): certain; via policy `api-read` statement `DecryptViaSsm`, policy `api-read` statement `ReadConfig`, key policy of alias/app-key statement `AccountAdministers`');
    expect(failures(report, [NEW_ACCESS])).toEqual([]);
  });
});
