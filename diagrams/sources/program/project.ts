/**
 * A Pulumi project as the program source reads it: `Pulumi.yaml` (name, main module, config
 * defaults), the stacks with a `Pulumi.<stack>.yaml`, and each stack's config as the CLI hands it
 * to a program (`namespace:key` -> string; `secure:` values replaced by REDACTED and marked secret).
 */

import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { createRequire } from 'node:module';
import { GeneratorError } from '../../errors.ts';
import { compareStrings } from '../../graph/graph.ts';
import { REDACTED } from '../../graph/types.ts';
import { stackNames } from './cache.ts';

export const DEFAULT_ACCOUNT = '123456789012';
export const DEFAULT_REGION = 'us-east-1';

type YamlModule = typeof import('yaml');
let yamlModule: YamlModule | undefined;
/** Lazy: the YAML parser costs a few hundred ms to load, and a warm (cached) run never parses YAML. */
function parseYaml(text: string): unknown {
  yamlModule ??= createRequire(import.meta.url)('yaml') as YamlModule;
  return yamlModule.parse(text);
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export interface ProjectInfo {
  readonly dir: string;
  /** As the user gave it (for messages and the graph's source location). */
  readonly shown: string;
  readonly name: string;
  /** Absolute path of the program's entry module. */
  readonly main: string;
  /** Project-level config defaults (`config: {key: {default}}` or plain values in Pulumi.yaml). */
  readonly defaults: Readonly<Record<string, unknown>>;
  /** Stacks with a `Pulumi.<stack>.yaml`, sorted. */
  readonly stacks: readonly string[];
}

function readYaml(file: string, shown: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new GeneratorError('input', 'file not found', { subject: shown, expected: 'a readable YAML file' });
  }
  try {
    return parseYaml(text);
  } catch (e) {
    const line = (e as { linePos?: { line: number }[] }).linePos?.[0]?.line;
    throw new GeneratorError('input', 'not valid YAML', { subject: shown, ...(line !== undefined ? { line } : {}), expected: 'a Pulumi YAML file' });
  }
}

export function readProject(dirArg: string, cwd: string = process.cwd()): ProjectInfo {
  const dir = resolve(cwd, dirArg);
  const shown = dirArg;
  const yamlFile = ['Pulumi.yaml', 'Pulumi.yml'].map((f) => join(dir, f)).find((f) => existsSync(f));
  if (yamlFile === undefined) {
    throw new GeneratorError('input', 'no Pulumi.yaml in the program directory', {
      subject: `--program ${shown}`,
      expected: 'a directory with a Pulumi.yaml (or use --state / --backend / --preview)',
    });
  }
  const doc = readYaml(yamlFile, join(shown, 'Pulumi.yaml'));
  if (!isObject(doc) || typeof doc.name !== 'string' || doc.name === '') {
    throw new GeneratorError('input', 'no project `name`', { subject: join(shown, 'Pulumi.yaml'), jsonPath: 'name', expected: 'a project name' });
  }
  const candidates: string[] = [];
  if (typeof doc.main === 'string') {
    const m = resolve(dir, doc.main);
    if (existsSync(m) && statSync(m).isDirectory()) candidates.push(join(m, 'index.ts'), join(m, 'index.js'));
    else candidates.push(m);
  } else {
    candidates.push(join(dir, 'infra', 'index.ts'));
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      const p = JSON.parse(readFileSync(pkg, 'utf8')) as { main?: unknown };
      if (typeof p.main === 'string') candidates.push(resolve(dir, p.main));
    }
    candidates.push(join(dir, 'index.ts'), join(dir, 'index.js'));
  }
  const main = candidates.find((c) => existsSync(c) && statSync(c).isFile());
  if (main === undefined) {
    throw new GeneratorError('input', 'the program entry module does not exist', {
      subject: join(shown, 'Pulumi.yaml'),
      jsonPath: 'main',
      expected: `one of ${candidates.map((c) => relative(cwd, c) || '.').join(', ')}`,
    });
  }
  const defaults: Record<string, unknown> = {};
  if (isObject(doc.config)) {
    for (const [k, v] of Object.entries(doc.config)) {
      if (isObject(v)) {
        if ('default' in v) defaults[k] = v.default;
        else if ('value' in v) defaults[k] = v.value;
      } else {
        defaults[k] = v;
      }
    }
  }
  const stacks = stackNames(dir);
  return { dir, shown, name: doc.name, main, defaults, stacks };
}

export interface StackConfig {
  /** `namespace:key` -> string (JSON for non-strings), as the CLI hands config to a program. */
  readonly values: Record<string, string>;
  readonly secretKeys: string[];
}

function qualify(project: string, key: string): string {
  return key.includes(':') ? key : `${project}:${key}`;
}

function configString(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** True when a YAML config value holds a `secure:` value somewhere. */
function hasSecure(v: unknown): boolean {
  if (isObject(v)) return 'secure' in v || Object.values(v).some(hasSecure);
  if (Array.isArray(v)) return v.some(hasSecure);
  return false;
}

function replaceSecure(v: unknown): unknown {
  if (isObject(v)) {
    if ('secure' in v && Object.keys(v).length === 1) return REDACTED;
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, replaceSecure(x)]));
  }
  if (Array.isArray(v)) return v.map(replaceSecure);
  return v;
}

export function readStackConfig(project: ProjectInfo, stack: string): StackConfig {
  const file = ['yaml', 'yml'].map((e) => join(project.dir, `Pulumi.${stack}.${e}`)).find((f) => existsSync(f));
  const values: Record<string, string> = {};
  const secretKeys: string[] = [];
  for (const [k, v] of Object.entries(project.defaults)) values[qualify(project.name, k)] = configString(v);
  if (file === undefined) return { values, secretKeys };
  const doc = readYaml(file, join(project.shown, `Pulumi.${stack}.yaml`));
  const config = isObject(doc) && isObject(doc.config) ? doc.config : {};
  for (const [k, v] of Object.entries(config)) {
    const key = qualify(project.name, k);
    if (hasSecure(v)) {
      values[key] = configString(replaceSecure(v));
      secretKeys.push(key);
    } else {
      values[key] = configString(v);
    }
  }
  return { values, secretKeys: secretKeys.sort(compareStrings) };
}

/** The account of a stack: `aws:allowedAccountIds[0]`, else DEFAULT_ACCOUNT. */
export function accountOf(values: Record<string, string>): string {
  const raw = values['aws:allowedAccountIds'];
  if (raw !== undefined) {
    try {
      const ids = JSON.parse(raw) as unknown;
      if (Array.isArray(ids) && typeof ids[0] === 'string' && ids[0] !== '') return ids[0];
    } catch {
      // not JSON: fall through
    }
  }
  return DEFAULT_ACCOUNT;
}

/** The stack a StackReference name points to: `org/project/stack`, `project/stack` or `stack`. */
export function referencedStack(name: string): string {
  const parts = name.split('/');
  return parts[parts.length - 1]!;
}
