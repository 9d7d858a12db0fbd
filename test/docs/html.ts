/**
 * Markdown rendered to HTML the way a permissive viewer does (markdown-it with raw HTML and
 * linkify on), and a small scanner of that HTML: markdown-it writes every `<`, `>`, `&` and `"`
 * of text as an entity, so each raw `<` in its output starts a tag or comment that the Markdown
 * produced (or passed through as raw HTML).
 */
import MarkdownIt from 'markdown-it';

export const renderer = new MarkdownIt({ html: true, linkify: true });

export function render(markdown: string): string {
  return renderer.render(markdown);
}

export interface Tag {
  readonly name: string;
  readonly closing: boolean;
  readonly attrs: ReadonlyMap<string, string>;
}

export interface Scan {
  readonly tags: readonly Tag[];
  /** Contents of `<!-- … -->` comments. */
  readonly comments: readonly string[];
  /** `<` that starts neither a tag nor a comment (`<!DOCTYPE`, `<?`, CDATA). */
  readonly other: readonly string[];
}

export function decodeEntities(s: string): string {
  return s.replace(/&(lt|gt|quot|amp|#39);/g, (_, e: string) => ({ lt: '<', gt: '>', quot: '"', amp: '&', '#39': "'" })[e]!);
}

export function scanHtml(html: string): Scan {
  const tags: Tag[] = [];
  const comments: string[] = [];
  const other: string[] = [];
  let i = 0;
  while ((i = html.indexOf('<', i)) !== -1) {
    if (html.startsWith('<!--', i)) {
      const end = html.indexOf('-->', i + 4);
      comments.push(html.slice(i + 4, end === -1 ? html.length : end));
      i = end === -1 ? html.length : end + 3;
      continue;
    }
    const m = /^<(\/?)([A-Za-z][A-Za-z0-9-]*)/.exec(html.slice(i, i + 64));
    if (!m) {
      other.push(html.slice(i, i + 40));
      i++;
      continue;
    }
    let j = i + m[0].length;
    const attrs = new Map<string, string>();
    while (j < html.length && html[j] !== '>') {
      const a = /^\s*([^\s=>/"']+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?|^\s*\/|^\s+/.exec(html.slice(j));
      if (!a || a[0].length === 0) {
        j++;
        continue;
      }
      if (a[1] !== undefined) attrs.set(a[1].toLowerCase(), decodeEntities(a[2] ?? a[3] ?? a[4] ?? ''));
      j += a[0].length;
    }
    tags.push({ name: m[2]!.toLowerCase(), closing: m[1] === '/', attrs });
    i = j + 1;
  }
  return { tags, comments, other };
}

/** The text of some HTML: tags and comments removed, entities decoded. */
export function textOf(html: string): string {
  return decodeEntities(html.replace(/<!--[\s\S]*?-->/g, '').replace(/<[^>]*>/g, ''));
}

/** The cells of each table body row and the header row, by table: [table][row][cell] inner HTML. */
export function tablesOf(html: string): string[][][] {
  return [...html.matchAll(/<table>([\s\S]*?)<\/table>/g)].map((t) =>
    [...t[1]!.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((r) => [...r[1]!.matchAll(/<t[hd]>([\s\S]*?)<\/t[hd]>/g)].map((c) => c[1]!)),
  );
}

/** Characters no generated file may contain: C0/C1 controls but TAB and LF, DEL, bidi and invisible format characters, lone surrogates. */
export const FORBIDDEN =
  /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u061C\u200B\u200E\u200F\u2028\u2029\u202A-\u202E\u2060-\u2064\u2066-\u206F\uFEFF\uFFF9-\uFFFB]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
