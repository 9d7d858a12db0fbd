/** File backend layouts, preview ops, loadGraphs flags, the live reader, and the no-SDK rule. */
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { UNKNOWN } from '../../diagrams/graph/types.ts';
import { listBackendStacks, readBackend } from '../../diagrams/sources/backend.ts';
import { loadGraphs } from '../../diagrams/sources/index.ts';
import { readLive } from '../../diagrams/sources/live.ts';
import { graphFromPreviewDocument } from '../../diagrams/sources/preview.ts';
import { CORPUS, rejection, stackUrn, tempDir, urn } from './helpers.ts';

function backendDir(): string {
  const dir = tempDir('e3-backend-');
  mkdirSync(join(dir, '.pulumi', 'stacks', 'tutorial'), { recursive: true });
  mkdirSync(join(dir, '.pulumi', 'stacks', 'countdown'), { recursive: true });
  copyFileSync(join(CORPUS, 'spacedog-local-checkpoint-kms-s3.json'), join(dir, '.pulumi', 'stacks', 'tutorial', 'dev.json'));
  writeFileSync(join(dir, '.pulumi', 'stacks', 'countdown', 'foo.json.gz'), gzipSync(readFileSync(join(CORPUS, 'pulumi-checkpoint-v4-features.json'))));
  // Older layout: no project folder.
  copyFileSync(join(CORPUS, 'empty-checkpoint-dev.json'), join(dir, '.pulumi', 'stacks', 'legacy.json'));
  writeFileSync(join(dir, '.pulumi', 'stacks', 'tutorial', 'dev.json.bak'), 'ignored');
  return dir;
}

describe('file backend', () => {
  it('lists both layouts and .json.gz', async () => {
    const dir = backendDir();
    const stacks = await listBackendStacks(dir);
    expect(stacks.map((s) => `${s.project ?? '-'}/${s.stack}`)).toEqual(['-/legacy', 'countdown/foo', 'tutorial/dev']);
  });

  it('reads a stack by name, project/stack, org/project/stack, and a file:// URL', async () => {
    const dir = backendDir();
    const [a] = await readBackend(dir, ['dev']);
    expect([a!.stack.project, a!.stack.stack, a!.resources.length, a!.stack.source.kind]).toEqual(['tutorial', 'dev', 4, 'backend']);
    expect(a!.stack.source.location).toBe(`${dir}/.pulumi/stacks/tutorial/dev.json`);
    const [b] = await readBackend(pathToFileURL(dir).href, ['organization/countdown/foo']);
    expect(b!.resources).toHaveLength(30);
    const [c] = await loadGraphs({ backend: join(dir, '.pulumi'), stacks: ['legacy'] });
    expect(c!.resources).toHaveLength(0);
    const all = await loadGraphs({ backend: dir });
    expect(all).toHaveLength(3);
  });

  it('an unknown stack lists the stacks that exist', async () => {
    const dir = backendDir();
    const e = await rejection(readBackend(dir, ['prod']));
    expect(e.kind).toBe('usage');
    expect(e.message).toContain('no stack "prod"');
    expect(e.message).toContain('legacy, countdown/foo, tutorial/dev');
  });

  it('refuses a directory without .pulumi and a cloud URL', async () => {
    expect((await rejection(readBackend(tempDir(), ['dev']))).message).toContain('no .pulumi/stacks');
    expect((await rejection(readBackend('s3://bucket', ['dev']))).message).toContain('only file backends');
  });
});

describe('preview', () => {
  it('keeps planned ops; deletes are shown from their old state; replacements collapse', () => {
    const b = urn('aws:s3/bucket:Bucket', 'b');
    const t = urn('aws:sns/topic:Topic', 't');
    const doc = {
      config: {},
      steps: [
        { op: 'same', urn: stackUrn(), oldState: { urn: stackUrn(), type: 'pulumi:pulumi:Stack' }, newState: { urn: stackUrn(), type: 'pulumi:pulumi:Stack' } },
        { op: 'create-replacement', urn: b, newState: { urn: b, type: 'aws:s3/bucket:Bucket', custom: true, parent: stackUrn(), outputs: { arn: '04da6b54-80e4-46f7-96ec-b56ff0331ba9' } } },
        { op: 'replace', urn: b, oldState: { urn: b, type: 'aws:s3/bucket:Bucket', custom: true, id: 'old' }, newState: { urn: b, type: 'aws:s3/bucket:Bucket', custom: true, parent: stackUrn() } },
        { op: 'delete-replaced', urn: b, oldState: { urn: b, type: 'aws:s3/bucket:Bucket', custom: true, id: 'old' } },
        { op: 'delete', urn: t, oldState: { urn: t, type: 'aws:sns/topic:Topic', custom: true, id: 'arn:t', parent: stackUrn() } },
      ],
    };
    const g = graphFromPreviewDocument(doc, 'p.json');
    expect(g.resources.map((r) => [r.name, r.plannedOp])).toEqual([
      ['b', 'replace'],
      ['t', 'delete'],
      ['proj-dev', 'same'],
    ]);
    expect(g.resources[0]!.outputs.arn).toBe(UNKNOWN);
    expect(g.resources[1]!.id).toBe('arn:t');
    expect(g.stack.source).toEqual({ kind: 'preview', location: 'p.json', format: 'preview' });
  });

  it('refuses unknown ops and state files given as previews', async () => {
    const e = await rejection(() => graphFromPreviewDocument({ steps: [{ op: 'explode', urn: stackUrn() }] }, 'p.json'));
    expect(e.message).toContain('$.steps[0].op');
    const e2 = await rejection(loadGraphs({ preview: [join(CORPUS, 'pulumi-aws-kms-key-export.json')] }));
    expect(e2.message).toContain('pass it with --state');
  });
});

