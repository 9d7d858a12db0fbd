/**
 * How the rotation Lambda is bundled for the function: one CommonJS file `index.js` exporting
 * `handler` (Lambda handler "index.handler", runtime nodejs22.x). This is the only definition: the
 * Pulumi program (infra/rotation-function.ts) uses the async `bundleRotationHandler()` (the program
 * goes on while esbuild works), scripts and tests it, `bundleRotationHandlerSync()` or
 * `ROTATION_BUNDLE_OPTIONS`; both functions build with the same options and share one result per
 * process.
 *
 * esbuild is loaded lazily (and synchronously through require for the sync variant), so importing
 * this module costs nothing.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export const ROTATION_ENTRY = fileURLToPath(new URL('./handler.ts', import.meta.url));
export const ROTATION_LAMBDA_HANDLER = 'index.handler';
/** nodejs22.x: on nodejs20.x the AWS SDK prints a Node-version support warning. */
export const ROTATION_LAMBDA_RUNTIME = 'nodejs22.x';

/**
 * The esbuild options: platform node, target node22 (the runtime), CommonJS, minified (about 0.55 MB
 * instead of 1.3 MB; error names are set explicitly, by RotationError, the AWS SDK and pg, so they
 * survive minification). pg's optional native binding stays out.
 */
export const ROTATION_BUNDLE_OPTIONS = {
  entryPoints: [ROTATION_ENTRY],
  bundle: true,
  platform: 'node',
  target: 'node22',
  format: 'cjs',
  external: ['pg-native'],
  minify: true,
  sourcemap: false,
  legalComments: 'none',
  logLevel: 'silent',
} as const;

type Esbuild = typeof import('esbuild');

function buildOptions() {
  return {
    ...ROTATION_BUNDLE_OPTIONS,
    entryPoints: [...ROTATION_BUNDLE_OPTIONS.entryPoints],
    external: [...ROTATION_BUNDLE_OPTIONS.external],
    write: false as const,
    outfile: 'index.js',
  };
}

function indexJs(outputFiles: readonly { path: string; text: string }[] | undefined): string {
  const out = outputFiles?.find((f) => f.path.endsWith('index.js'));
  if (!out) throw new Error('esbuild produced no index.js for the rotation handler');
  return out.text;
}

/** The bundle of this process (the handler does not change while a process runs). */
let bundled: string | undefined;

/** Bundle the handler in memory (synchronously, once per process) and return the code of `index.js`. */
export function bundleRotationHandlerSync(): string {
  if (bundled !== undefined) return bundled;
  const esbuild = createRequire(import.meta.url)('esbuild') as Esbuild;
  bundled = indexJs(esbuild.buildSync(buildOptions()).outputFiles);
  return bundled;
}

let bundling: Promise<string> | undefined;

/** Bundle the handler in memory (once per process, however many callers wait) and return the code of `index.js`. */
export function bundleRotationHandler(): Promise<string> {
  if (bundled !== undefined) return Promise.resolve(bundled);
  bundling ??= (async () => {
    const esbuild = (await import('esbuild')) as Esbuild;
    const text = indexJs((await esbuild.build(buildOptions())).outputFiles);
    bundled ??= text;
    return bundled;
  })();
  // A failed build is not kept: the next caller tries again.
  bundling.catch(() => (bundling = undefined));
  return bundling;
}
