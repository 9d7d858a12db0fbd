/**
 * buildEstate: ResourceGraph[] -> Estate. A short orchestrator: index the graphs, run one extractor
 * per kind (each in its own module), let the access engine evaluate every principal, sort once,
 * freeze.
 *
 * Pure: never mutates its input; the result is frozen (deeply in tests) and every collection sorted (by stack,
 * name, URN). Works on any AWS Pulumi stack: resources it does not know are counted in the stack's
 * coverage and otherwise left alone; odd or unknown property values never throw. References are
 * resolved across every graph given (a key by alias, alias ARN, id or ARN; functions, roles and
 * topics by ARN or name), and through the graph's property edges where a value is not known (a
 * preview, a program under mocks).
 */

import type { ResourceGraph } from '../../graph/types.ts';
import { byStackNameUrn, deepFreeze } from '../../util/collections.ts';
import type { Estate } from '../model.ts';
import { ESTATE_SCHEMA_VERSION } from '../model.ts';
import { engineAccess, externalPrincipals } from './access.ts';
import { buildAudit } from './audit.ts';
import { buildExposures } from './exposures.ts';
import { withProtects } from './protects.ts';
import { graphContext, stackKeys } from './context.ts';
import { NOT_ENVIRONMENTS } from '../environments.ts';
import { buildFunctions, functionRegistry } from './functions.ts';
import { buildIam } from './iam.ts';
import { buildKeys } from './keys.ts';
import { buildParameters } from './parameters.ts';
import { buildSecrets } from './secrets.ts';
import { buildServices } from './services.ts';
import { buildStacks } from './stacks.ts';

export { displayName, secretCategory, serviceFromRoleName, slugify } from './names.ts';

export function buildEstate(graphs: readonly ResourceGraph[]): Estate {
  const keysOfStacks = stackKeys(graphs);
  const ctxs = graphs.map((g, i) => graphContext(g, keysOfStacks[i]!));
  // Environments that exist in the estate: of the loaded stacks, and declared by Environment tags.
  const knownEnvs = new Set<string>();
  for (const c of ctxs) {
    if (c.environment) knownEnvs.add(c.environment);
    for (const t of c.environmentTags) if (!NOT_ENVIRONMENTS.has(t)) knownEnvs.add(t);
  }
  const stacks = buildStacks(ctxs);
  const keyRegistry = buildKeys(ctxs);
  const fns = functionRegistry(ctxs);
  const parameters = buildParameters(ctxs, keyRegistry, knownEnvs);
  const { secrets, rotationFunctions } = buildSecrets(ctxs, keyRegistry, fns, knownEnvs);
  const iam = buildIam(ctxs);
  const functions = buildFunctions(ctxs, fns, rotationFunctions, iam.resolveRole);
  const { roles, services } = buildServices(ctxs, iam.roles, functions, iam.resolveRole, knownEnvs);
  const audit = buildAudit(ctxs, keyRegistry);
  const keys = withProtects(keyRegistry.keys, ctxs, keyRegistry);
  const entities = { parameters, secrets, keys, policies: iam.policies, roles, users: iam.users, groups: iam.groups };
  const externals = externalPrincipals(entities);
  const access = engineAccess(entities, externals);
  const { exposures, scans } = buildExposures(ctxs);
  const estate: Estate = {
    schemaVersion: ESTATE_SCHEMA_VERSION,
    stacks,
    parameters: parameters.sort(byStackNameUrn),
    secrets: secrets.sort(byStackNameUrn),
    keys: keys.sort(byStackNameUrn),
    policies: iam.policies.sort(byStackNameUrn),
    roles: roles.sort(byStackNameUrn),
    users: iam.users.sort(byStackNameUrn),
    groups: iam.groups.sort(byStackNameUrn),
    externalPrincipals: externals,
    functions: functions.sort(byStackNameUrn),
    services,
    audit: {
      trails: [...audit.trails].sort(byStackNameUrn),
      alarms: [...audit.alarms].sort(byStackNameUrn),
      eventRules: [...audit.eventRules].sort(byStackNameUrn),
      topics: [...audit.topics].sort(byStackNameUrn),
    },
    exposures,
    exposureScans: scans,
    access,
  };
  return freezeEstate(estate);
}

/**
 * Tests (and `DIAGRAMS_FREEZE=1`) freeze the whole estate, so that a view, page or rule that writes
 * to it throws there; a run freezes its object and lists (the store keeps per-list indexes by
 * identity for frozen lists) and relies on the readonly types below that: freezing each of
 * millions of entries costs a twentieth of the estate build at 100,000 parameters.
 */
const DEEP_FREEZE = process.env['VITEST'] !== undefined || process.env['DIAGRAMS_FREEZE'] === '1';

function freezeEstate(estate: Estate): Estate {
  if (DEEP_FREEZE) return deepFreeze(estate);
  for (const v of [...Object.values(estate), ...Object.values(estate.audit)]) if (typeof v === 'object' && v !== null) Object.freeze(v);
  return Object.freeze(estate);
}
