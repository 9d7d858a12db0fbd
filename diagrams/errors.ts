/**
 * The one error class of the generator. Library code throws it; only the CLI turns it into an
 * exit code (in exactly one place). Messages name the file, flag or value and say what is accepted,
 * and never contain a secret value.
 */

export type ErrorKind =
  /** A flag, argument or value the user gave is not accepted. Exit 2. */
  | 'usage'
  /** An input file or source cannot be read or is malformed. Exit 2. */
  | 'input'
  /** Something the machine lacks (a browser, the Pulumi CLI). Exit 2. */
  | 'environment'
  /** A template or view that fails to compile or render. Exit 2. */
  | 'render';

export const EXIT = {
  ok: 0,
  /** `check`: some generated file is out of date, missing or not generated. */
  stale: 1,
  /** Usage, input, environment or render error. Nothing was written. */
  error: 2,
  /** `--fail-on`: a compliance finding at or above that severity (or, for `diff`, new access). */
  findings: 3,
  /** Internal error: a bug. */
  internal: 4,
} as const;

export interface GeneratorErrorDetails {
  /** The file (as the user gave it), flag (`--state`) or source the error is about. */
  readonly subject?: string;
  /** JSON path inside the file, e.g. `$.deployment.resources[3].urn`. */
  readonly jsonPath?: string;
  /** What was expected / what is accepted. */
  readonly expected?: string;
  /** Line number (templates, D2 sources). */
  readonly line?: number;
}

/** How many characters of input a message quotes (subject, JSON path, a quoted value). */
export const QUOTE_LIMIT = 200;
/** How many characters of `expected` a message keeps (our own text, sometimes with lists of names). */
const EXPECTED_LIMIT = 400;
/** Backstop for the message text itself, whatever a caller put in it. */
const MESSAGE_LIMIT = 1000;

/**
 * `s` cut to at most `max` characters, with an ellipsis when cut (a surrogate pair is never split).
 * Linear in `max`, not in the length of `s`.
 */
export function capText(s: string, max: number = QUOTE_LIMIT): string {
  if (s.length <= max) return s;
  let end = max;
  const c = s.charCodeAt(end - 1);
  if (c >= 0xd800 && c <= 0xdbff) end--;
  return `${s.slice(0, end)}…`;
}

/** A string of input for a message: capped, then JSON-quoted (control characters and lone surrogates escaped). */
export function quoteInput(s: string, max: number = QUOTE_LIMIT): string {
  return JSON.stringify(capText(s, max));
}

/**
 * A short description of any input value for a message: quoted (capped) strings, numbers, booleans,
 * null; only the kind and size of arrays and objects. Never stringifies or walks the value, so any
 * depth or size is safe.
 */
export function describeInput(v: unknown, max: number = 40): string {
  switch (typeof v) {
    case 'string':
      return quoteInput(v, max);
    case 'number':
    case 'boolean':
    case 'bigint':
      return String(v);
    case 'undefined':
      return 'nothing';
    case 'object':
      if (v === null) return 'null';
      if (Array.isArray(v)) return `an array of ${v.length} item${v.length === 1 ? '' : 's'}`;
      return 'an object';
    default:
      return `a ${typeof v}`;
  }
}

// C0 and C1 control characters (tab and newline kept where `keepLines`) and lone surrogates.
const CONTROLS = /[\u0000-\u001f\u007f-\u009f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const CONTROLS_BUT_LINES = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

function escapeControls(s: string, keepLines = false): string {
  return s.replace(keepLines ? CONTROLS_BUT_LINES : CONTROLS, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** A message part as printed: capped first (so the work is bounded), then control characters escaped. */
function printable(s: string | undefined, max: number, keepLines = false): string | undefined {
  return s === undefined ? undefined : escapeControls(capText(s, max), keepLines);
}

export class GeneratorError extends Error {
  readonly kind: ErrorKind;
  /** As given, with `subject` and `jsonPath` capped to QUOTE_LIMIT characters and `expected` capped too. */
  readonly details: GeneratorErrorDetails;

  /**
   * Whatever the caller passes, the printed message stays bounded: `subject` and `jsonPath` are cut to
   * QUOTE_LIMIT characters, `expected` and the message text to a few hundred, each with an ellipsis,
   * and control characters (which could drive a terminal) are escaped.
   */
  constructor(kind: ErrorKind, message: string, details: GeneratorErrorDetails = {}) {
    const capped: GeneratorErrorDetails = {
      ...details,
      ...(details.subject !== undefined ? { subject: printable(details.subject, QUOTE_LIMIT) } : {}),
      ...(details.jsonPath !== undefined ? { jsonPath: printable(details.jsonPath, QUOTE_LIMIT) } : {}),
      ...(details.expected !== undefined ? { expected: printable(details.expected, EXPECTED_LIMIT) } : {}),
    };
    super(GeneratorError.format(printable(message, MESSAGE_LIMIT, true)!, capped));
    this.name = 'GeneratorError';
    this.kind = kind;
    this.details = capped;
  }

  private static format(message: string, d: GeneratorErrorDetails): string {
    const where = [d.subject, d.jsonPath, d.line !== undefined ? `line ${d.line}` : undefined]
      .filter((x): x is string => x !== undefined && x !== '')
      .join(' at ');
    const head = where ? `${where}: ${message}` : message;
    return d.expected ? `${head} (expected ${d.expected})` : head;
  }
}

export function isGeneratorError(e: unknown): e is GeneratorError {
  return e instanceof GeneratorError;
}
