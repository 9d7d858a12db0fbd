/** Rotation: each secret's schedule, function and strategy, and the four steps of a rotation. */

import { code, md } from '../escape.ts';
import { rotationLabel } from '../format.ts';
import { table, type RotationSection } from '../model.ts';
import type { Secret } from '../../estate/model.ts';
import type { PageContext } from './context.ts';

function rotationFunctionOf(c: PageContext, s: Secret): string | undefined {
  return c.store.findFunction(s.rotation.functionUrn)?.name ?? (s.rotation.functionArn || undefined);
}

export function rotationFunctionNames(c: PageContext): string[] {
  const rotated = c.mine(c.estate.secrets).filter((s) => s.rotation.enabled);
  return [...new Set(rotated.map((s) => rotationFunctionOf(c, s)).filter((x): x is string => !!x))].sort();
}

/**
 * The functions the stack's rotations run in, as code spans, and the secrets whose function is
 * not known (the list alone would read as every rotation's): '' when neither.
 */
export function rotationFunctionsText(c: PageContext): string {
  const names = rotationFunctionNames(c).map((n) => code(n));
  const unknown = c.mine(c.estate.secrets).filter((s) => s.rotation.enabled && rotationFunctionOf(c, s) === undefined).length;
  if (!unknown) return names.join(', ');
  const rest = `a function not known to this estate for ${unknown === 1 ? '1 secret' : `${unknown} secrets`}`;
  return names.length ? `${names.join(', ')} (and ${rest})` : rest;
}

export function rotationSection(c: PageContext): RotationSection {
  const secrets = c.mine(c.estate.secrets);
  const rows = secrets.slice(0, c.pageRows).map((s) => [
    code(s.name),
    md(rotationLabel(s)),
    s.rotation.functionUrn ? md(c.store.findFunction(s.rotation.functionUrn)?.name ?? s.rotation.functionUrn) : md(s.rotation.functionArn ?? (s.rotation.enabled ? 'unknown' : '')),
    md(s.rotationStrategy ?? ''),
  ]);
  return {
    hasRotation: secrets.length > 0,
    rotationTable: table(['Secret', 'Schedule', 'Rotation function', 'Strategy'], rows),
    rotationFunctions: rotationFunctionsText(c),
    hasRotatingSecrets: secrets.some((s) => s.rotation.enabled),
  };
}
