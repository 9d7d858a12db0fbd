/**
 * Overview: what the stack is (project, stack, environment, source without a path, deployment
 * time), what it holds, which stacks it uses, and how much of it the generator models: the
 * resources it reads and the types it does not, with counts.
 */

import { plural } from '../../util/collections.ts';
import { code, md } from '../escape.ts';
import { sourceText } from '../format.ts';
import { table, type OverviewSection } from '../model.ts';
import type { PageContext } from './context.ts';

/** Sources that read a deployed state: without a manifest time, the time is not recorded rather than absent by nature. */
const DEPLOYED_KINDS: ReadonlySet<string> = new Set(['state', 'checkpoint', 'backend']);

export function overviewSection(c: PageContext): OverviewSection {
  const s = c.summary;
  const keyScope = c.store.keysUsedBy(c.stack);
  const principals = c.store.principals.filter((p) => p.stack === c.stack);
  const count = (k: string) => principals.filter((p) => p.kind === k).length;
  const overview = table(
    ['', ''],
    [
      ['Project', md(s.project)],
      ['Stack', md(s.stack)],
      ['Environment', md(s.environment ?? 'none (shared or account-level stack)')],
      ['Source', md(sourceText(s))],
      ['Deployed at', md(s.deployedAt ?? (DEPLOYED_KINDS.has(s.source.kind) ? 'unknown (the state records no deployment time)' : 'unknown (not from a deployed state)'))],
      ['Resources', `${s.coverage.resources} (modelled: ${s.coverage.modelled})`],
      ['Component resources', String(s.coverage.components)],
      ['Parameters', String(c.mine(c.estate.parameters).length)],
      ['Secrets', String(c.mine(c.estate.secrets).length)],
      ['KMS keys (own / used by its resources)', `${c.mine(c.estate.keys).length} / ${keyScope.usedCount}`],
      ['IAM roles / users / groups / policies', `${count('role')} / ${count('user')} / ${count('group')} / ${c.mine(c.estate.policies).length}`],
    ],
  );
  const cov = s.coverage;
  const types = Object.keys(cov.unmodelled);
  const coverage =
    cov.resources === 0
      ? 'The stack has no resources besides its providers and components.'
      : `The stack has ${plural(cov.resources, 'resource')}${cov.components ? ` and ${plural(cov.components, 'component resource')} (groupings, not counted among them)` : ''}; the generator models ${cov.modelled} of them${
          types.length ? `; the other ${cov.resources - cov.modelled}, of ${plural(types.length, 'type')} it does not read (below), are counted, not documented` : ''
        }.`;
  const deleted =
    (cov.plannedDeletes ? ` The preview takes ${plural(cov.plannedDeletes, 'resource')} out of the stack (deletes, or discards and leaves in AWS): ${cov.plannedDeletes === 1 ? 'it is' : 'they are'} left out, as the update leaves the stack.` : '') +
    (cov.pendingDeletes
      ? ` The state also holds ${plural(cov.pendingDeletes, 'old copy', 'old copies')} of replaced resources awaiting deletion (\`delete: true\`): ${cov.pendingDeletes === 1 ? 'it still exists' : 'they still exist'} in AWS until the next update, and ${cov.pendingDeletes === 1 ? 'is' : 'are'} not documented here (what ${cov.pendingDeletes === 1 ? 'it grants' : 'they grant'} is not counted).`
      : '');
  return {
    overview,
    hasReferences: s.references.length > 0,
    references: s.references.map(md).join(', '),
    coverage: coverage + deleted,
    hasUnmodelled: types.length > 0,
    unmodelledTable: table(['Not modelled', 'Resources'], types.map((t) => [code(t), String(cov.unmodelled[t])])),
  };
}
