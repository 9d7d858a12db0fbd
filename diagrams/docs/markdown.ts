/**
 * Markdown from Handlebars templates: `page.hbs` (one per stack), `index.hbs` (the estate) and one
 * partial per section under `partials/`. A user directory (`--templates <dir>`) with the same file
 * names overrides any of them; what it lacks falls back to the built-in templates.
 *
 * Templates compile in strict mode without HTML escaping: the view model has already escaped every
 * value for Markdown, and a field name the model does not have is an error, not an empty string.
 */

import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';
import { GeneratorError } from '../errors.ts';
import { notation, replaceControls, wellFormed } from './escape.ts';
import type { IndexModel, PageModel } from './viewmodel.ts';

export const BUILTIN_TEMPLATES = fileURLToPath(new URL('../../templates/', import.meta.url));

type Compiled = (ctx: unknown) => string;

export interface Templates {
  renderPage(model: PageModel): string;
  renderIndex(model: IndexModel): string;
}

interface Source {
  readonly file: string;
  readonly text: string;
}

async function readOptional(file: string): Promise<Source | undefined> {
  try {
    return { file, text: await fs.readFile(file, 'utf8') };
  } catch (e) {
    if ((e as { code?: string }).code === 'ENOENT') return undefined;
    throw new GeneratorError('input', `cannot read the template: ${(e as Error).message}`, { subject: file });
  }
}

async function listPartials(dir: string): Promise<string[]> {
  try {
    return (await fs.readdir(dir)).filter((f) => f.endsWith('.hbs')).sort();
  } catch (e) {
    if ((e as { code?: string }).code === 'ENOENT') return [];
    throw e;
  }
}

function compileError(src: Source, e: unknown): GeneratorError {
  const err = e as { message?: string; lineNumber?: number };
  const msg = String(err.message ?? e);
  const line = err.lineNumber ?? Number(/on line (\d+)/.exec(msg)?.[1] ?? NaN);
  const first = msg.split('\n')[0]!.replace(/ - \d+:\d+$/, '');
  return new GeneratorError('render', `template does not compile: ${first}`, {
    subject: src.file,
    ...(Number.isFinite(line) ? { line } : {}),
  });
}

/**
 * Tidies what templates leave: line endings as LF (CRLF and lone CR), NEL, U+2028 and U+2029 as
 * spaces, control and bidi characters as `\u{XXXX}` and lone surrogates as U+FFFD (whatever a
 * template or a field wrote), the `--inject` markers neutralised (a generated document never
 * contains one), no trailing spaces, at most one blank line in a row, one newline at the end.
 */
export function tidy(markdown: string): string {
  const text = replaceControls(wellFormed(markdown).replace(/\r\n?/g, '\n').replace(/[\u0085\u2028\u2029]/g, ' '));
  return withoutTrailingBlanks(neutraliseMarkers(text)).replace(/\n{3,}/g, '\n\n').trim() + '\n';
}

/**
 * Each line without its trailing spaces and tabs, in time linear in the text (the regular expression
 * `[ \t]+\n` takes time quadratic in the length of a run of spaces).
 */
function withoutTrailingBlanks(text: string): string {
  return text
    .split('\n')
    .map((line) => {
      let end = line.length;
      while (end > 0 && (line.charCodeAt(end - 1) === 32 || line.charCodeAt(end - 1) === 9)) end--;
      return end === line.length ? line : line.slice(0, end);
    })
    .join('\n');
}

/**
 * Loads and compiles the templates (built-ins, overridden by `userDir`). Every file is parsed
 * eagerly so a syntax error names the file and line before anything is rendered.
 */
