/**
 * The pack under Pulumi's own policy-pack runner (@pulumi/pulumi/cmd/run-policy-pack, what
 * `pulumi preview --policy-pack policy` starts in the pack's directory), without the CLI: the
 * runner loads policy/ (package.json main -> index.cjs -> tsx -> index.ts), the PolicyPack serves
 * the analyzer gRPC API, and its GetAnalyzerInfo lists the rules' policies.
 */

import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { afterAll, describe, expect, it } from 'vitest';
import { RULES } from '../../diagrams/compliance/rules/index.ts';

const require = createRequire(import.meta.url);
let child: ChildProcess | undefined;

afterAll(() => {
  if (child?.pid !== undefined && child.exitCode === null) child.kill('SIGTERM');
});

function startPack(): Promise<number> {
  const runner = require.resolve('@pulumi/pulumi/cmd/run-policy-pack');
  child = spawn(process.execPath, [runner, '127.0.0.1:0', '.'], { cwd: 'policy', stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  return new Promise((resolve, reject) => {
    child!.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /^(\d+)\s*$/m.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child!.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child!.on('exit', (code) => reject(new Error(`policy pack exited ${code}: ${err.slice(0, 2000)}`)));
  });
}

describe('the pack under the Pulumi policy-pack runner', () => {
  it('serves the analyzer API with one policy per rule', async () => {
    const port = await startPack();
    const grpc = require('@grpc/grpc-js') as typeof import('@grpc/grpc-js');
    const rpc = require('@pulumi/pulumi/proto/analyzer_grpc_pb');
    const empty = require('google-protobuf/google/protobuf/empty_pb');
    const client = new rpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    const info = await new Promise<{ getName(): string; getPoliciesList(): { getName(): string; getEnforcementlevel(): number }[] }>((resolve, reject) =>
      client.getAnalyzerInfo(new empty.Empty(), (e: Error | null, r: never) => (e ? reject(e) : resolve(r))),
    );
    client.close();
    expect(info.getName()).toBe('mono-repo-secrets-compliance');
    expect(info.getPoliciesList().map((p) => p.getName())).toEqual(RULES.map((r) => r.slug));
  }, 90_000);
});
