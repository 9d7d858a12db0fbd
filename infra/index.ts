/**
 * The mono-repo secrets estate. Pulumi runs this module's default export once per stack:
 * `shared` builds the account-level resources, `dev`/`uat`/`prod` an environment.
 * No resource is created at module top level, so a test harness or the generator's program reader
 * can import it once and call it once per stack under mocks.
 *
 * The module has exactly one export (the Pulumi nodejs host refuses default and named exports together).
 */
import * as pulumi from '@pulumi/pulumi';
import { ENVIRONMENTS, isEnvironment, validateCatalogue } from './catalogue.ts';
import { environmentStack } from './environment.ts';
import { sharedStack } from './shared.ts';

export default async function program(): Promise<Record<string, pulumi.Input<unknown>>> {
  validateCatalogue();
  const stack = pulumi.getStack();
  if (stack === 'shared') return sharedStack();
  if (isEnvironment(stack)) return environmentStack(stack);
  throw new Error(`stack '${stack}' is not part of mono-repo; accepted stacks: shared, ${ENVIRONMENTS.join(', ')}`);
}
