/**
 * The page and index Markdown on estates made with the fixture builder: escaping, what a check could
 * not judge, the monitoring pieces of the stacks a stack uses, empty states, determinism, and the
 * templates (user overrides, compile errors, unknown fields). Section contents are in the goldens.
 */

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { injectSection, loadTemplates } from '../../diagrams/docs/markdown.ts';
import { buildIndex, buildPageModel, md } from '../../diagrams/docs/viewmodel.ts';
import { EstateFixture } from '../fixtures/estates.ts';
import { monoEstate } from '../fixtures/mono.ts';
import { FORMATS, section, stackPage } from './helpers.ts';

let dir: string;
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'docs-'));
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

/** shared (a trail, alarms for prod and for dev), dev and prod, each referencing shared. */
function monitored() {
  const f = new EstateFixture('mono');
  const shared = f.stack('shared');
  const topic = shared.topic('alerts', ['sec@example.com']);
  shared.bucket('org-trail-logs');
  // Tagged as the account-level stack it is (an untagged stack takes the most common Environment tag of its resources).
  shared.trail('org-trail', { bucket: 'org-trail-logs', tags: { Environment: 'shared' } });
  shared.alarm('account-denied', { topics: [topic], tags: { Environment: 'shared' } });
  shared.alarm('budget', { metricName: 'EstimatedCharges', namespace: 'AWS/Billing', description: 'monthly budget', tags: { Environment: 'dev' } });
  for (const env of ['dev', 'prod']) {
    const s = f.stack(env);
    s.stackReference('organization/mono/shared');
    s.parameter(`/mono/${env}/db/host`);
    s.alarm(`${env}-denied`, { topics: [topic] });
  }
  return f.estate();
}

describe('pages', () => {
  it('escapes Markdown table cells', () => {
    expect(md('a|b\nc <x>')).toBe('a\\|b c &lt;x&gt;');
  });

  it('escapes a parameter name with a pipe in the table and keeps it whole in the tree', async () => {
    const f = new EstateFixture('p');
    f.stack('dev').parameter('/p/dev/services/allowed|origins', { type: 'StringList' });
    const page = (await stackPage(f.estate(), 'dev')).markdown;
    expect(page).toContain('| `/p/dev/services/allowed\\|origins` | StringList | Standard |   |');
    expect(page).toMatch(/└── allowed\|origins +# StringList/);
  });

  it('lists what a check could not judge in the stack, from the finding note, and the key it could not find', async () => {
    const f = new EstateFixture('p');
    const dev = f.stack('dev');
    dev.stackReference('organization/p/shared');
    dev.parameter('/p/dev/db/password', { type: 'SecureString', key: dev.keyArn('mrk-1') });
    const page = (await stackPage(f.estate(), 'dev')).markdown;
    expect(section(page, 'Compliance findings')).toContain(
      'Not judged in this stack:\n\n- **Key policies name who may use the key** (`SEC-025`): 1 key (mrk-1) used by 1 resource of this stack is not judged here (stack organization/p/shared is not loaded): checked where the key is defined.\n',
    );
    expect(section(page, 'Encryption strategy')).toContain('Keys named by 1 resource of this stack that no loaded stack defines (their rotation, policy and replicas are not known here): `arn:aws:kms:eu-west-1:111122223333:key/mrk-1`.');
    expect(page).not.toMatch(/\n\n\n/);
    expect((await stackPage(monoEstate(), 'prod')).markdown).not.toContain('Not judged in this stack');
  });

  it("shows in Monitoring the trail and alarms of the referenced stack, marked, and not a sibling environment's", async () => {
    const estate = monitored();
    const prod = section((await stackPage(estate, 'prod')).markdown, 'Monitoring and audit');
    expect(prod).toContain('| org-trail (stack shared) | true | true |');
    expect(prod).toContain('| prod-denied | access-denied |');
    expect(prod).toContain('| account-denied (stack shared) | access-denied |');
    expect(prod).not.toContain('dev-denied');
    expect(prod).not.toContain('budget');
    const dev = section((await stackPage(estate, 'dev')).markdown, 'Monitoring and audit');
    expect(dev).toContain('| dev-denied | access-denied |');
    expect(dev).toContain('| budget (stack shared) | other | AWS/Billing / EstimatedCharges | nobody |');
    expect(dev).not.toContain('prod-denied');
  });

  it('says where it looked when nothing records or watches the stack', async () => {
    const f = new EstateFixture('p');
    f.stack('dev').stackReference('organization/p/shared');
    f.stack('shared');
    const page = (await stackPage(f.estate(), 'dev')).markdown;
    expect(page).toContain('No CloudTrail trail in this stack or in the stacks it uses.');
    expect(page).toContain('No alarms or event rules that watch it in this stack or in the stacks it uses.');
    expect(page).not.toMatch(/\n\n\n/);
  });

  it('shows the explicit empty states for a stack without parameters, secrets or IAM', async () => {
    const page = (await stackPage(monoEstate(), 'shared')).markdown;
    for (const s of ['No parameters in this stack.', 'No secrets in this stack.', 'No IAM policies in this stack.', 'No secrets to rotate in this stack.']) expect(page).toContain(s);
  });

  it('is deterministic: the same estate built twice gives the same bytes', async () => {
    expect((await stackPage(monoEstate(), 'prod')).markdown).toBe((await stackPage(monoEstate(), 'prod')).markdown);
  });
});

describe('templates', () => {
  const page = () => buildPageModel({ estate: monoEstate(), stack: 'prod', views: [], findings: [], formats: FORMATS }).model;

  it('lets a user directory override a partial, falling back to the built-ins', async () => {
    await fs.mkdir(path.join(dir, 'partials'));
    await fs.writeFile(path.join(dir, 'partials', 'cost.hbs'), 'COST {{costTotal}}\n');
    const out = (await loadTemplates(dir)).renderPage(page());
    expect(out).toContain('COST $0.00');
    expect(out).not.toContain('## Cost estimate');
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
    expect(() => t.renderIndex(buildIndex({ stacks: [] }).model)).toThrow(/index\.hbs.*"nope" not defined/);
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
