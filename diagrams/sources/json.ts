/**
 * JSON input helpers shared by the readers: read a file or stdin (gzip detected by its magic bytes),
 * decode the text (UTF-8, or UTF-16 with a byte order mark), parse once, and on failure report WHERE
 * without echoing the text (V8's own messages quote the input, which may hold a secret).
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

/** What `decodeJsonText` accepts, for messages. */
export const ACCEPTED_ENCODINGS = 'JSON text in UTF-8 (with or without a byte order mark) or in UTF-16LE/UTF-16BE with a byte order mark, optionally gzip-compressed';

function encodingError(location: string, problem: string): GeneratorError {
  return new GeneratorError('input', `cannot read the text: ${problem}`, { subject: location, expected: ACCEPTED_ENCODINGS });
}

/** Offset of the first byte that breaks UTF-8 (only called once decoding failed). */
function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    if (c < 0x80) {
      i++;
      continue;
    }
    const n = c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : -1;
    if (n < 0 || i + n >= b.length) return i;
    // Second byte ranges exclude overlong forms, surrogates and code points above U+10FFFF.
    const c1 = b[i + 1]!;
    const lo = c === 0xe0 ? 0xa0 : c === 0xf0 ? 0x90 : 0x80;
    const hi = c === 0xed ? 0x9f : c === 0xf4 ? 0x8f : 0xbf;
    if (c1 < lo || c1 > hi) return i;
    for (let k = 2; k <= n; k++) if ((b[i + k]! & 0xc0) !== 0x80) return i;
    i += n + 1;
  }
  return b.length;
}

/**
 * The JSON text of a file's bytes (after gunzip). A byte order mark picks the encoding: EF BB BF
 * UTF-8, FF FE UTF-16LE, FE FF UTF-16BE (what PowerShell's `>` writes is UTF-16LE with FF FE); without
 * one, UTF-8. Refused with a message naming the problem: UTF-32 (either byte order mark), NUL bytes
 * in every second position of the start (UTF-16 without a byte order mark), and bytes that are not
 * valid in the chosen encoding.
 */
export function decodeJsonText(buf: Uint8Array, location: string): string {
  const b0 = buf[0];
  const b1 = buf[1];
  if (buf.length >= 4 && b0 === 0xff && b1 === 0xfe && buf[2] === 0 && buf[3] === 0) {
    throw encodingError(location, 'the file is UTF-32LE (byte order mark FF FE 00 00), which is not read');
  }
  if (buf.length >= 4 && b0 === 0 && b1 === 0 && buf[2] === 0xfe && buf[3] === 0xff) {
    throw encodingError(location, 'the file is UTF-32BE (byte order mark 00 00 FE FF), which is not read');
  }
  if (b0 === 0xff && b1 === 0xfe) return decodeUtf16(buf, location, 'le');
  if (b0 === 0xfe && b1 === 0xff) return decodeUtf16(buf, location, 'be');
  const nul = nulPattern(buf);
  if (nul !== undefined) {
    throw encodingError(location, `the file starts with NUL bytes in every second position: it looks like ${nul} without a byte order mark`);
  }
  try {
    // Strips an EF BB BF byte order mark; `fatal` refuses invalid bytes instead of replacing them.
    return new TextDecoder('utf-8', { fatal: true }).decode(buf);
  } catch {
    const at = firstInvalidUtf8(buf);
    throw encodingError(location, `not valid UTF-8 (invalid byte 0x${(buf[at] ?? 0).toString(16).padStart(2, '0').toUpperCase()} at byte offset ${at})`);
  }
}

/** `UTF-16LE`/`UTF-16BE` when the first bytes hold NUL in every odd/even position (ASCII text in UTF-16), else undefined. */
function nulPattern(buf: Uint8Array): string | undefined {
  const n = Math.min(buf.length, 64) & ~1;
  if (n < 4) return undefined;
  let evenNul = true;
  let oddNul = true;
  for (let i = 0; i < n; i += 2) {
    if (buf[i] !== 0) evenNul = false;
    if (buf[i + 1] !== 0) oddNul = false;
  }
  if (oddNul && !evenNul) return 'UTF-16LE';
  if (evenNul && !oddNul) return 'UTF-16BE';
  return undefined;
}

function decodeUtf16(buf: Uint8Array, location: string, order: 'le' | 'be'): string {
  const name = order === 'le' ? 'UTF-16LE' : 'UTF-16BE';
  if (buf.length % 2 !== 0) throw encodingError(location, `the file has a ${name} byte order mark but an odd number of bytes (${buf.length})`);
  let le = buf;
  if (order === 'be') {
    // Swapped into little-endian on a copy: no dependency on ICU's UTF-16BE decoder.
    le = Buffer.from(buf).swap16();
  }
  try {
    // Strips the byte order mark (FF FE once swapped).
    return new TextDecoder('utf-16le', { fatal: true }).decode(le);
  } catch {
    throw encodingError(location, `not valid ${name} (an unpaired surrogate)`);
  }
}

