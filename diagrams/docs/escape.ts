/**
 * Escaping for the Markdown docs of text that comes from the estate (names, paths, aliases, tags,
 * policy documents, notes). Every helper returns text that can only be read as the text it was
 * given: no HTML, link, image, emphasis, table cell or line break can come out of a value.
 *
 * What every helper does first (`inlineText`):
 *   - a lone surrogate becomes U+FFFD (what a UTF-8 writer stores for it);
 *   - every line ending (CR, LF, CRLF, NEL U+0085, U+2028, U+2029) and TAB becomes one space;
 *   - other C0 and C1 controls, DEL, the bidirectional controls (U+061C, U+200E, U+200F,
 *     U+202A–U+202E, U+2066–U+2069) and the invisible format characters U+200B, U+2060–U+2064,
 *     U+206A–U+206F, U+FEFF and U+FFF9–U+FFFB become a visible `\u{XXXX}` notation (hex, at least 4
 *     digits), so a reader sees that a name holds such a character and which one. Joiners (U+200C,
 *     U+200D) and variation selectors stay: scripts and emoji need them.
 *
 * Then, by context:
 *   - `md`: Markdown text (a table cell, a list item, a heading, a paragraph);
 *   - `code`: an inline code span, safe in a table cell;
 *   - `fenceText`: text on a line of a fenced code block;
 *   - `linkTarget`, `link`, `linkLabel`: relative links.
 *
 * Pure and total: no helper throws, whatever string it is given.
 */

const SURROGATE_LONE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const LINE_BREAK = /\r\n|[\t\n\r\u0085\u2028\u2029]/g;
const CONTROL =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u0084\u0086-\u009F\u061C\u200B\u200E\u200F\u202A-\u202E\u2060-\u2064\u2066-\u206F\uFEFF\uFFF9-\uFFFB]/g;

/** `\u{202E}`: how a control or bidi character is shown. */
export function notation(ch: string): string {
  return `\\u{${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}}`;
}

/** The string with each lone surrogate replaced by U+FFFD. */
export function wellFormed(s: string): string {
  return s.replace(SURROGATE_LONE, '\uFFFD');
}

/** Control, bidi and invisible format characters as `\u{XXXX}`; line breaks and TAB untouched. */
export function replaceControls(s: string): string {
  return s.replace(CONTROL, notation);
}

/** One line of plain text: well-formed, line breaks and TAB as spaces, controls as `\u{XXXX}`. */
export function inlineText(s: string): string {
  return replaceControls(wellFormed(s).replace(LINE_BREAK, ' '));
}

/**
 * `<!--` as `\u{003C}!--`, for literal contexts (code spans, fenced blocks) where an HTML comment
 * cannot be escaped: no generated text contains the start of an HTML comment, so none contains the
 * `--inject` markers.
 */
function noCommentStart(s: string): string {
  return s.replace(/<!--/g, `${notation('<')}!--`);
}

/**
 * Escaped wherever they are: they start inline constructs (emphasis, code, links, images, table
 * cells, strikethrough, math, a heading's closing `#`s; braces for good measure). `(`, `)` and `!`
 * act only next to a bracket (`](`, `![`), and brackets are always escaped, so they stay as they
 * are except `)` after leading digits (`1)` starts a list item).
 */
const ALWAYS = new Set(['\\', '`', '*', '_', '{', '}', '[', ']', '|', '~', '$', '#']);
const ENTITY: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };
/** Escaped at the start of the text only: they start a block (a list item) only there. */
const AT_START = new Set(['+', '-', '=']);
const LETTER = /\p{L}/u;

function letterAt(t: string, i: number): boolean {
  const cp = t.codePointAt(i);
  return cp !== undefined && LETTER.test(String.fromCodePoint(cp));
}

/**
 * Markdown text, one line, safe in a table cell and at the start of a line or list item:
 *   - always escaped: \ ` * _ { } [ ] | ~ $ # ; `&`, `<`, `>` as `&amp;`, `&lt;`, `&gt;` (no HTML,
 *     no entity that decodes to a control); with the brackets escaped, `(`, `)` and `!` can start
 *     no link or image and stay as they are;
 *   - at the start of the text (after spaces): `+`, `-`, `=` and the `.` or `)` of `1.`, `1)`
 *     (a list item could only start there: the text holds no line break);
 *   - autolinks (GitHub's GFM extension, markdown-it's linkify): a `.` followed by a letter or
 *     after `www`, a `:` before `/` or after `mailto` or `xmpp`, and the second `/` of `//` are
 *     escaped, so no domain, e-mail address, `www.`, `mailto:` or `scheme://` is left to
 *     linkify. A `.` before a space, a digit or the end (sentences, `A.8.24`, `3.92.0`) stays.
 */
