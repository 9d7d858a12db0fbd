/**
 * The program source defers the TypeScript compiler the Pulumi SDK requires as it loads (for
 * closure serialisation only): a program run does not load it, and a program that does serialise a
 * function still gets the real one. In child processes: the SDK and require.cache are per process.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tempDir } from './helpers.ts';

const PROGRAM = pathToFileURL(join(process.cwd(), 'diagrams/sources/program/index.ts')).href;

/** Runs an ESM probe with tsx from the repository (so that it resolves the SDK); returns its last line as JSON. */
function probe(lines: readonly string[]): Record<string, unknown> {
  const file = join(tempDir('e9-ts-probe-'), 'probe.mts');
  writeFileSync(file, lines.join('\n'));
  const out = execFileSync(process.execPath, ['--import', 'tsx', file], { cwd: process.cwd(), encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop()!) as Record<string, unknown>;
}

const LOADED = `const loaded = (s) => Object.keys(createRequire(import.meta.url).cache).some((k) => k.includes(s));`;

describe('program source: TypeScript deferred', () => {
  it('runs the fixture program without loading TypeScript', () => {
    const r = probe([
      `import { createRequire } from 'node:module';`,
      `const { runProgram } = await import(${JSON.stringify(PROGRAM)});`,
      LOADED,
      `const graphs = await runProgram('test/fixtures/program', { cwd: ${JSON.stringify(process.cwd())} });`,
      `console.log(JSON.stringify({ stacks: graphs.map((g) => g.stack.stack), sdk: loaded('/@pulumi/pulumi/'), ts: loaded('/node_modules/typescript/') }));`,
    ]);
    expect(r).toEqual({ stacks: ['dev', 'shared'], sdk: true, ts: false });
  }, 120_000);

  it('a function serialised by the SDK still gets the real TypeScript, on first use', () => {
    const r = probe([
      `import { createRequire } from 'node:module';`,
      `const { deferTypeScript } = await import(${JSON.stringify(PROGRAM)});`,
      LOADED,
      `const deferred = deferTypeScript();`,
      `const pulumi = createRequire(${JSON.stringify(join(process.cwd(), 'package.json'))})('@pulumi/pulumi');`,
      `const before = loaded('/node_modules/typescript/');`,
      `const answer = 42;`,
      `const s = await pulumi.runtime.serializeFunction(() => answer + 1);`,
      `console.log(JSON.stringify({ deferred, before, after: loaded('/node_modules/typescript/'), again: deferTypeScript(), text: s.text }));`,
    ]);
    expect(r.deferred).toBe(true);
    expect(r.before).toBe(false);
    expect(r.after).toBe(true);
    // Once the SDK's shim is in place (here the stand-in), it is not replaced again.
    expect(r.again).toBe(false);
    // The serialised closure: parsed by TypeScript, with the captured variable.
    expect(r.text).toMatch(/answer\s*\+\s*1/);
    expect(r.text).toContain('answer: 42');
  }, 120_000);
});
