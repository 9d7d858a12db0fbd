import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { injectSection, loadTemplates } from '../../diagrams/docs/markdown.ts';
import { buildIndexModel, buildPageModel, md } from '../../diagrams/docs/viewmodel.ts';
import { DIAGRAMS } from '../../diagrams/views/types.ts';
import { fakeCost, fakeFindings, fakeViews, makeEstate } from './fixture.ts';

const estate = makeEstate();
const views = (stack: string) => DIAGRAMS.map((d) => fakeViews[d]({ estate, stack, findings: [] }));
const formats = { svg: true, png: true, d2: false };
const page = (stack: string) => buildPageModel({ estate, stack, views: views(stack), findings: fakeFindings(stack), cost: fakeCost(stack), formats });

let dir: string;
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'docs-'));
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('view model', () => {
  it('escapes Markdown table cells', () => {
    expect(md('a|b\nc <x>')).toBe('a\\|b c &lt;x&gt;');
  });

  it('builds the prod page from the estate', async () => {
    const t = await loadTemplates();
    const out = t.renderPage(page('prod'));
    expect(out).toContain('# mono-repo / prod: secrets and configuration architecture');
    expect(out).toContain('![parameter\\_store\\_hierarchy of prod](parameter_store_hierarchy.svg)');
    expect(out).toContain('PNG: [parameter_store_hierarchy.png](parameter_store_hierarchy.png)');
    // The tree with types and the key of SecureStrings.
    expect(out).toMatch(/│   └── password +# SecureString \(alias\/mono-repo-parameter-store-key\)/);
    // The pipe in a parameter name is escaped in the table.
    expect(out).toContain('`/mono-repo/prod/services/allowed\\|origins`');
    expect(out).toContain('### Database secrets');
    expect(out).toContain('| `mono-repo/prod/rds/master-password` | `alias/mono-repo-secrets-manager-key` | every 30 d |');
    expect(out).toMatch(/\| ParameterStoreReadOnly \| managed \| Allow \| `ssm:GetParameter`<br>`ssm:GetParametersByPath` \|/);
    // The access matrix: folders, secrets, keys (from the shared stack).
    expect(out).toContain('| `/mono-repo/prod/database/*` (2 parameters) | read 2/2 |');
    expect(out).toContain('| `alias/mono-repo-parameter-store-key` (stack shared) | decrypt via ssm |');
    expect(out).toContain('| `mono-repo/prod/api/jwt-signing-key` | — |');
    expect(out).toContain('`finishSecret`');
    expect(out).toContain('| access-denied | access-denied |   | security-alerts (email: sec@example\\.com)');
    expect(out).toContain('**KMS keys rotate** (high): Set enableKeyRotation: true. Not met by: `k`: rotation off.');
    expect(out).toContain('Estimated monthly cost: **$0.80**');
    expect(out).toContain('aws secretsmanager rotate-secret --secret-id mono-repo/prod/rds/master-password');
    expect(out).not.toMatch(/\n\n\n/);
    expect(out.endsWith('\n')).toBe(true);
  });

  it('lists what a check could not judge in the stack, from the finding\'s note', async () => {
    const t = await loadTemplates();
    const base = fakeFindings('dev')[0]!;
    const noted = { ...base, status: 'not-applicable' as const, subjects: [], note: '1 key (mrk-1) used by 2 resources of this stack is not judged here (stack shared is not loaded): checked where the key is defined' };
    const out = t.renderPage(buildPageModel({ estate, stack: 'dev', views: [], findings: [noted], formats }));
    expect(out).toContain('Not judged in this stack:\n\n- **KMS keys rotate** (`kms-rotation`): 1 key (mrk-1) used by 2 resources of this stack is not judged here (stack shared is not loaded): checked where the key is defined.\n');
    expect(out).not.toMatch(/\n\n\n/);
    expect(t.renderPage(page('dev'))).not.toContain('Not judged in this stack');
  });

  it('shows in Monitoring the trail and alarms of the referenced stack, marked, and not a sibling environment\'s', async () => {
    const t = await loadTemplates();
    const u = (stack: string, type: string, name: string) => `urn:pulumi:${stack}::mono-repo::${type}::${name}`;
    const base = { tags: {}, protect: false };
    const e = makeEstate();
    const withShared = {
      ...e,
      audit: {
        ...e.audit,
        trails: [{ ...base, urn: u('shared', 'aws:cloudtrail/trail:Trail', 'org-trail'), stack: 'shared', name: 'org-trail', multiRegion: true, logFileValidation: true, bucketPublicAccessBlocked: true, events: ['management events (read+write)'] }],
        alarms: [
          ...e.audit.alarms,
          { ...base, urn: u('dev', 'aws:cloudwatch/metricAlarm:MetricAlarm', 'dev-rot'), stack: 'dev', name: 'mono-repo-dev-rotation-errors', watches: 'other' as const, topics: [] },
          { ...base, urn: u('shared', 'aws:cloudwatch/metricAlarm:MetricAlarm', 'acct'), stack: 'shared', name: 'account-denied', watches: 'access-denied' as const, topics: [] },
          { ...base, tags: { Environment: 'dev' }, urn: u('shared', 'aws:cloudwatch/metricAlarm:MetricAlarm', 'dev-budget'), stack: 'shared', name: 'budget', watches: 'other' as const, topics: [] },
        ],
      },
    };
    const prod = t.renderPage(buildPageModel({ estate: withShared, stack: 'prod', views: [], findings: [], formats }));
    const monitoring = prod.slice(prod.indexOf('## Monitoring and audit'), prod.indexOf('## Compliance findings'));
    expect(monitoring).toContain('| org-trail (stack shared) | true | true |');
    expect(monitoring).toContain('| access-denied | access-denied |');
    expect(monitoring).toContain('| account-denied (stack shared) | access-denied |');
    expect(monitoring).not.toContain('dev-rotation-errors');
    expect(monitoring).not.toContain('budget');
    expect(prod).toContain('The call is recorded by trail org-trail (stack shared).');
    const dev = t.renderPage(buildPageModel({ estate: withShared, stack: 'dev', views: [], findings: [], formats }));
    const devMonitoring = dev.slice(dev.indexOf('## Monitoring and audit'), dev.indexOf('## Compliance findings'));
    expect(devMonitoring).toContain('| mono-repo-dev-rotation-errors | other |');
    expect(devMonitoring).toContain('| budget (stack shared) | other |');
    expect(devMonitoring).not.toContain('\n| access-denied |'); // prod's own alarm
    // Nothing in the stack or its references: the empty state says where it looked.
    const bare = t.renderPage(buildPageModel({ estate: { ...e, audit: { trails: [], alarms: [], eventRules: [], topics: [] } }, stack: 'prod', views: [], findings: [], formats }));
    expect(bare).toContain('No CloudTrail trail in this stack or in the stacks it references.');
    expect(bare).toContain('No alarms or event rules in this stack or in the stacks it references.');
    expect(bare).not.toMatch(/\n\n\n/);
  });

  it('shows the explicit empty states for a stack without resources', async () => {
    const t = await loadTemplates();
    const out = t.renderPage(buildPageModel({ estate, stack: 'shared', views: [], findings: [], formats }));
    for (const s of ['No diagrams in this stack.', 'No parameters in this stack.', 'No secrets in this stack.', 'No IAM policies in this stack.', 'No IAM roles in this stack.', 'No CloudTrail trail in this stack.', 'No compliance findings for this stack.', 'No billable resources in this stack.']) {
      expect(out).toContain(s);
    }
  });

  it('is deterministic', async () => {
    const t = await loadTemplates();
    expect(t.renderPage(page('prod'))).toBe(t.renderPage(page('prod')));
  });

  it('shows environment parity on the index', async () => {
    const t = await loadTemplates();
    const out = t.renderIndex(buildIndexModel({ estate, stacks: ['dev', 'prod', 'shared'], findings: { prod: fakeFindings('prod') }, cost: fakeCost() }));
    expect(out).toContain('[prod](prod/README.md)');
    expect(out).toContain('| Name (relative to the environment) | dev | prod | Parity |');
    expect(out).toContain('| `database/host` | String | String | same |');
    expect(out).toContain('| `database/password` | — | SecureString (alias/mono-repo-parameter-store-key) | **differs** |');
    expect(out).toContain('| `rds/master-password` | alias/mono-repo-secrets-manager-key, not rotated | alias/mono-repo-secrets-manager-key, every 30 d | **differs** |');
    expect(out).toMatch(/2 of 4 parameters differ/);
  });
});

describe('templates', () => {
  it('lets a user directory override a partial, falling back to the built-ins', async () => {
    await fs.mkdir(path.join(dir, 'partials'));
    await fs.writeFile(path.join(dir, 'partials', 'cost.hbs'), 'COST {{costTotal}}\n');
    const out = (await loadTemplates(dir)).renderPage(page('prod'));
    expect(out).toContain('COST $0.80');
    expect(out).toContain('## Parameter Store structure');
  });

  it('names the file and line of a template that does not compile', async () => {
    await fs.writeFile(path.join(dir, 'page.hbs'), '# x\n\n{{#each diagrams}}\n{{/if}}\n');
    await expect(loadTemplates(dir)).rejects.toThrow(/page\.hbs at line 3: template does not compile/);
    await fs.writeFile(path.join(dir, 'page.hbs'), '# x\n{{title\n');
    await expect(loadTemplates(dir)).rejects.toThrow(/page\.hbs at line \d: template does not compile: Parse error/);
  });

  it('names a field the view model does not have', async () => {
    await fs.writeFile(path.join(dir, 'index.hbs'), '{{nope}}\n');
    const t = await loadTemplates(dir);
    expect(() => t.renderIndex(buildIndexModel({ estate, stacks: [], findings: {} }))).toThrow(/index\.hbs.*"nope" not defined/);
  });
});

describe('injectSection', () => {
  const B = '<!-- BEGIN_ARCHITECTURE_DOCS -->';
  const E = '<!-- END_ARCHITECTURE_DOCS -->';
  it('replaces only what is between the markers', () => {
    expect(injectSection(`# Mine\r\n${B}\nold\n${E}\ntail\n`, 'new\n', 'x.md')).toBe(`# Mine\n${B}\nnew\n${E}\ntail\n`);
  });
  it('names a missing, duplicated or misplaced marker', () => {
    expect(() => injectSection('# Mine\n', 'x', 'x.md')).toThrow(/--inject x.md: missing marker <!-- BEGIN_ARCHITECTURE_DOCS -->/);
    expect(() => injectSection(`${B}\n`, 'x', 'x.md')).toThrow(/missing marker <!-- END_ARCHITECTURE_DOCS -->/);
    expect(() => injectSection(`${B}\n${E}\n${B}\n`, 'x', 'x.md')).toThrow(/line 3: marker <!-- BEGIN_ARCHITECTURE_DOCS --> appears more than once/);
    expect(() => injectSection(`a\n${E}\n${B}\n`, 'x', 'x.md')).toThrow(/line 2: marker <!-- END_ARCHITECTURE_DOCS --> comes before/);
  });
});
