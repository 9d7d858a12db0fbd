import { beforeAll, describe, expect, it } from 'vitest';
import { builtinModules, createRequire } from 'node:module';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as esbuild from 'esbuild';
import { ROTATION_BUNDLE_OPTIONS, ROTATION_LAMBDA_RUNTIME, bundleRotationHandler, bundleRotationHandlerSync } from '../../infra/rotation/bundle.ts';

describe('the rotation Lambda bundle', () => {
  let r: esbuild.BuildResult<{ write: false; metafile: true }>;
  beforeAll(async () => {
    // The same options bundleRotationHandler() uses, plus the metafile (one build for both tests).
    r = await esbuild.build({
      ...ROTATION_BUNDLE_OPTIONS,
      entryPoints: [...ROTATION_BUNDLE_OPTIONS.entryPoints],
      external: [...ROTATION_BUNDLE_OPTIONS.external],
      write: false,
      outfile: 'index.js',
      metafile: true,
    });
  });

  it('imports only @aws-sdk/client-secrets-manager, pg and node built-ins', () => {
    const packages = new Set<string>();
    for (const input of Object.keys(r.metafile!.inputs)) {
      const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
      if (m) packages.add(m[1]!);
    }
    const own = Object.keys(r.metafile!.inputs).filter((i) => !i.includes('node_modules'));
    expect(own.every((i) => i.startsWith('infra/rotation/'))).toBe(true);
    // Direct imports of our own files.
    const direct = new Set<string>();
    for (const i of own) for (const imp of r.metafile!.inputs[i]!.imports) if (!imp.path.startsWith('infra/')) direct.add(imp.original ?? imp.path);
    const allowed = (p: string) => p === '@aws-sdk/client-secrets-manager' || p === 'pg' || p.startsWith('node:') || builtinModules.includes(p);
    expect([...direct].filter((p) => !allowed(p))).toEqual([]);
    // External at run time: only node built-ins and pg's optional native binding.
    const externals = new Set<string>();
    for (const o of Object.values(r.metafile!.outputs)) for (const i of o.imports) if (i.external) externals.add(i.path);
    expect([...externals].filter((p) => !p.startsWith('node:') && !builtinModules.includes(p) && p !== 'pg-native')).toEqual([]);
    expect(packages.has('pg')).toBe(true);
    expect(packages.has('@aws-sdk/client-secrets-manager')).toBe(true);
  });

  it('exports a handler that runs the protocol checks', async () => {
    const code = r.outputFiles[0]!.text;
    const dir = mkdtempSync(path.join(tmpdir(), 'rotation-bundle-'));
    try {
      const file = path.join(dir, 'index.js');
      writeFileSync(file, code);
      const mod = createRequire(import.meta.url)(file) as { handler: (e: unknown) => Promise<void> };
      expect(typeof mod.handler).toBe('function');
      // A malformed event is rejected before any AWS call is made.
      await expect(mod.handler({ SecretId: 'x', ClientRequestToken: 't', Step: 'nope' })).rejects.toThrow(/invalid Step "nope"/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('one definition: the sync and async builds give the same code as these options, once per process', async () => {
    const sync = bundleRotationHandlerSync();
    expect(sync).toBe(r.outputFiles[0]!.text);
    expect(await bundleRotationHandler()).toBe(sync);
    expect(bundleRotationHandlerSync()).toBe(sync);
    // The runtime and the esbuild target agree (nodejs22.x: the AWS SDK warns on nodejs20.x).
    expect(ROTATION_LAMBDA_RUNTIME).toBe('nodejs22.x');
    expect(ROTATION_BUNDLE_OPTIONS.target).toBe(`node${/^nodejs(\d+)\.x$/.exec(ROTATION_LAMBDA_RUNTIME)![1]}`);
  });
});
