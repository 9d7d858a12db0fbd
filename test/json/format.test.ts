import { describe, expect, it } from 'vitest';
import { formatJson, formatJsonBytes } from '../../diagrams/json/format.ts';

describe('formatJsonBytes', () => {
  it('is the UTF-8 of formatJson, across its megabyte chunks and with characters of every width', () => {
    // 30,000 objects of ~60 characters: several chunks; names with 2-, 3- and 4-byte characters.
    const doc = {
      schemaVersion: 1,
      parameters: Array.from({ length: 30_000 }, (_, i) => ({ name: `/app/é/日本/${'😀'.repeat(i % 3)}/p-${i}`, type: i % 2 ? 'String' : 'SecureString', tags: { Environment: 'dev' } })),
      nested: { list: [{ a: 1 }, { b: [1, 2, 3] }], empty: [] },
    };
    const text = formatJson(doc);
    const bytes = formatJsonBytes(doc);
    expect(bytes.length).toBeGreaterThan(2 << 20);
    expect(bytes.equals(Buffer.from(text, 'utf8'))).toBe(true);
    expect(JSON.parse(bytes.toString('utf8'))).toEqual(doc);
  });

  it('writes a small value as formatJson does', () => {
    for (const v of [null, 1, 'x', [], {}, { a: [{ b: 1 }] }]) expect(formatJsonBytes(v).toString('utf8')).toBe(formatJson(v));
  });
});