describe('loadGraphs', () => {
  it('refuses two source kinds at once, and stdin twice', async () => {
    const e = await rejection(loadGraphs({ state: ['a.json'], backend: 'dir' }));
    expect(e.kind).toBe('usage');
    expect(e.message).toContain('--state and --backend');
    expect((await rejection(loadGraphs({ live: true, program: '.' }))).message).toContain('exactly one of');
    expect((await rejection(loadGraphs({ state: ['-', '-'] }))).kind).toBe('usage');
  });

  it('reads several state files, selects with --stack, refuses the same stack twice', async () => {
    const files = ['pulumi-aws-kms-key-export.json', 'spacedog-local-checkpoint-kms-s3.json'].map((f) => join(CORPUS, f));
    expect(await loadGraphs({ state: files })).toHaveLength(2);
    const [g] = await loadGraphs({ state: files, stacks: ['tutorial/dev'] });
    expect(g!.stack.project).toBe('tutorial');
    expect((await rejection(loadGraphs({ state: files, stacks: ['prod'] }))).message).toContain('aws_kms_key_Key_1/test, tutorial/dev');
    expect((await rejection(loadGraphs({ state: [files[0]!, files[0]!] }))).message).toContain('given twice');
  });
});

describe('live', () => {
  it('without the CLI: an environment error saying what to install or use instead', async () => {
    const e = await rejection(readLive(['dev'], { env: { PATH: tempDir() } }));
    expect(e.kind).toBe('environment');
    expect(e.message).toContain('Pulumi CLI');
    expect(e.message).toContain('--state');
    expect((await rejection(readLive([], {}))).kind).toBe('usage');
  });

  it('with a CLI on PATH: runs `pulumi stack export --stack S` without --show-secrets and parses it', async () => {
    const bin = tempDir('e3-bin-');
    const log = join(bin, 'args.txt');
    writeFileSync(
      join(bin, 'pulumi'),
      `#!/bin/sh\necho "$@" > ${log}\nif [ "$4" = "missing" ]; then echo "error: no stack named 'missing' found" >&2; exit 255; fi\ncat ${join(CORPUS, 'pulumi-aws-secretversion-export.json')}\n`,
    );
    chmodSync(join(bin, 'pulumi'), 0o755);
    const env = { PATH: `${bin}:/usr/bin:/bin` };
    const [g] = await readLive(['test'], { env });
    expect([g!.stack.source.kind, g!.stack.source.location, g!.resources.length]).toEqual(['live', 'test', 4]);
    expect(readFileSync(log, 'utf8')).not.toContain('show-secrets');
    const e = await rejection(readLive(['missing'], { env }));
    expect(e.message).toContain("no stack named 'missing'");
  });
});

describe('the state path never loads the Pulumi SDK', () => {
  const script = (body: string): string => {
    const dir = tempDir('e3-nosdk-');
    const f = join(dir, 'probe.mts');
    writeFileSync(
      f,
      `import { createRequire } from 'node:module';\n${body}\nconst loaded = Object.keys(createRequire(import.meta.url).cache).some((k) => k.includes('/@pulumi/pulumi/'));\nconsole.log(JSON.stringify({ loaded }));\n`,
    );
    return f;
  };
  const run = (f: string): { loaded: boolean } =>
    JSON.parse(execFileSync(join(process.cwd(), 'node_modules/.bin/tsx'), [f], { cwd: process.cwd(), encoding: 'utf8' }).trim().split('\n').pop()!);

  it('loadGraphs --state/--preview/--backend leaves @pulumi/pulumi unloaded; importing it is detected', () => {
    const src = pathToFileURL(join(process.cwd(), 'diagrams/sources/index.ts')).href;
    const probe = script(
      `const { loadGraphs } = await import(${JSON.stringify(src)});\nawait loadGraphs({ state: [${JSON.stringify(join(CORPUS, 'eks-cluster-143res-ciphertext-export.json'))}] });\nawait loadGraphs({ preview: [${JSON.stringify(join(CORPUS, 'stratify-s3-lambda-preview-creates.json'))}] });`,
    );
    expect(run(probe).loaded).toBe(false);
    const sdk = pathToFileURL(join(process.cwd(), 'node_modules/@pulumi/pulumi/index.js')).href;
    const control = script(`await import(${JSON.stringify(sdk)});`);
    expect(run(control).loaded).toBe(true);
  });
});
