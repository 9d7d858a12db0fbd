/**
 * The output formats and the default selection: one list, read by the CLI (which must not load the
 * pipeline to parse its flags) and by the pipeline.
 */

export const FORMATS = ['svg', 'png', 'md', 'd2', 'json'] as const;
export type Format = (typeof FORMATS)[number];

/** Without `--format`: everything but the D2 sources. */
export const DEFAULT_FORMATS: readonly Format[] = ['svg', 'png', 'md', 'json'];