export function md(s: string | number | undefined): string {
  if (s === undefined) return '';
  const text = String(s);
  if (text.length < LONG_TEXT) return markdownText(text);
  let escaped = longTexts.get(text);
  if (escaped === undefined) {
    escaped = markdownText(text);
    if (longTexts.size >= LONG_TEXTS_KEPT) longTexts.delete(longTexts.keys().next().value!);
    longTexts.set(text, escaped);
  }
  return escaped;
}

/** Texts this long are escaped once for the last few of them: a name of megabytes is shown in many places. */
const LONG_TEXT = 10_000;
const LONG_TEXTS_KEPT = 4;
const longTexts = new Map<string, string>();

function markdownText(s: string): string {
  const t = inlineText(s);
  let out = '';
  let start = true; // only spaces so far
  let digits = false; // only spaces then digits so far
  for (let i = 0; i < t.length; i++) {
    const c = t[i]!;
    const next = t[i + 1];
    let escaped: string;
    if (ALWAYS.has(c)) escaped = `\\${c}`;
    else if (ENTITY[c] !== undefined) escaped = ENTITY[c]!;
    else if (start && AT_START.has(c)) escaped = `\\${c}`;
    else if (c === ')' && digits) escaped = '\\)';
    else if (c === '.' && (digits || letterAt(t, i + 1) || /www$/i.test(t.slice(Math.max(0, i - 3), i)))) escaped = '\\.';
    else if (c === ':' && (next === '/' || /(?:mailto|xmpp)$/i.test(t.slice(Math.max(0, i - 6), i)))) escaped = '\\:';
    else if (c === '/' && t[i - 1] === '/') escaped = '\\/';
    else escaped = c;
    out += escaped;
    if (c === ' ') {
      if (!start) digits = false;
    } else if (c >= '0' && c <= '9' && (start || digits)) {
      start = false;
      digits = true;
    } else {
      start = false;
      digits = false;
    }
  }
  return out;
}

/**
 * An inline code span, safe in a GFM table cell: the fence is one backtick longer than the longest
 * run of backticks in the text, with a space inside each end when the text starts or ends with a
 * backtick or a space (CommonMark strips exactly that space). `|` is written `\|`, which GitHub and
 * markdown-it read as `|` inside a table cell (outside a table the backslash would show). `<!--`
 * is written `\u{003C}!--`. Empty or undefined: the empty string.
 */
export function code(s: string | undefined): string {
  if (s === undefined || s === '') return '';
  const v = noCommentStart(inlineText(String(s))).replace(/\|/g, '\\|');
  let longest = 0;
  for (const run of v.match(/`+/g) ?? []) longest = Math.max(longest, run.length);
  const fence = '`'.repeat(longest + 1);
  const pad = /^[` ]|[` ]$/.test(v) && !/^ +$/.test(v) ? ' ' : '';
  return `${fence}${pad}${v}${pad}${fence}`;
}

/**
 * Text written by this program that marks code with single backticks (a rule's remediation):
 * each `` `…` `` becomes a code span (`code`), the text around it Markdown text (`md`). An
 * unpaired backtick stays text.
 */
export function mdWithCode(s: string | undefined): string {
  if (s === undefined) return '';
  return String(s)
    .split(/(`[^`]+`)/)
    .map((part, i) => (i % 2 === 1 ? code(part.slice(1, -1)) : md(part)))
    .join('');
}

/**
 * Text on one line of a fenced code block (the parameter tree): no Markdown escaping (a fence shows
 * text as it is), but one line (so no name can start a line and close the fence), controls as
 * `\u{XXXX}` and `<!--` as `\u{003C}!--`.
 */
export function fenceText(s: string): string {
  return noCommentStart(inlineText(s));
}

/** The text of a link: Markdown text (`md`), so it cannot close the link or hold another one. */
export function linkLabel(s: string): string {
  return md(s);
}

const UNRESERVED = /^[A-Za-z0-9\-._~]$/;
const utf8 = new TextEncoder();

function encodeSegment(segment: string): string {
  let out = '';
  for (const b of utf8.encode(segment)) {
    const c = String.fromCharCode(b);
    out += b < 0x80 && UNRESERVED.test(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/**
 * A relative link target: each `/`-separated segment percent-encoded as UTF-8, every byte outside
 * the unreserved characters [A-Za-z0-9-._~] (so `(`, `)`, `#`, `?`, `:`, `%`, spaces and all
 * non-ASCII), after lone surrogates became U+FFFD (as the file name on disk). `.` and `..`
 * segments stay. A path starting with `/` gets a `./` in front: the target stays relative (a
 * leading `//` would otherwise name another host).
 */
export function linkTarget(relativePath: string): string {
  const encoded = wellFormed(relativePath).split('/').map(encodeSegment).join('/');
  return encoded.startsWith('/') ? `./${encoded}` : encoded;
}

/** `[label](target)` from a label and a relative path (an empty label shows the target). */
export function link(label: string, relativePath: string): string {
  const text = linkLabel(label);
  const target = linkTarget(relativePath);
  return `[${text === '' ? linkLabel(target) : text}](${target})`;
}
