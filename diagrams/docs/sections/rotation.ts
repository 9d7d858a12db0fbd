/** Rotation: each secret's schedule, function and strategy, and the four steps of a rotation. */

import { code, md } from '../escape.ts';
import { rotationLabel } from '../format.ts';
import { table, type RotationSection } from '../model.ts';
import type { PageContext } from './context.ts';

export function rotationFunctionNames(c: PageContext): string[] {
  const rotated = c.mine(c.estate.secrets).filter((s) => s.rotation.enabled);
  return [...new Set(rotated.map((s) => c.store.findFunction(s.rotation.functionUrn)?.name ?? s.rotation.functionArn).filter((x): x is string => !!x))].sort();
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
    rotationFunctions: rotationFunctionNames(c).map((n) => code(n)).join(', '),
    hasRotatingSecrets: secrets.some((s) => s.rotation.enabled),
  };
}
