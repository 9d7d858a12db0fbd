/**
 * Text encodings of state and preview files: a real corpus file re-encoded as UTF-16LE (what
 * PowerShell's `>` writes), UTF-16BE, UTF-8 with a byte order mark, each also gzip-compressed, gives
 * the same graph as the UTF-8 original; UTF-32, UTF-16 without a byte order mark and invalid bytes
 * are refused with a message naming the problem, the file and what is accepted.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readPreviewFile } from '../../diagrams/sources/preview.ts';
import { readStateFile } from '../../diagrams/sources/state.ts';
import { CORPUS, rejection, tempDir } from './helpers.ts';

const root = tempDir('e3-encoding-');

const utf16le = (text: string): Buffer => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
const utf16be = (text: string): Buffer => Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(text, 'utf16le').swap16()]);
const utf8bom = (text: string): Buffer => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')]);
function utf32le(text: string): Buffer {
  const cps = [0xfeff, ...[...text].map((c) => c.codePointAt(0)!)];
  const b = Buffer.alloc(cps.length * 4);
  cps.forEach((cp, i) => b.writeUInt32LE(cp, i * 4));
  return b;
}
const utf32be = (text: string): Buffer => utf32le(text).swap32();

/** Write `bytes` as `name` in a fresh directory; read back through `read` with the same relative name. */
let n = 0;
function place(name: string, bytes: Buffer): string {
  const dir = join(root, String(++n));
  mkdirSync(dir);
  writeFileSync(join(dir, name), bytes);
  return dir;
}

const ENCODINGS: [string, (t: string) => Buffer][] = [
  ['UTF-16LE with BOM', utf16le],
  ['UTF-16BE with BOM', utf16be],
  ['UTF-8 with BOM', utf8bom],
  ['gzip of UTF-16LE', (t) => gzipSync(utf16le(t))],
  ['gzip of UTF-16BE', (t) => gzipSync(utf16be(t))],
  ['gzip of UTF-8 with BOM', (t) => gzipSync(utf8bom(t))],
];

describe('accepted encodings give the same graph as UTF-8', () => {
  // The corpus files are ASCII: a copy with non-ASCII text checks multi-byte characters too.
  const stateText = readFileSync(join(CORPUS, 'stratify-s3-lambda-export.json'), 'utf8');
  const previewText = readFileSync(join(CORPUS, 'stratify-s3-lambda-preview-creates.json'), 'utf8');
  const nonAscii = JSON.stringify({ ...JSON.parse(stateText), note: 'Zürich – 東京 – 🚀' });

  it.each(ENCODINGS)('state file, %s', async (_label, encode) => {
    for (const text of [stateText, nonAscii]) {
      const original = await readStateFile('state.json', { cwd: place('state.json', Buffer.from(text, 'utf8')) });
      const again = await readStateFile('state.json', { cwd: place('state.json', encode(text)) });
      expect(JSON.stringify(again)).toBe(JSON.stringify(original));
    }
  });

  it.each(ENCODINGS)('preview file, %s', async (_label, encode) => {
    const original = await readPreviewFile('preview.json', { cwd: place('preview.json', Buffer.from(previewText, 'utf8')) });
    const again = await readPreviewFile('preview.json', { cwd: place('preview.json', encode(previewText)) });
    expect(again.resources.length).toBeGreaterThan(0);
    expect(JSON.stringify(again)).toBe(JSON.stringify(original));
  });
});

describe('refused encodings name the problem, the file and what is accepted', () => {
  const text = readFileSync(join(CORPUS, 'pulumi-aws-kms-key-export.json'), 'utf8');
  const accepted = 'expected JSON text in UTF-8 (with or without a byte order mark) or in UTF-16LE/UTF-16BE with a byte order mark';

  it.each([
    ['UTF-32LE', utf32le(text), 'UTF-32LE (byte order mark FF FE 00 00)'],
    ['UTF-32BE', utf32be(text), 'UTF-32BE (byte order mark 00 00 FE FF)'],
    ['UTF-16LE without BOM', Buffer.from(text, 'utf16le'), 'looks like UTF-16LE without a byte order mark'],
    ['UTF-16BE without BOM', Buffer.from(text, 'utf16le').swap16(), 'looks like UTF-16BE without a byte order mark'],
    ['gzip of UTF-16LE without BOM', gzipSync(Buffer.from(text, 'utf16le')), 'looks like UTF-16LE without a byte order mark'],
  ])('%s', async (_label, bytes, problem) => {
    const dir = place('x.json', bytes);
    const e = await rejection(readStateFile('x.json', { cwd: dir }));
    expect(e.kind).toBe('input');
    expect(e.message.startsWith('x.json: cannot read the text: ')).toBe(true);
    expect(e.message).toContain(problem);
    expect(e.message).toContain(accepted);
    expect(e.message).not.toContain('not valid JSON');
  });

  it('invalid UTF-8: the offset of the first bad byte, never the text around it', async () => {
    const at = text.indexOf('"urn"');
    const bytes = Buffer.concat([Buffer.from(text.slice(0, at), 'utf8'), Buffer.from([0xc3, 0x28]), Buffer.from(text.slice(at), 'utf8')]);
    const e = await rejection(readStateFile('bad.json', { cwd: place('bad.json', bytes) }));
    expect(e.message).toContain(`bad.json: cannot read the text: not valid UTF-8 (invalid byte 0xC3 at byte offset ${Buffer.byteLength(text.slice(0, at))})`);
    expect(e.message).toContain(accepted);
    const e2 = await rejection(readPreviewFile('p.json', { cwd: place('p.json', Buffer.from([0x7b, 0xff, 0x7d])) }));
    expect(e2.message).toContain('p.json: cannot read the text: not valid UTF-8 (invalid byte 0xFF at byte offset 1)');
  });

  it('a UTF-16 byte order mark with broken content: odd length, unpaired surrogate', async () => {
    const odd = Buffer.concat([utf16le(text), Buffer.from([0x7b])]);
    expect((await rejection(readStateFile('o.json', { cwd: place('o.json', odd) }))).message).toContain('UTF-16LE byte order mark but an odd number of bytes');
    const lone = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('{"a":"', 'utf16le'), Buffer.from([0x00, 0xd8]), Buffer.from('"}', 'utf16le')]);
    expect((await rejection(readStateFile('l.json', { cwd: place('l.json', lone) }))).message).toContain('not valid UTF-16LE (an unpaired surrogate)');
  });
});
