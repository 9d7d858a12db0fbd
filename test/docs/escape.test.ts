/**
 * The escaping helpers over the hostile payloads, each rendered with markdown-it (raw HTML and
 * linkify on): the HTML must be exactly what the same Markdown gives for a harmless placeholder,
 * with the payload's own text (line breaks as spaces, controls as `\u{XXXX}`) in its place.
 */
import { describe, expect, it } from 'vitest';
import { code, md } from '../../diagrams/docs/viewmodel.ts';
import { fenceText, link, linkTarget, mdWithCode } from '../../diagrams/docs/escape.ts';
import { BEGIN, END, PAYLOADS } from './hostile-estate.ts';
import { FORBIDDEN, render, scanHtml } from './html.ts';

/** What a reader must see of `p` (written apart from escape.ts): a second statement of its rules. */
function shown(p: string): string {
  const s = p.replace(/\r\n/g, '\n');
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const u = s.charCodeAt(i);
    const lowNext = i + 1 < s.length && s.charCodeAt(i + 1) >= 0xdc00 && s.charCodeAt(i + 1) <= 0xdfff;
    if (u >= 0xd800 && u <= 0xdbff && lowNext) {
      out += s[i]! + s[i + 1]!;
      i++;
    } else if (u >= 0xd800 && u <= 0xdfff) out += '\uFFFD';
    else if ([0x09, 0x0a, 0x0d, 0x85, 0x2028, 0x2029].includes(u)) out += ' ';
    else if (
      u < 0x20 ||
      (u >= 0x7f && u <= 0x9f) ||
      [0x61c, 0x200b, 0x200e, 0x200f, 0xfeff].includes(u) ||
      (u >= 0x202a && u <= 0x202e) ||
      (u >= 0x2060 && u <= 0x2064) ||
      (u >= 0x2066 && u <= 0x206f) ||
      (u >= 0xfff9 && u <= 0xfffb)
    ) {
      out += `\\u{${u.toString(16).toUpperCase().padStart(4, '0')}}`;
    } else out += s[i]!;
  }
  return out;
}

/** What a reader must see of `p` in code: as `shown`, with `<!--` as `\u{003C}!--`. */
const shownInCode = (p: string) => shown(p).replace(/<!--/g, '\\u{003C}!--');

