// The part of markdown-it (14.x, which ships no type declarations) the docs tests use.
declare module 'markdown-it' {
  interface MarkdownItOptions {
    html?: boolean;
    linkify?: boolean;
  }
  export default class MarkdownIt {
    constructor(options?: MarkdownItOptions);
    render(src: string): string;
  }
}