/** Decompress gzip (by magic bytes, or a `.gz` name), decode the text (see decodeJsonText), and parse JSON once. */
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
  return parseJsonText(decodeJsonText(buf, location), location);
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

class ScanFail {
  constructor(
    readonly offset: number,
    readonly what: string,
  ) {}
}

/** A JSON scanner that only checks syntax, to find where it first fails; never returns input text. */
class JsonScanner {
  i = 0;
  private readonly n: number;

  constructor(private readonly text: string) {
    this.n = text.length;
  }

  ws(): void {
    while (this.i < this.n) {
      const c = this.text.charCodeAt(this.i);
      if (c === 32 || c === 9 || c === 10 || c === 13) this.i++;
      else break;
    }
  }

  private fail(what: string, at: number = this.i): never {
    throw new ScanFail(at, what);
  }

  private expectChar(ch: string, what: string): void {
    if (this.i >= this.n) this.fail('unexpected end of input');
    if (this.text[this.i] !== ch) this.fail(what);
    this.i++;
  }

  /** A string, from its opening quote. */
  private str(): void {
    const { text, n } = this;
    this.i++; // opening quote
    while (this.i < n) {
      const c = text.charCodeAt(this.i);
      if (c === 34) {
        this.i++;
        return;
      }
      if (c === 92) {
        this.i++;
        if (this.i >= n) break;
        const e = text[this.i]!;
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(this.i + 1, this.i + 5))) {
            if (this.i + 5 > n) break;
            this.fail('invalid \\u escape in a string');
          }
          this.i += 5;
          continue;
        }
        if (!'"\\/bfnrt'.includes(e)) this.fail('invalid escape in a string');
        this.i++;
        continue;
      }
      if (c < 32) this.fail('control character in a string');
      this.i++;
    }
    this.fail('unexpected end of input', n);
  }

  value(depth: number): void {
    if (depth > 10000) this.fail('nesting too deep');
    this.ws();
    if (this.i >= this.n) this.fail('unexpected end of input');
    const c = this.text[this.i]!;
    if (c === '{') return this.object(depth);
    if (c === '[') return this.array(depth);
    if (c === '"') return this.str();
    return this.scalar();
  }

  /** An object, from its `{`. */
  private object(depth: number): void {
    if (this.empty('}')) return;
    do {
      this.ws();
      if (this.i >= this.n) this.fail('unexpected end of input');
      if (this.text[this.i] !== '"') this.fail('expected a property name in double quotes');
      this.str();
      this.ws();
      this.expectChar(':', "expected ':' after a property name");
      this.value(depth + 1);
    } while (this.more('}', "expected ',' or '}' after a property value"));
  }

  /** An array, from its `[`. */
  private array(depth: number): void {
    if (this.empty(']')) return;
    do this.value(depth + 1);
    while (this.more(']', "expected ',' or ']' after an array element"));
  }

  /** Past the opening bracket; true (and past the closing one) when the object or array is empty. */
  private empty(close: string): boolean {
    this.i++;
    this.ws();
    if (this.text[this.i] !== close) return false;
    this.i++;
    return true;
  }

  /** After a member: true past a `,` (another member follows), false past `close`; else fails with `what`. */
  private more(close: string, what: string): boolean {
    this.ws();
    if (this.i >= this.n) this.fail('unexpected end of input');
    if (this.text[this.i] === ',') {
      this.i++;
      return true;
    }
    this.expectChar(close, what);
    return false;
  }

  /** true, false, null or a number. */
  private scalar(): void {
    const { text, n } = this;
    for (const lit of ['true', 'false', 'null']) {
      if (text.startsWith(lit, this.i)) {
        this.i += lit.length;
        return;
      }
      if (lit.startsWith(text.slice(this.i, n)) && n - this.i < lit.length) this.fail('unexpected end of input', n);
    }
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(this.i, this.i + 400));
    if (m && m[0] !== '' && m[0] !== '-') {
      this.i += m[0].length;
      return;
    }
    this.fail('unexpected character');
  }
}

/**
 * A small JSON scanner used only after JSON.parse failed, to find the offset of the first error.
 * Never returns input text.
 */
export function locateJsonError(text: string): JsonErrorLocation {
  const n = text.length;
  const scan = new JsonScanner(text);
  try {
    scan.value(0);
    scan.ws();
    if (scan.i < n) return { offset: scan.i, truncated: false, what: 'unexpected content after the JSON value' };
    // JSON.parse failed but the scanner did not: report the start.
    return { offset: 0, truncated: false, what: 'invalid JSON' };
  } catch (e) {
    if (e instanceof ScanFail) return { offset: e.offset, truncated: e.offset >= n, what: e.what };
    return { offset: 0, truncated: false, what: 'nesting too deep' };
  }
}
