/**
 * Environment names: the ones a stack name is recognised as (`dev`, `prod-eu`, `production`), and
 * the names that mean "account level", never an environment (`shared`, `global`, ...). An
 * environment exists in an estate only when a loaded stack is it or a resource's `Environment` tag
 * declares it.
 */

/** Environments recognised in stack names. */
export const STACK_ENVIRONMENTS = ['dev', 'uat', 'prod', 'staging', 'test', 'qa'];

/** Stack names and tags that mean "account level", not an environment. */
export const NOT_ENVIRONMENTS: ReadonlySet<string> = new Set(['shared', 'global', 'common', 'all', 'account', 'core']);

/** The environment a stack name names (`prod`, `api-dev`, `dev.eu`, `production`), if any. */
export function environmentOfStackName(name: string): string | undefined {
  const s = name.toLowerCase();
  const hit = STACK_ENVIRONMENTS.find((e) => s === e || s.endsWith(`-${e}`) || s.endsWith(`.${e}`) || s.startsWith(`${e}-`));
  return hit ?? (s === 'production' ? 'prod' : undefined);
}