/** The payloads for `it.each`, with a printable label (JSON, non-ASCII as \uXXXX). */
const CASES = PAYLOADS.map((p) => [JSON.stringify(p).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`), p] as const);

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The HTML of `markdown(placeholder)` with the placeholder's text replaced by `text`. */
function expectedHtml(markdown: (x: string) => string, text: string): string {
  const ph = 'PLACEHOLDER';
  return render(markdown(ph)).replace(ph, () => escapeHtml(text));
}

const CONTEXTS: Record<string, (x: string) => string> = {
  paragraph: (x) => `Before ${x} after.`,
  'line start': (x) => x,
  'list item': (x) => `- ${x}`,
  'ordered item': (x) => `1. ${x}`,
  heading: (x) => `### ${x}`,
  quote: (x) => `> ${x}`,
  'table cell': (x) => `| a | b | c |\n| --- | --- | --- |\n| 1 | ${x} | 3 |\n| 4 | 5 | 6 |`,
};

describe('md: Markdown text', () => {
  it.each(CASES)('renders %s as its own text in every context', (_, p) => {
    for (const [name, ctx] of Object.entries(CONTEXTS)) {
      // Markdown trims a block's leading and trailing spaces; inside the paragraph they stay.
      const text = name === 'paragraph' ? shown(p) : shown(p).trim();
      expect(render(ctx(md(p))), name).toBe(expectedHtml(ctx, text));
    }
  });

  it('escapes block starters only at the start, and autolink triggers', () => {
    expect(md('- a - b')).toBe('\\- a - b');
    expect(md('  + a')).toBe('  \\+ a');
    expect(md('1. a 2. b')).toBe('1\\. a 2. b');
    expect(md('12) a')).toBe('12\\) a');
    expect(md('# a #')).toBe('\\# a \\#');
    expect(md('ISO 27001 A.8.24, 3.92.0 and the end.')).toBe('ISO 27001 A.8.24, 3.92.0 and the end.');
    expect(md('sec@evil.example')).toBe('sec@evil\\.example');
    expect(md('www.123.example')).toBe('www\\.123\\.example');
    expect(md('https://evil.example')).toBe('https\\:/\\/evil\\.example');
    expect(md('mailto:a@b and xmpp:c@d, at 10:30')).toBe('mailto\\:a@b and xmpp\\:c@d, at 10:30');
    expect(md('<b>&amp;</b>')).toBe('&lt;b&gt;&amp;amp;&lt;/b&gt;');
    expect(md('[x](javascript:alert(1))')).toBe('\\[x\\](javascript:alert(1))');
    expect(md(undefined)).toBe('');
    expect(md(42)).toBe('42');
  });

  it('shows a control or bidi character as \\u{XXXX} and a lone surrogate as U+FFFD', () => {
    expect(render(md('a\u202Eb\u0000c\ud800d\u2028e'))).toBe('<p>a\\u{202E}b\\u{0000}c\uFFFDd e</p>\n');
  });
});

describe('code: inline code in a table cell', () => {
  const cell = (x: string) => `| a | b | c |\n| --- | --- | --- |\n| 1 | ${x} | 3 |`;
  it.each(CASES)('renders %s as one code span with its text', (_, p) => {
    expect(render(cell(code(p)))).toBe(expectedHtml((x) => cell(`\`${x}\``), shownInCode(p)));
  });

  it('fences with one backtick more than the longest run, padded when the text starts or ends with one', () => {
    expect(code('a ``` b')).toBe('````a ``` b````');
    expect(code('`a')).toBe('`` `a ``');
    expect(code(' a ')).toBe('`  a  `');
    expect(code('a|b')).toBe('`a\\|b`');
    expect(code('')).toBe('');
  });
});

describe('fenceText: a line of the fenced parameter tree', () => {
  const tree = (x: string) => `\`\`\`\n/\n├── ${x}  # String\n└── last\n\`\`\`\n\nAfter the tree.`;
  it.each(CASES)('keeps %s on its line, inside the fence', (_, p) => {
    expect(render(tree(fenceText(p)))).toBe(expectedHtml(tree, shownInCode(p)));
  });
});

describe('links', () => {
  /** Percent-encoding written apart from escape.ts: encodeURIComponent plus the five it leaves. */
  const encoded = (path: string) =>
    path
      .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD')
      .split('/')
      .map((s) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`))
      .join('/');

  it.each(CASES)('links to %s with a relative, fully encoded target', (_, p) => {
    const html = render(`| Stack |\n| --- |\n| ${link(p, `../out/${p}/README.md`)} |`);
    const anchors = scanHtml(html).tags.filter((t) => t.name === 'a' && !t.closing);
    expect(anchors).toHaveLength(1);
    expect(anchors[0]!.attrs.get('href')).toBe(encoded(`../out/${p}/README.md`));
    expect(html).toBe(expectedHtml((x) => `| Stack |\n| --- |\n| [${x}](HREF) |`, shown(p)).replace('HREF', () => escapeHtml(encoded(`../out/${p}/README.md`))));
  });

  it('encodes what encodeURI leaves (( ) # ? :) and does not throw on a lone surrogate', () => {
    expect(linkTarget('a)](javascript:alert(1)/README.md')).toBe('a%29%5D%28javascript%3Aalert%281%29/README.md');
    expect(linkTarget('#?/x.md')).toBe('%23%3F/x.md');
    expect(() => encodeURI('x\ud800')).toThrow(URIError);
    expect(linkTarget('x\ud800/README.md')).toBe('x%EF%BF%BD/README.md');
    expect(linkTarget('../docs/é s/README.md')).toBe('../docs/%C3%A9%20s/README.md');
    // A leading `//` would name another host: the target stays a relative path.
    expect(linkTarget('//evil.example/x')).toBe('.///evil.example/x');
    expect(link('', 'a b')).toBe('[a%20b](a%20b)');
  });
});

describe('mdWithCode: rule text with code in backticks', () => {
  it('keeps the code spans and escapes the rest', () => {
    expect(mdWithCode('Set `a|b: *` on <x> and *y*.')).toBe('Set `a\\|b: *` on &lt;x&gt; and \\*y\\*.');
    expect(render(mdWithCode('Set `enableKeyRotation: true` (and `x`) `unpaired'))).toBe(
      '<p>Set <code>enableKeyRotation: true</code> (and <code>x</code>) `unpaired</p>\n',
    );
  });
});

describe('every helper', () => {
  it('writes no control, bidi or invisible character and no inject marker', () => {
    for (const p of [...PAYLOADS, BEGIN + END, `x${BEGIN}`, ` ${END} `]) {
      for (const out of [md(p), code(p), fenceText(p), link(p, p), linkTarget(p), mdWithCode(p)]) {
        expect(out).not.toMatch(FORBIDDEN);
        expect(out).not.toContain(BEGIN);
        expect(out).not.toContain(END);
      }
    }
  });
});
