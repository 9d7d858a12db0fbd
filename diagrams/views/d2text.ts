/**
 * D2 text helpers: escaping labels, safe ids, and a tiny line builder. Pure.
 */

/** Unpaired surrogates (text cut inside a pair, or invalid UTF-16 from the input). */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * A D2 double-quoted string: backslash, quote, `$` (substitutions) escaped; newlines as `\n`;
 * unpaired surrogates as U+FFFD (the text stays well-formed, as the .d2 file and the SVG hold it).
 */
export function q(label: string): string {
  const s = label
    .replace(LONE_SURROGATE, '\ufffd')
    .replace(/\\/g, '\\\\')
    .replace(/"/g, '\\"')
    .replace(/\$/g, '\\$')
    .replace(/\r\n|\r|\n/g, '\\n')
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, ' ');
  return `"${s}"`;
}

/** A D2 key made of [a-z0-9_] only, never empty, never a D2 keyword. */
export function slug(text: string): string {
  const s = text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  return `n_${s || 'x'}`;
}

/** Hands out unique, deterministic ids for names (same name -> same id within one view). */
export class Ids {
  private readonly byName = new Map<string, string>();
  private readonly used = new Set<string>();
  constructor(private readonly prefix = '') {}
  id(name: string, display: string = name): string {
    const known = this.byName.get(name);
    if (known) return known;
    const base = this.prefix + slug(display);
    let id = base;
    for (let i = 2; this.used.has(id); i++) id = `${base}_${i}`;
    this.used.add(id);
    this.byName.set(name, id);
    return id;
  }
}

/** Indented line builder. */
export class D2Text {
  private readonly lines: string[] = [];
  private depth = 0;
  line(text = ''): this {
    this.lines.push(text === '' ? '' : '  '.repeat(this.depth) + text);
    return this;
  }
  /** `key: label { ...body }` */
  block(head: string, body: (t: this) => void): this {
    this.line(`${head} {`);
    this.depth++;
    body(this);
    this.depth--;
    this.line('}');
    return this;
  }
  /** Appends another text's lines at the current depth. */
  embed(other: D2Text): this {
    for (const l of other.lines) this.line(l);
    return this;
  }
  toString(): string {
    return this.lines.join('\n') + '\n';
  }
}

/** Sorting helper: plain code-point order, so the output never depends on the locale. */
export function byString<T>(key: (x: T) => string): (a: T, b: T) => number {
  return (a, b) => {
    const x = key(a);
    const y = key(b);
    return x < y ? -1 : x > y ? 1 : 0;
  };
}

/** `n thing(s)`. */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** Shortens a label to `max` characters with an ellipsis. */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(1, max - 1))}…`;
}

function greedyLines(words: readonly string[], width: number): string[] {
  const out: string[] = [];
  let cur = '';
  for (const w of words) {
    if (cur === '' || cur.length + 1 + w.length <= width) cur = cur === '' ? w : `${cur} ${w}`;
    else {
      out.push(cur);
      cur = w;
    }
  }
  if (cur !== '') out.push(cur);
  return out;
}

/**
 * `text` broken at spaces into balanced lines of at most `width` characters (as few lines as that
 * allows, of about equal length), at most `lines` lines; a word longer than a line is kept whole,
 * and what does not fit ends in `…` after a whole word.
 */
export function wrap(text: string, width: number, lines: number): string {
  const words = text.split(/\s+/).filter((w) => w !== '');
  const full = greedyLines(words, width);
  const n = Math.min(full.length, lines);
  let best = full;
  if (full.length <= lines) {
    const longest = Math.max(0, ...words.map((w) => w.length));
    for (let target = Math.max(longest, Math.ceil(words.join(' ').length / n)); target < width; target++) {
      const tried = greedyLines(words, target);
      if (tried.length <= n) {
        best = tried;
        break;
      }
    }
    return best.join('\n');
  }
  const kept = full.slice(0, lines);
  kept[lines - 1] = `${kept[lines - 1]} …`;
  return kept.join('\n');
}

/** Columns for a grid of n cells: close to square, wider than tall, at most `max`. */
export function gridColumns(n: number, max = 4): number {
  if (n <= 1) return 1;
  return Math.min(max, Math.max(2, Math.ceil(Math.sqrt(n * 1.5))));
}
