import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GeneratorError } from '../../diagrams/errors.ts';

import { CORPUS_DIR } from '../corpus.ts';
export const CORPUS = CORPUS_DIR;
export const SIG = '4dabf18193072939515e22adb298388d';
export const SECRET = '1b47061264138c4ac30d75fd1eb44270';

export function tempDir(prefix = 'e3-sources-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function writeJson(dir: string, name: string, doc: unknown): string {
  const p = join(dir, name);
  writeFileSync(p, typeof doc === 'string' ? doc : JSON.stringify(doc));
  return p;
}

export function corpusJson(file: string): any {
  return JSON.parse(readFileSync(join(CORPUS, file), 'utf8'));
}

/** Await a promise that must reject with a GeneratorError; returns it. */
export async function rejection(p: Promise<unknown> | (() => unknown)): Promise<GeneratorError> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    if (e instanceof GeneratorError) return e;
    throw new Error(`expected a GeneratorError, got ${String(e)}`);
  }
  throw new Error('expected a rejection, got success');
}

export const stackUrn = (name = 'proj', stack = 'dev'): string => `urn:pulumi:${stack}::${name}::pulumi:pulumi:Stack::${name}-${stack}`;
export const urn = (type: string, name: string, stack = 'dev', project = 'proj'): string => `urn:pulumi:${stack}::${project}::${type}::${name}`;

export function exportDoc(resources: unknown[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    version: 3,
    deployment: { manifest: { time: '2024-01-02T03:04:05Z', magic: '', version: 'v3.100.0' }, secrets_providers: { type: 'passphrase' }, resources, ...extra },
  };
}
