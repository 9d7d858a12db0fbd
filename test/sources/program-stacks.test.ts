/**
 * The program run records no stack trace per SDK promise (debuggablePromise formats one for each
 * resource operation, for a leak report): during the run a promise's recorded stack is empty, after
 * it the SDK's own function and the stack depth are back; PULUMI_DEBUG_PROMISE_LEAKS keeps them.
 */
import { symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ResourceGraph } from '../../diagrams/graph/types.ts';
import { runProgram } from '../../diagrams/sources/program/index.ts';
import { tempDir } from './helpers.ts';

const PROGRAM = `
import * as aws from '@pulumi/aws';
import * as debuggable from '@pulumi/pulumi/runtime/debuggable';
export default async function program() {
  const topic = new aws.sns.Topic('probe', { name: 'probe' });
  const p = Promise.resolve(1);
  await debuggable.debuggablePromise(p, 'probe');
  return { topicArn: topic.arn, recorded: String((p as unknown as { _debugStackTrace: string })._debugStackTrace) };
}
`;

function fixture(): string {
  const dir = tempDir('e9-stacks-');
  writeFileSync(join(dir, 'Pulumi.yaml'), 'name: stacks-fixture\nruntime: nodejs\nmain: index.ts\n');
  writeFileSync(join(dir, 'Pulumi.dev.yaml'), 'config:\n  aws:region: eu-west-1\n');
  writeFileSync(join(dir, 'index.ts'), PROGRAM);
  symlinkSync(join(process.cwd(), 'node_modules'), join(dir, 'node_modules'));
  return dir;
}

afterEach(() => {
  delete process.env.PULUMI_DEBUG_PROMISE_LEAKS;
});

describe('program source: SDK promise stacks', () => {
  it('records no stack per SDK promise during the run, and restores the SDK and the stack depth after it', async () => {
    const sdk = createRequire(import.meta.url)('@pulumi/pulumi/runtime/debuggable') as { debuggablePromise: unknown };
    const before = sdk.debuggablePromise;
    const limit = Error.stackTraceLimit;
    const [g] = (await runProgram('.', { cwd: fixture() })) as [ResourceGraph];
    const out = g.stack.outputs as Record<string, string>;
    expect(out.recorded).toMatch(/^Error:? *$/);
    expect(out.topicArn).toBe('arn:aws:sns:eu-west-1:123456789012:probe');
    expect(sdk.debuggablePromise).toBe(before);
    expect(Error.stackTraceLimit).toBe(limit);
  }, 120_000);

  it('keeps the stacks under PULUMI_DEBUG_PROMISE_LEAKS', async () => {
    process.env.PULUMI_DEBUG_PROMISE_LEAKS = '1';
    const [g] = (await runProgram('.', { cwd: fixture() })) as [ResourceGraph];
    expect((g.stack.outputs as Record<string, string>).recorded).toMatch(/\n\s+at .*debuggablePromise/);
  }, 120_000);
});
