/**
 * How the rotation Lambda is bundled for the function (for the Pulumi program): one CommonJS
 * file `index.js` exporting `handler` (Lambda handler "index.handler", runtime nodejs20.x).
 * esbuild is imported lazily so that importing this module costs nothing.
 */
import { fileURLToPath } from 'node:url';

export const ROTATION_ENTRY = fileURLToPath(new URL('./handler.ts', import.meta.url));
export const ROTATION_LAMBDA_HANDLER = 'index.handler';
export const ROTATION_LAMBDA_RUNTIME = 'nodejs20.x';

/** The esbuild options (platform node, target node20). pg's optional native binding stays out. */
export const ROTATION_BUNDLE_OPTIONS = {
  entryPoints: [ROTATION_ENTRY],
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  external: ['pg-native'],
  minify: false,
  sourcemap: false,
  legalComments: 'none',
  logLevel: 'silent',
} as const;

/** Bundle the handler in memory and return the code of `index.js`. */
export async function bundleRotationHandler(): Promise<string> {
  const esbuild = await import('esbuild');
  const r = await esbuild.build({ ...ROTATION_BUNDLE_OPTIONS, entryPoints: [...ROTATION_BUNDLE_OPTIONS.entryPoints], external: [...ROTATION_BUNDLE_OPTIONS.external], write: false, outfile: 'index.js' });
  const out = r.outputFiles.find((f) => f.path.endsWith('index.js'));
  if (!out) throw new Error('esbuild produced no index.js for the rotation handler');
  return out.text;
}