export async function loadTemplates(userDir?: string): Promise<Templates> {
  if (userDir !== undefined) {
    const st = await fs.stat(userDir).catch(() => undefined);
    if (!st?.isDirectory()) {
      throw new GeneratorError('usage', 'not a directory', { subject: `--templates ${userDir}`, expected: 'a directory with page.hbs, index.hbs and/or partials/*.hbs' });
    }
  }
  const pick = async (rel: string): Promise<Source> => {
    const user = userDir !== undefined ? await readOptional(path.join(userDir, rel)) : undefined;
    const builtin = user ?? (await readOptional(path.join(BUILTIN_TEMPLATES, rel)));
    if (!builtin) throw new GeneratorError('input', 'template not found', { subject: path.join(BUILTIN_TEMPLATES, rel) });
    return builtin;
  };
  const hb = Handlebars.create();
  const parse = (src: Source) => {
    try {
      hb.parse(src.text);
    } catch (e) {
      throw compileError(src, e);
    }
  };
  const partialNames = new Set([...(await listPartials(path.join(BUILTIN_TEMPLATES, 'partials'))), ...(userDir ? await listPartials(path.join(userDir, 'partials')) : [])]);
  for (const f of [...partialNames].sort()) {
    const src = await pick(path.join('partials', f));
    parse(src);
    hb.registerPartial(f.slice(0, -'.hbs'.length), src.text);
  }
  const compile = async (rel: string): Promise<Compiled> => {
    const src = await pick(rel);
    parse(src);
    const fn = hb.compile(src.text, { noEscape: true, strict: true });
    return (ctx) => {
      try {
        return fn(ctx);
      } catch (e) {
        const err = e as { message?: string; lineNumber?: number };
        throw new GeneratorError('render', `template failed: ${String(err.message ?? e).split('\n')[0]}`, {
          subject: src.file,
          ...(err.lineNumber !== undefined ? { line: err.lineNumber } : {}),
        });
      }
    };
  };
  const page = await compile('page.hbs');
  const index = await compile('index.hbs');
  return {
    renderPage: (m) => tidy(page(m)),
    renderIndex: (m) => tidy(index(m)),
  };
}

export const BEGIN_MARKER = '<!-- BEGIN_ARCHITECTURE_DOCS -->';
export const END_MARKER = '<!-- END_ARCHITECTURE_DOCS -->';

/** Each marker with its `<` as `\u{003C}`: text that shows the marker but is no marker. */
function neutraliseMarkers(s: string): string {
  return s.split(BEGIN_MARKER).join(`${notation('<')}${BEGIN_MARKER.slice(1)}`).split(END_MARKER).join(`${notation('<')}${END_MARKER.slice(1)}`);
}

/**
 * Replaces what is between the markers of a hand-written Markdown file with `section`; the marker
 * lines and everything outside them stay as they are. A marker is a line that holds only the marker
 * (spaces around it allowed): a marker inside other text (inline code, a table row) is text, so
 * generated text between the markers can never be taken for one. Markers in `section` are
 * neutralised. `file` names the file in errors.
 */
export function injectSection(original: string, section: string, file: string): string {
  const text = original.replace(/\r\n/g, '\n');
  const lines = text.split('\n');
  const expected = `one ${BEGIN_MARKER} line followed later by one ${END_MARKER} line, each marker alone on its line`;
  const subject = `--inject ${file}`;
  const find = (marker: string) => lines.flatMap((l, i) => (l.trim() === marker ? [i] : []));
  const begins = find(BEGIN_MARKER);
  const ends = find(END_MARKER);
  for (const [marker, at] of [[BEGIN_MARKER, begins], [END_MARKER, ends]] as const) {
    if (at.length === 0) {
      const inText = lines.findIndex((l) => l.includes(marker));
      throw new GeneratorError('input', inText === -1 ? `missing marker ${marker}` : `marker ${marker} is not alone on its line`, {
        subject,
        ...(inText === -1 ? {} : { line: inText + 1 }),
        expected,
      });
    }
    if (at.length > 1) {
      throw new GeneratorError('input', `marker ${marker} appears more than once`, { subject, line: at[1]! + 1, expected });
    }
  }
  const b = begins[0]!;
  const e = ends[0]!;
  if (e < b) {
    throw new GeneratorError('input', `marker ${END_MARKER} comes before ${BEGIN_MARKER}`, { subject, line: e + 1, expected });
  }
  const body = neutraliseMarkers(section.replace(/\r\n?/g, '\n')).trim();
  return [...lines.slice(0, b + 1), body, ...lines.slice(e)].join('\n');
}
