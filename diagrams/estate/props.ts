/**
 * Reading AWS resource properties out of a ResourceGraph row.
 *
 * Outputs win where present; inputs otherwise (a preview or a program under mocks only has
 * inputs). An UNKNOWN output falls back to a known input. Nothing here throws on odd shapes:
 * a value of the wrong type reads as absent.
 */

import { REDACTED, UNKNOWN } from '../graph/types.ts';
import type { JsonObject, JsonValue, Resource } from '../graph/types.ts';

export { REDACTED, UNKNOWN };

export function isUnknown(v: unknown): boolean {
  return v === UNKNOWN;
}

export function isRedacted(v: unknown): boolean {
  return v === REDACTED;
}

/** True when the value is, or contains, the UNKNOWN marker. */
export function containsUnknown(v: unknown): boolean {
  if (v === UNKNOWN) return true;
  if (Array.isArray(v)) return v.some(containsUnknown);
  if (v !== null && typeof v === 'object') return Object.values(v).some(containsUnknown);
  return false;
}

/** A property: the output where present (and not UNKNOWN while the input is known), else the input. */
export function prop(r: Resource, name: string): JsonValue | undefined {
  const out = (r.outputs as JsonObject | undefined)?.[name];
  const inp = (r.inputs as JsonObject | undefined)?.[name];
  if (out === undefined || out === null) return inp ?? out ?? undefined;
  if (out === UNKNOWN && inp !== undefined && inp !== null && inp !== UNKNOWN) return inp;
  return out;
}

/** The first present property among several names (older and newer property names). */
export function propAny(r: Resource, ...names: string[]): JsonValue | undefined {
  return firstProp(r, names);
}

/** `propAny` with the names as an array (the string helpers below pass theirs on without a copy). */
function firstProp(r: Resource, names: readonly string[]): JsonValue | undefined {
  for (let i = 0; i < names.length; i++) {
    const v = prop(r, names[i]!);
    if (v !== undefined && v !== null) return v;
  }
  return undefined;
}

function strOf(r: Resource, names: readonly string[]): string | undefined {
  const v = firstProp(r, names);
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  return undefined;
}

/** A string property; UNKNOWN and REDACTED markers are returned as they are. */
export function str(r: Resource, ...names: string[]): string | undefined {
  return strOf(r, names);
}

/** A string that is a real value: neither UNKNOWN, REDACTED nor empty. */
export function knownStr(r: Resource, ...names: string[]): string | undefined {
  const v = strOf(r, names);
  return v === undefined || v === '' || v === UNKNOWN || v === REDACTED ? undefined : v;
}

export function realString(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' && v !== UNKNOWN && v !== REDACTED ? v : undefined;
}

export function num(r: Resource, ...names: string[]): number | undefined {
  const v = firstProp(r, names);
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v)) return Number(v);
  return undefined;
}

/** A boolean property: `'unknown'` for the UNKNOWN marker, `fallback` when absent. */
export function bool(r: Resource, fallback: boolean | 'unknown', ...names: string[]): boolean | 'unknown' {
  const v = firstProp(r, names);
  if (typeof v === 'boolean') return v;
  if (v === 'true') return true;
  if (v === 'false') return false;
  if (v === UNKNOWN || v === REDACTED) return 'unknown';
  return fallback;
}

export function obj(v: JsonValue | undefined): JsonObject | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as JsonObject) : undefined;
}

/** An array property; a single object (a MaxItems=1 block flattened) reads as a one-element array. */
export function arr(v: JsonValue | undefined): readonly JsonValue[] {
  if (Array.isArray(v)) return v as readonly JsonValue[];
  if (v === undefined || v === null) return [];
  if (typeof v === 'object') return [v];
  return [];
}

/** A list of strings from a string, a string array, or a JSON string holding an array. */
export function strList(v: JsonValue | undefined): string[] {
  if (typeof v === 'string') {
    const t = v.trim();
    if (t.startsWith('[')) {
      try {
        const parsed: unknown = JSON.parse(t);
        if (Array.isArray(parsed)) return parsed.filter((x): x is string => typeof x === 'string');
      } catch {
        /* not JSON: a single value */
      }
    }
    return [v];
  }
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string');
  return [];
}

/**
 * Tags as a flat string map: outputs `tags`, else `tagsAll`, else inputs; a map (aws) or a list of
 * `{key, value}` (aws-native); non-string values dropped; sorted by key.
 */
export function tagsOf(r: Resource): Record<string, string> {
  const raw = propAny(r, 'tags', 'tagsAll');
  const out: Record<string, string> = {};
  if (Array.isArray(raw)) {
    for (const e of raw) {
      const o = obj(e as JsonValue);
      const k = o?.['key'] ?? o?.['Key'];
      const v = o?.['value'] ?? o?.['Value'];
      if (typeof k === 'string' && typeof v === 'string') out[k] = v;
    }
  } else {
    const v = obj(raw);
    if (v) for (const k of Object.keys(v)) if (typeof v[k] === 'string') out[k] = v[k];
  }
  const sorted: Record<string, string> = {};
  for (const k of Object.keys(out).sort()) sorted[k] = out[k]!;
  return sorted;
}

/** A tag looked up case-insensitively. */
export function tag(tags: Readonly<Record<string, string>>, key: string): string | undefined {
  if (key in tags) return tags[key];
  const lower = key.toLowerCase();
  for (const k of Object.keys(tags)) if (k.toLowerCase() === lower) return tags[k];
  return undefined;
}

