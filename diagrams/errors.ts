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
  /** `check --fail-on <severity>`: a compliance finding at or above that severity. */
  findings: 3,
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

export class GeneratorError extends Error {
  readonly kind: ErrorKind;
  readonly details: GeneratorErrorDetails;

  constructor(kind: ErrorKind, message: string, details: GeneratorErrorDetails = {}) {
    super(GeneratorError.format(message, details));
    this.name = 'GeneratorError';
    this.kind = kind;
    this.details = details;
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
