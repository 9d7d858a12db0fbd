/**
 * Program source (`--program [dir]`, the default): runs the Pulumi program of each stack in-process
 * under `pulumi.runtime.setMocks`, one stack after another, and records what the resource monitor
 * sees (parent, dependencies, property dependencies, provider, raw inputs with secret markers,
 * additionalSecretOutputs) into a ResourceGraph.
 *
 * - The Pulumi SDK is imported lazily, in ./sdk.ts only: file readers never load it.
 * - URNs are engine-shaped (`urn:pulumi:<stack>::<project>::<parentType$...$type>::<name>`, the Stack
 *   left out of the chain): the monitor's response URN is rewritten, so the SDK itself uses them.
 * - Default providers, which the engine (not the SDK) creates, are added as
 *   `pulumi:providers:<pkg>::default_<version>` rows, as a real export has them.
 * - Mock ids and ARNs are deterministic, built from the account (`aws:allowedAccountIds[0]`, else
 *   123456789012) and the region (the resource's `region` input, else the `region` input of its
 *   explicit provider, else `aws:region`, else us-east-1).
 * - Secrets: `secure:` config becomes REDACTED (marked secret); outputs named in
 *   additionalSecretOutputs, and outputs whose input was secret, come back as secrets (as the engine
 *   does), so values derived from them stay secret; buildGraph redacts them all.
 * - StackReferences get the outputs of stacks already run in this process. Order: stacks named by a
 *   config value of another stack (`org/project/<stack>`) run first, then the rest by name; if a
 *   stack still references a stack of this directory that has not run yet, its run is discarded and
 *   repeated after that stack (a cycle is an error). A referenced stack that was not asked for but has
 *   a `Pulumi.<stack>.yaml` is run too (its graph is not returned).
 * - Deterministic: same program, same config -> byte-identical graph JSON; no deployment time.
 * - Cached (with `cacheDir`): an unchanged program, config and reader are answered from the
 *   content-addressed graph cache of ./cache.ts without loading the SDK.
 */


export { runProgram, type ProgramOptions } from './run.ts';
export { DEFAULT_ACCOUNT, DEFAULT_REGION, readProject, readStackConfig, type ProjectInfo, type StackConfig } from './project.ts';
export { mockCall, mockResource } from './mocks-aws.ts';
export { deferTypeScript } from './sdk.ts';
