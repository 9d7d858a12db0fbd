/**
 * The Pulumi SDK, loaded lazily and once (file readers never load it), and the two settings a
 * program run under mocks changes for its duration: source maps off, and no stack trace formatted
 * per SDK promise. Neither changes what a program registers.
 */

import { createRequire, Module } from 'node:module';

export type PulumiModule = typeof import('@pulumi/pulumi');

let pulumiModule: Promise<PulumiModule> | undefined;
/** Lazy, once: requiring the SDK is slow, and file readers must not pay for it. */
export function loadPulumi(): Promise<PulumiModule> {
  if (pulumiModule === undefined) deferTypeScript();
  pulumiModule ??= import('@pulumi/pulumi').then((m) => ((m as unknown as { default?: PulumiModule }).default ?? m) as PulumiModule);
  return pulumiModule;
}

/**
 * The SDK requires TypeScript (the whole compiler) as it loads, through its
 * `typescript-shim` module, only to parse JavaScript functions when it serialises one into a resource
 * (closure serialisation, e.g. `aws.lambda.CallbackFunction`). Most programs never do. The shim is
 * registered beforehand as a stand-in that runs the real one on first use, so such a program still
 * works and the others do not pay for TypeScript. Not in a process that has loaded the SDK already.
 */
export function deferTypeScript(from: string = import.meta.url): boolean {
  const req = createRequire(from);
  let shim: string;
  try {
    shim = req.resolve('@pulumi/pulumi/typescript-shim');
  } catch {
    return false;
  }
  if (req.cache[shim] !== undefined) return false;
  const standIn = new Module(shim);
  standIn.filename = shim;
  standIn.loaded = true;
  let real: object | undefined;
  const load = (): object => {
    if (real === undefined) {
      // Run the real shim (its own fallback to the TypeScript vendored in the SDK included), then
      // put the stand-in back: every module that holds it now reaches the real exports through it.
      delete req.cache[shim];
      try {
        real = req(shim) as object;
      } finally {
        req.cache[shim] = standIn;
      }
    }
    return real;
  };
  standIn.exports = new Proxy(
    {},
    {
      get: (_t, p) => Reflect.get(load(), p),
      has: (_t, p) => Reflect.has(load(), p),
      ownKeys: () => Reflect.ownKeys(load()),
      getOwnPropertyDescriptor: (_t, p) => {
        const d = Reflect.getOwnPropertyDescriptor(load(), p);
        return d === undefined ? undefined : { ...d, configurable: true };
      },
    },
  );
  req.cache[shim] = standIn;
  return true;
}

/**
 * Runs `fn` with source maps off, restoring them afterwards. Under mocks the SDK takes a stack trace
 * per resource and per promise (source positions, promise-leak diagnostics) that no graph uses; with
 * tsx's source maps on, each frame of each costs a source-map lookup (see docs/benchmarks.md for what
 * that costs). Error messages are unchanged; stacks of
 * errors thrown meanwhile, and of modules first loaded meanwhile, are not mapped back to TypeScript.
 * (`Error.stackTraceLimit` is left alone: below 3, some module of the SDK's dependency tree fails to
 * load: "Class extends value undefined".)
 */
export async function withoutSourceMaps<T>(fn: () => Promise<T>): Promise<T> {
  const proc = process as NodeJS.Process & { sourceMapsEnabled?: boolean; setSourceMapsEnabled?(on: boolean): void };
  const sourceMaps = proc.sourceMapsEnabled === true && typeof proc.setSourceMapsEnabled === 'function';
  if (sourceMaps) proc.setSourceMapsEnabled!(false);
  try {
    return await fn();
  } finally {
    if (sourceMaps) proc.setSourceMapsEnabled!(true);
  }
}

/**
 * Runs `fn` with the SDK's promise bookkeeping (`debuggablePromise`, called for every resource
 * operation) recording no stack trace: it formats one per promise (`new Error().stack`, a large
 * share of a program run's CPU with its garbage) for a leak report that prints them only under
 * PULUMI_DEBUG_PROMISE_LEAKS, which keeps them. Leak detection itself is unchanged.
 */
export async function withoutPromiseStacks<T>(fn: () => Promise<T>): Promise<T> {
  let mod: { debuggablePromise?: unknown } | undefined;
  try {
    if (!process.env.PULUMI_DEBUG_PROMISE_LEAKS) mod = createRequire(import.meta.url)('@pulumi/pulumi/runtime/debuggable') as { debuggablePromise?: unknown };
  } catch {
    mod = undefined;
  }
  const original = mod?.debuggablePromise;
  if (mod === undefined || typeof original !== 'function') return fn();
  mod.debuggablePromise = function (this: unknown, ...args: unknown[]): unknown {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      return (original as (...a: unknown[]) => unknown).apply(this, args);
    } finally {
      Error.stackTraceLimit = limit;
    }
  };
  try {
    return await fn();
  } finally {
    mod.debuggablePromise = original;
  }
}
