/** injectSection and tidy against markers and control characters that come with the estate. */
import { describe, expect, it } from 'vitest';
import { injectSection, tidy } from '../../diagrams/docs/markdown.ts';

const B = '<!-- BEGIN_ARCHITECTURE_DOCS -->';
const E = '<!-- END_ARCHITECTURE_DOCS -->';
const count = (s: string, needle: string) => s.split(needle).length - 1;

describe('injectSection', () => {
  it('takes only a line holding nothing but the marker for a marker', () => {
    const file = `# Mine\n\nUse \`${B}\` and \`${E}\` in your README.\n\n  ${B}  \nold | \`${E}\` |\n${E}\ntail\n`;
    expect(injectSection(file, 'new', 'x.md')).toBe(`# Mine\n\nUse \`${B}\` and \`${E}\` in your README.\n\n  ${B}  \nnew\n${E}\ntail\n`);
  });

  it('neutralises markers in the section, so the file stays valid run after run', () => {
    const section = `| \`${E}\` |\n${B}\n  ${E}\ntext ${B}${E}\n`;
    const once = injectSection(`a\n${B}\n${E}\nb\n`, section, 'x.md');
    expect(count(once, B)).toBe(1);
    expect(count(once, E)).toBe(1);
    expect(once).toContain('| `\\u{003C}!-- END_ARCHITECTURE_DOCS -->` |\n\\u{003C}!-- BEGIN_ARCHITECTURE_DOCS -->\n');
    const twice = injectSection(once, section, 'x.md');
    expect(twice).toBe(once);
  });

  it('names a marker that is not alone on its line', () => {
    expect(() => injectSection(`intro ${B}\n${E}\n`, 'x', 'x.md')).toThrow(
      /--inject x\.md at line 1: marker <!-- BEGIN_ARCHITECTURE_DOCS --> is not alone on its line \(expected one .* line, each marker alone on its line\)/,
    );
  });
});

describe('tidy', () => {
  it('writes line endings as LF and control and bidi characters as \\u{XXXX}, whatever a field or template wrote', () => {
    expect(tidy('a\r\nb\rc\u2028d\u0085e\u0000f\u202Eg\u2066h\ud800i\t|\n')).toBe('a\nb\nc d e\\u{0000}f\\u{202E}g\\u{2066}h\uFFFDi\t|\n');
  });

  it('neutralises the inject markers', () => {
    expect(tidy(`x ${B} ${E}`)).toBe('x \\u{003C}!-- BEGIN_ARCHITECTURE_DOCS --> \\u{003C}!-- END_ARCHITECTURE_DOCS -->\n');
  });
});
