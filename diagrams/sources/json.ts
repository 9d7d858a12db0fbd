/**
 * JSON input helpers shared by the readers: read a file or stdin (gzip detected by its magic bytes),
 * parse once, and on failure report WHERE without echoing the text (V8's own messages quote the
 * input, which may hold a secret).
 */

import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { GeneratorError } from '../errors.ts';

export interface ReadOptions {
  /** Directory relative paths are resolved against (default: process.cwd()). */
  readonly cwd?: string;
  /** Stream read for `-` (default: process.stdin). */
  readonly stdin?: NodeJS.ReadableStream;
}

async function readStream(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(typeof c === 'string' ? Buffer.from(c) : (c as Buffer));
  return Buffer.concat(chunks);
}

/** Read `location` (a path as the user gave it, or `-` for stdin) into bytes. */
export async function readInput(location: string, opts: ReadOptions = {}, flag = '--state', shown = location): Promise<Buffer> {
  if (location === '-') return readStream(opts.stdin ?? process.stdin);
  const full = resolve(opts.cwd ?? process.cwd(), location);
  try {
    return await readFile(full);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new GeneratorError('input', 'file not found', { subject: shown, expected: `an existing file for ${flag}` });
    if (code === 'EISDIR') {
      throw new GeneratorError('input', 'is a directory', {
        subject: shown,
        expected: flag === '--state' ? 'a JSON file (use --backend <dir> for a file backend directory)' : 'a JSON file',
      });
    }
    throw new GeneratorError('input', `cannot read file (${code ?? 'error'})`, { subject: shown, expected: 'a readable file' });
  }
}

const GZIP_MAGIC_0 = 0x1f;
const GZIP_MAGIC_1 = 0x8b;

/** Decompress gzip (by magic bytes, or a `.gz` name), strip a BOM, and parse JSON once. */
export function parseJsonBytes(bytes: Buffer, location: string): unknown {
  let buf = bytes;
  const looksGzip = buf.length >= 2 && buf[0] === GZIP_MAGIC_0 && buf[1] === GZIP_MAGIC_1;
  if (looksGzip || location.endsWith('.gz')) {
    if (!looksGzip) {
      throw new GeneratorError('input', 'named .gz but not gzip data', { subject: location, expected: 'a gzip-compressed JSON file' });
    }
    try {
      buf = gunzipSync(buf);
    } catch (e) {
      throw new GeneratorError('input', `broken gzip data (${(e as NodeJS.ErrnoException).code ?? 'cannot decompress'})`, {
        subject: location,
        expected: 'a complete gzip-compressed JSON file',
      });
    }
  }
  let text = buf.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  return parseJsonText(text, location);
}

export function parseJsonText(text: string, location: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    const where = locateJsonError(text);
    const { line, column } = lineColumn(text, where.offset);
    const message = where.truncated
      ? `not valid JSON: truncated, input ends at line ${line} column ${column} (${text.length} characters)`
      : `not valid JSON: ${where.what} at line ${line} column ${column} (position ${where.offset})`;
    throw new GeneratorError('input', message, { subject: location, line, expected: 'a JSON document' });
  }
}

function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let last = -1;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      last = i;
    }
  }
  return { line, column: offset - last };
}

interface JsonErrorLocation {
  readonly offset: number;
  readonly truncated: boolean;
  /** Describes the problem without quoting the input. */
  readonly what: string;
}

/**
 * A small JSON scanner used only after JSON.parse failed, to find the offset of the first error.
 * Never returns input text.
 */
export function locateJsonError(text: string): JsonErrorLocation {
  let i = 0;
  const n = text.length;
  class Fail {
    constructor(
      readonly offset: number,
      readonly what: string,
    ) {}
  }
  const ws = (): void => {
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 32 || c === 9 || c === 10 || c === 13) i++;
      else break;
    }
  };
  const expectChar = (ch: string, what: string): void => {
    if (i >= n) throw new Fail(i, 'unexpected end of input');
    if (text[i] !== ch) throw new Fail(i, what);
    i++;
  };
  const str = (): void => {
    i++; // opening quote
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 34) {
        i++;
        return;
      }
      if (c === 92) {
        i++;
        if (i >= n) break;
        const e = text[i]!;
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) {
            if (i + 5 > n) break;
            throw new Fail(i, 'invalid \\u escape in a string');
          }
          i += 5;
          continue;
        }
        if (!'"\\/bfnrt'.includes(e)) throw new Fail(i, 'invalid escape in a string');
        i++;
        continue;
      }
      if (c < 32) throw new Fail(i, 'control character in a string');
      i++;
    }
    throw new Fail(n, 'unexpected end of input');
  };
  const value = (depth: number): void => {
    if (depth > 10000) throw new Fail(i, 'nesting too deep');
    ws();
    if (i >= n) throw new Fail(i, 'unexpected end of input');
    const c = text[i]!;
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        ws();
        if (i >= n) throw new Fail(i, 'unexpected end of input');
        if (text[i] !== '"') throw new Fail(i, 'expected a property name in double quotes');
        str();
        ws();
        expectChar(':', "expected ':' after a property name");
        value(depth + 1);
        ws();
        if (i >= n) throw new Fail(i, 'unexpected end of input');
        if (text[i] === ',') {
          i++;
          continue;
        }
        expectChar('}', "expected ',' or '}' after a property value");
        return;
      }
    }
    if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (;;) {
        value(depth + 1);
        ws();
        if (i >= n) throw new Fail(i, 'unexpected end of input');
        if (text[i] === ',') {
          i++;
          continue;
        }
        expectChar(']', "expected ',' or ']' after an array element");
        return;
      }
    }
    if (c === '"') return str();
    for (const lit of ['true', 'false', 'null']) {
      if (text.startsWith(lit, i)) {
        i += lit.length;
        return;
      }
      if (lit.startsWith(text.slice(i, n)) && n - i < lit.length) throw new Fail(n, 'unexpected end of input');
    }
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (m && m[0] !== '' && m[0] !== '-') {
      i += m[0].length;
      return;
    }
    throw new Fail(i, 'unexpected character');
  };
  try {
    value(0);
    ws();
    if (i < n) return { offset: i, truncated: false, what: 'unexpected content after the JSON value' };
    // JSON.parse failed but the scanner did not: report the start.
    return { offset: 0, truncated: false, what: 'invalid JSON' };
  } catch (e) {
    if (e instanceof Fail) return { offset: e.offset, truncated: e.offset >= n, what: e.what };
    return { offset: 0, truncated: false, what: 'nesting too deep' };
  }
}
