/**
 * Stack and project names: megabyte-long names are refused at once with a bounded message; odd
 * characters (lone surrogates, NUL, escape sequences) are carried through graph building and JSON
 * output, and escaped in messages.
 */
import { describe, expect, it } from 'vitest';
import { GeneratorError } from '../../diagrams/errors.ts';
import { graphFromStateDocument, readStateFile } from '../../diagrams/sources/state.ts';
import { exportDoc, rejection, tempDir, writeJson } from './helpers.ts';

const dir = tempDir('e3-names-');
const MB5 = 5_000_000;
/** Longest message any refusal below may print. */
const BOUND = 2_000;

async function timed<T>(f: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const t0 = performance.now();
  const value = await f();
  return { value, ms: performance.now() - t0 };
}

describe('huge names', () => {
  for (const [label, unit] of [
    ['|', '|'],
    ['\\', '\\'],
    ['a/', 'a/'],
  ] as const) {
    it(`a 5 MB checkpoint stack name of ${JSON.stringify(label)} is handled in well under a second, any message bounded`, async () => {
      const name = unit.repeat(MB5 / unit.length);
      const file = writeJson(dir, `cp-${label === '|' ? 'pipe' : label === '\\' ? 'bs' : 'slash'}.json`, { version: 3, checkpoint: { stack: name, latest: { resources: [] } } });
      const { value, ms } = await timed(() => readStateFile(file).then((g) => g, (e: unknown) => e));
      expect(ms).toBeLessThan(5_000); // the old validation took 8-12 s; linear now (milliseconds)
      if (unit === 'a/') {
        // `a/a/.../a/` names no stack (the part after the last `/` is empty) and no project (not 3 parts).
        const g = value as Awaited<ReturnType<typeof readStateFile>>;
        expect(g.stack.stack).toBe('(unknown stack)');
        expect(g.stack.project).toBe('(unknown project)');
      } else {
        expect(value).toBeInstanceOf(GeneratorError);
        const e = value as GeneratorError;
        expect(e.message).toContain(`at $.checkpoint.stack: stack name of ${MB5 / unit.length} characters`);
        expect(e.message).toContain('a stack name of at most 100 characters');
        expect(e.message.length).toBeLessThan(BOUND);
      }
    });
  }

  it('a 5 MB stack or project in the Stack URN is refused, naming the row', async () => {
    for (const [stack, project, what] of [
      ['|'.repeat(MB5), 'proj', 'stack'],
      ['dev', '\\'.repeat(MB5), 'project'],
    ] as const) {
      const u = `urn:pulumi:${stack}::${project}::pulumi:pulumi:Stack::x`;
      const file = writeJson(dir, 'urn.json', exportDoc([{ urn: u, type: 'pulumi:pulumi:Stack', custom: false }]));
      const { value: e, ms } = await timed(() => rejection(readStateFile(file)));
      expect(ms).toBeLessThan(5_000); // the old validation took 8-12 s; linear now (milliseconds)
      expect(e.message).toContain(`at $.deployment.resources[0].urn: ${what} name of 5000000 characters`);
      expect(e.message.length).toBeLessThan(BOUND);
    }
  });

  it('names up to Pulumi’s 100 characters are accepted', () => {
    const name = 's'.repeat(100);
    const g = graphFromStateDocument({ version: 3, checkpoint: { stack: `org/${'p'.repeat(100)}/${name}`, latest: {} } }, 'ok.json');
    expect(g.stack.stack).toBe(name);
    expect(g.stack.project).toBe('p'.repeat(100));
  });
});

describe('odd characters in names', () => {
  const names = ['lone\ud800surrogate', 'nul\u0000name', 'esc\u001b[2Jname', 'rtl\u202ename', 'emoji🚀', 'low\udc00first'];

  it('build a graph and its JSON (the `graph --json` text) for every odd stack and project name', () => {
    for (const odd of names) {
      const doc = exportDoc([
        { urn: `urn:pulumi:${odd}::${odd}::pulumi:pulumi:Stack::${odd}`, type: 'pulumi:pulumi:Stack', custom: false, outputs: { [odd]: odd } },
        { urn: `urn:pulumi:${odd}::${odd}::aws:s3/bucket:Bucket::b`, type: 'aws:s3/bucket:Bucket', custom: true, parent: `urn:pulumi:${odd}::${odd}::pulumi:pulumi:Stack::${odd}`, inputs: { [`${odd}_password`]: 'CANARY' } },
      ]);
      const g = graphFromStateDocument(doc, 'odd.json');
      expect(g.stack.stack).toBe(odd);
      expect(g.stack.project).toBe(odd);
      const text = JSON.stringify(g, null, 2);
      expect(text).not.toContain('CANARY');
      // Well-formed JSON: lone surrogates are escaped, so the text survives UTF-8 and parses back.
      expect(JSON.parse(Buffer.from(text, 'utf8').toString('utf8')).stack.stack).toBe(odd);
      expect(g.metadata.plaintextSecrets).toHaveLength(1);
      expect(g.metadata.plaintextSecrets[0]!.path).not.toMatch(/[\u0000-\u001f\u007f-\u009f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/);
    }
  });

  it('a checkpoint stack name with odd characters is read from the `stack` field', async () => {
    const file = writeJson(dir, 'odd-cp.json', { version: 3, checkpoint: { stack: 'org/pro\u0000j/st\ud800ack', latest: { resources: [] } } });
    const g = await readStateFile(file);
    expect(g.stack).toMatchObject({ project: 'pro\u0000j', stack: 'st\ud800ack' });
    expect(() => JSON.stringify(g, null, 2)).not.toThrow();
  });

  it('error messages escape control characters and lone surrogates from input', () => {
    const odd = 'urn:pulumi:dev::p\u001b[2J\u0000\ud800::pulumi:pulumi:Stack::s';
    const doc = exportDoc([
      { urn: odd, type: 'pulumi:pulumi:Stack', custom: false },
      { urn: odd, type: 'pulumi:pulumi:Stack', custom: false },
    ]);
    let e: GeneratorError | undefined;
    try {
      graphFromStateDocument(doc, 'dup\u001b.json');
    } catch (x) {
      e = x as GeneratorError;
    }
    expect(e).toBeInstanceOf(GeneratorError);
    expect(e!.message).toContain('duplicate URN');
    expect(e!.message).toContain('\\u001b[2J\\u0000\\ud800');
    expect(e!.message).toContain('dup\\u001b.json');
    expect(e!.message).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/);
  });
});
