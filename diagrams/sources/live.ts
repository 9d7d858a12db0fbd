/**
 * Live reader (`--live --stack <name>`): asks the Pulumi CLI for the stack's state with
 * `pulumi stack export --stack <name>` (never `--show-secrets`) and parses it with the state reader.
 * Where the CLI is not installed, a GeneratorError kind 'environment' says what to install or which
 * flag to use instead.
 */

import { execFile } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { GeneratorError } from '../errors.ts';
import type { ResourceGraph } from '../graph/types.ts';
import { parseJsonText } from './json.ts';
import { graphFromStateDocument } from './state.ts';

export interface LiveOptions {
  readonly cwd?: string;
  /** Environment to search PATH in and pass to the CLI (default: process.env). */
  readonly env?: NodeJS.ProcessEnv;
}

const HOW_TO =
  'install the Pulumi CLI (https://www.pulumi.com/docs/install/) and run `pulumi login`, or export the state with `pulumi stack export --stack <name> > state.json` and pass `--state state.json`';

/** Absolute path of the `pulumi` binary on PATH, or undefined. */
export async function findPulumiCli(env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  const names = process.platform === 'win32' ? ['pulumi.exe', 'pulumi.cmd'] : ['pulumi'];
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    for (const n of names) {
      const p = join(dir, n);
      try {
        await access(p, constants.X_OK);
        return p;
      } catch {
        // not here
      }
    }
  }
  return undefined;
}

function run(cmd: string, args: readonly string[], opts: LiveOptions): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolvePromise) => {
    execFile(
      cmd,
      [...args],
      { cwd: opts.cwd ?? process.cwd(), env: opts.env ?? process.env, maxBuffer: 1024 * 1024 * 1024, encoding: 'utf8' },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof (err as NodeJS.ErrnoException & { code?: unknown }).code === 'number' ? ((err as unknown as { code: number }).code) : 1;
        resolvePromise({ code, stdout, stderr });
      },
    );
  });
}

/** Read each named stack from the Pulumi CLI, one after another. */
export async function readLive(stacks: readonly string[] | undefined, opts: LiveOptions = {}): Promise<ResourceGraph[]> {
  if (stacks === undefined || stacks.length === 0) {
    throw new GeneratorError('usage', '--live needs the stack to read', { subject: '--live', expected: '--stack <name> (repeatable)' });
  }
  const cli = await findPulumiCli(opts.env);
  if (cli === undefined) {
    throw new GeneratorError('environment', 'the Pulumi CLI (`pulumi`) is not on PATH', { subject: '--live', expected: HOW_TO });
  }
  const graphs: ResourceGraph[] = [];
  for (const stack of stacks) {
    const { code, stdout, stderr } = await run(cli, ['stack', 'export', '--stack', stack, '--non-interactive'], opts);
    if (code !== 0) {
      // The CLI's own message (not logged in, no such stack); it never holds state values.
      const why = stderr.trim().split('\n').slice(-3).join(' ').slice(0, 400);
      throw new GeneratorError('environment', `\`pulumi stack export --stack ${stack}\` failed (exit ${code}): ${why}`, {
        subject: `--live --stack ${stack}`,
        expected: HOW_TO,
      });
    }
    const doc = parseJsonText(stdout, `pulumi stack export --stack ${stack}`);
    graphs.push(graphFromStateDocument(doc, stack, { kind: 'live', adopt: true }));
  }
  return graphs;
}
