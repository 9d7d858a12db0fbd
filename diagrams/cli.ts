/**
 * The command line: parses flags and calls the library. Nothing else.
 *
 *   npm run diagrams [-- generate|check|graph|diff] [flags]
 *   npm run diagrams -- index <dir> [--out <dir>] [--check]
 *
 * Data goes to stdout (only `graph --json` prints data); progress and errors go to stderr. The
 * process exit code is set in exactly one place, `main().then(...)` at the bottom, from the typed
 * errors of the library (see EXIT in ./errors.ts and EXIT_CODES_HELP below); a reader that closes
 * stdout early (`| head`) ends the process with the code set so far.
 */

import { realpathSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { DEFAULT_CACHE_DIR } from './cache/index.ts';
import { SEVERITIES, type Severity } from './compliance/types.ts';
import { capText, EXIT, GeneratorError, isGeneratorError } from './errors.ts';
import { DEFAULT_FORMATS, FORMATS, type Format } from './pipeline/formats.ts';
import type { PipelineOptions } from './pipeline/index.ts';
import type { SourceOptions } from './sources/index.ts';
import { DIFF_FORMATS, parseDiffFormats, parseFailOn, parseLimit, type DiffFormat } from './diff/options.ts';
import type { DiffComponents } from './diff/pipeline.ts';
import type { FailOn } from './diff/report.ts';
import { stopEsbuildServices } from './sources/esbuild-service.ts';

const DEFAULT_OUT = path.join('docs', 'architecture');

export const EXIT_CODES_HELP = `
Exit codes:
  0  success (check: the docs are up to date)
  1  check: a generated file is out of date, missing or not generated
  2  usage or input error: unknown flag or value, unreadable or malformed source, template that
     does not compile, no browser for PNG output; nothing was written
  3  --fail-on: a compliance finding at or above that severity is not met (wins over 1);
     diff --fail-on: the change gives a principal new read access (new-access) or makes a rule
     at or above a severity newly not met (new-finding=<severity>)
  4  internal error (a bug: please report it with the message)`;


function parseFormats(value: string): Format[] {
  const parts = value.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
  if (parts.length === 0) throw new InvalidArgumentError(`empty list (accepted: a comma-separated list of ${FORMATS.join(', ')})`);
  for (const p of parts) {
    if (!(FORMATS as readonly string[]).includes(p)) throw new InvalidArgumentError(`unknown format '${p}' (accepted: a comma-separated list of ${FORMATS.join(', ')})`);
  }
  return [...new Set(parts)] as Format[];
}

function parseSeverity(value: string): Severity {
  const v = value.trim().toLowerCase();
  if (!(SEVERITIES as readonly string[]).includes(v)) throw new InvalidArgumentError(`unknown severity '${value}' (accepted: ${SEVERITIES.join(', ')})`);
  return v as Severity;
}

const collect = (v: string, prev: string[] = []) => [...prev, v];

interface DiffRawOptions {
  baseDocs?: string;
  baseState?: string[];
  basePreview?: string[];
  baseRef?: string;
  format?: DiffFormat[];
  failOn?: FailOn[];
  detailsUrl?: string;
  mdLimit?: number;
}

async function productionDiffComponents(): Promise<DiffComponents> {
  const { productionComponents } = await import('./pipeline/index.ts');
  return productionComponents();
}

interface RawOptions {
  state?: string[];
  backend?: string;
  preview?: string[];
  program?: string | true;
  live?: boolean;
  stack?: string[];
  out: string;
  format?: Format[];
  png: boolean;
  templates?: string;
  quiet?: boolean;
  failOn?: Severity;
  inject?: string;
  json?: boolean;
}

function addSourceOptions(cmd: Command): Command {
  return cmd
    .option('--state <file>', 'a `pulumi stack export` or checkpoint file; repeatable; - for stdin', collect)
    .option('--backend <dir|file://url>', 'a Pulumi file backend (its stacks are read from disk)')
    .option('--preview <file>', 'a `pulumi preview --json` file; repeatable', collect)
    .option('--program [dir]', 'run the Pulumi program under mocks, offline (default when no source is given: the program in the current directory)')
    .option('--live', 'read the live stacks through the Pulumi CLI')
    .option('--stack <name>', 'a stack to document; repeatable (default: every Pulumi.<stack>.yaml)', collect);
}

function addOutputOptions(cmd: Command): Command {
  return cmd
    .option('--out <dir>', 'output directory', DEFAULT_OUT)
    .addOption(new Option('--format <list>', `output formats, comma-separated: any of ${FORMATS.join(', ')} (default: svg,png,md,json)`).argParser(parseFormats))
    .option('--no-png', 'skip PNG output (no browser needed)')
    .option('--templates <dir>', 'a directory of Handlebars templates overriding the built-in ones (page.hbs, index.hbs, partials/*.hbs)')
    .option('--inject <file.md>', 'also fill the section between <!-- BEGIN_ARCHITECTURE_DOCS --> and <!-- END_ARCHITECTURE_DOCS --> of a hand-written Markdown file')
    .addOption(new Option('--fail-on <severity>', `exit 3 when a compliance finding at or above this severity is not met (${SEVERITIES.join(', ')})`).argParser(parseSeverity))
    .option('--quiet', 'no progress messages on stderr');
}

function sourceOptions(o: Pick<RawOptions, 'state' | 'backend' | 'preview' | 'program' | 'live' | 'stack'>): SourceOptions {
  return {
    ...(o.state ? { state: o.state } : {}),
    ...(o.backend !== undefined ? { backend: o.backend } : {}),
    ...(o.preview ? { preview: o.preview } : {}),
    ...(o.program !== undefined ? { program: o.program === true ? '.' : o.program } : {}),
    ...(o.live ? { live: true } : {}),
    ...(o.stack ? { stacks: o.stack } : {}),
  };
}

/** The render and graph cache directory: DIAGRAMS_CACHE_DIR moves it, `off` disables it. */
function cacheDirFromEnv(): string | undefined {
  const env = process.env.DIAGRAMS_CACHE_DIR;
  if (env === 'off') return undefined;
  return env || DEFAULT_CACHE_DIR;
}

function pipelineOptions(o: RawOptions, log: (m: string) => void): PipelineOptions {
  let formats = o.format ?? [...DEFAULT_FORMATS];
  if (o.png === false) formats = formats.filter((f) => f !== 'png');
  if (formats.length === 0) throw new GeneratorError('usage', 'no output format left', { subject: '--format with --no-png', expected: `at least one of ${FORMATS.join(', ')}` });
  const cacheDir = cacheDirFromEnv();
  return {
    source: sourceOptions(o),
    out: o.out,
    formats,
    ...(o.templates !== undefined ? { templates: o.templates } : {}),
    ...(o.inject !== undefined ? { inject: o.inject } : {}),
    ...(cacheDir !== undefined ? { cacheDir } : {}),
    log,
  };
}

/** What every subcommand's action shares: where messages go, and the exit code it sets. */
interface Run {
  code: number;
  readonly stderr: (s: string) => void;
  /** Progress messages, unless --quiet. */
  readonly progress: (o: { readonly quiet?: boolean }) => (m: string) => void;
}

function addGenerate(program: Command, run: Run): void {
  addOutputOptions(addSourceOptions(program.command('generate', { isDefault: true }).description('render the docs and write them (the default)')))
    .addHelpText('after', EXIT_CODES_HELP)
    .action(async (o: RawOptions) => {
      const { generate, productionComponents } = await import('./pipeline/index.ts');
      const log = run.progress(o);
      const opts = pipelineOptions(o, log);
      const c = await productionComponents();
      const r = await generate(opts, c);
      log(`${r.written.length} written, ${r.unchanged.length} unchanged, ${r.removed.length} removed in ${opts.out} (${r.rendered.stats.svgRendered} SVG and ${r.rendered.stats.pngRendered} PNG rendered, ${r.rendered.stats.reused} reused)`);
      if (o.failOn && Object.values(r.rendered.findings).some((f) => c.failsAt(f, o.failOn!))) {
        run.stderr(`diagrams: compliance findings at or above ${o.failOn} are not met (see the Compliance findings of the stack pages)`);
        run.code = EXIT.findings;
      }
    });
}

function addCheck(program: Command, run: Run): void {
  addOutputOptions(addSourceOptions(program.command('check').description('render in memory and compare with the docs on disk; writes nothing')))
    .addHelpText('after', EXIT_CODES_HELP)
    .action(async (o: RawOptions) => {
      const { check, productionComponents } = await import('./pipeline/index.ts');
      const { formatProblems } = await import('./writer/index.ts');
      const log = run.progress(o);
      const opts = pipelineOptions(o, log);
      const c = await productionComponents();
      const r = await check(opts, c);
      if (r.problems.length > 0) {
        run.stderr(formatProblems(r.problems));
        run.stderr(`diagrams: ${r.problems.length} file${r.problems.length === 1 ? ' is' : 's are'} stale: run \`npm run diagrams\` and commit the result`);
        run.code = EXIT.stale;
      } else log(`${opts.out} is up to date`);
      if (o.failOn) {
        const { failing } = await import('./compliance/rules/index.ts');
        const lines = Object.entries(r.rendered.findings)
          .filter(([, f]) => c.failsAt(f, o.failOn!))
          .map(([s, f]) => `${s}: ${failing(f, o.failOn!).join(', ')}`);
        if (lines.length > 0) {
          run.stderr(`diagrams: compliance findings at or above ${o.failOn} are not met:\n  ${lines.join('\n  ')}`);
          run.code = EXIT.findings;
        }
      }
    });
}

function addGraph(program: Command): void {
  addSourceOptions(program.command('graph').description('print the resource graph of the stacks (secrets redacted)'))
    .option('--json', 'print the ResourceGraph as JSON on stdout (one object for one stack, an array for several)')
    .option('--quiet', 'no progress messages on stderr')
    .addHelpText('after', EXIT_CODES_HELP)
    .action(async (o: RawOptions) => {
      const { loadGraphs } = await import('./sources/index.ts');
      const cacheDir = cacheDirFromEnv();
      const graphs = await loadGraphs({ ...sourceOptions(o), ...(cacheDir !== undefined ? { cacheDir } : {}) });
      if (o.json) {
        process.stdout.write(JSON.stringify(graphs.length === 1 ? graphs[0] : graphs, null, 2) + '\n');
        return;
      }
      for (const g of graphs) {
        const types = new Map<string, number>();
        for (const r of g.resources) types.set(r.type, (types.get(r.type) ?? 0) + 1);
        process.stdout.write(`${g.stack.project}/${g.stack.stack} (${g.stack.source.kind} ${g.stack.source.location}): ${g.resources.length} resources, ${g.edges.length} edges\n`);
        for (const [t, n] of [...types.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) process.stdout.write(`  ${String(n).padStart(5)}  ${t}\n`);
      }
    });
}

function addDiff(program: Command, run: Run): void {
  addSourceOptions(program.command('diff').description('review a change: what the head changes against a base (access, findings, resources, cost, parity)'))
    .option('--base-docs <dir>', `the committed docs whose estate.json files are the base (the default base: ${DEFAULT_OUT})`)
    .option('--base-state <file>', 'the base from a `pulumi stack export` or checkpoint file; repeatable', collect)
    .option('--base-preview <file>', 'the base from the planned state of a `pulumi preview --json` file; repeatable', collect)
    .option('--base-ref <ref>', 'the base from the program at a git commit, run from a temporary worktree (e.g. origin/main)')
    .option('--out <dir|->', 'write diff.md, diff.json and the diagrams into this directory, or - for stdout', '-')
    .addOption(new Option('--format <list>', `any of ${DIFF_FORMATS.join(', ')} (default: md; stdout takes one of md, json)`).argParser(parseDiffFormats))
    .addOption(new Option('--fail-on <condition>', 'exit 3 on new-access (a principal gains read access to a secret, a SecureString or a key) or new-finding=<severity>; repeatable').argParser(parseFailOn))
    .option('--details-url <url>', 'where the full report is (named when the Markdown is cut)')
    .addOption(new Option('--md-limit <chars>', 'the Markdown\'s hard limit in characters (default 60000, under GitHub\'s 65536 for a comment)').argParser(parseLimit))
    .option('--quiet', 'no progress messages on stderr')
    .addHelpText('after', EXIT_CODES_HELP)
    .action(async (o: Omit<RawOptions, 'format' | 'failOn'> & DiffRawOptions) => {
      const { runDiff } = await import('./diff/index.ts');
      const log = run.progress(o);
      const cacheDir = cacheDirFromEnv();
      const r = await runDiff(
        {
          sources: {
            head: { ...sourceOptions(o), ...(cacheDir !== undefined ? { cacheDir } : {}) },
            ...(o.baseDocs !== undefined ? { baseDocs: o.baseDocs } : {}),
            ...(o.baseState ? { baseState: o.baseState } : {}),
            ...(o.basePreview ? { basePreview: o.basePreview } : {}),
            ...(o.baseRef !== undefined ? { baseRef: o.baseRef } : {}),
          },
          out: o.out,
          formats: o.format ?? ['md'],
          failOn: o.failOn ?? [],
          ...(o.detailsUrl !== undefined ? { detailsUrl: o.detailsUrl } : {}),
          ...(o.mdLimit !== undefined ? { limit: o.mdLimit } : {}),
          log,
        },
        await productionDiffComponents(),
      );
      if (r.stdout !== undefined) process.stdout.write(r.stdout);
      else log(`${r.written!.written.length} written, ${r.written!.unchanged.length} unchanged, ${r.written!.removed.length} removed in ${o.out}`);
      if (r.failures.length > 0) {
        run.stderr(`diagrams: diff --fail-on:\n  ${r.failures.join('\n  ')}`);
        run.code = EXIT.findings;
      }
    });
}

function addIndex(program: Command, run: Run): void {
  program
    .command('index <dir>')
    .description('assemble the index of an organisation from the estate.json files below <dir> (written by earlier generate runs); reads no state')
    .option('--out <dir>', 'where the index goes (default: <dir>)')
    .option('--check', 'compare with the index on disk instead of writing; exit 1 if stale')
    .option('--templates <dir>', 'a directory of Handlebars templates overriding the built-in ones (index.hbs, partials/*.hbs)')
    .option('--quiet', 'no progress messages on stderr')
    .addHelpText('after', EXIT_CODES_HELP)
    .action(async (dir: string, o: { out?: string; check?: boolean; templates?: string; quiet?: boolean }) => {
      const org = await import('./pipeline/organisation.ts');
      const log = run.progress(o);
      const cacheDir = cacheDirFromEnv();
      const opts = { dir, ...(o.out !== undefined ? { out: o.out } : {}), ...(o.templates !== undefined ? { templates: o.templates } : {}), ...(cacheDir !== undefined ? { cacheDir } : {}), log };
      if (o.check) {
        const r = await org.checkOrganisation(opts);
        if (r.problems.length === 0) {
          log(`${o.out ?? dir} is up to date`);
          return;
        }
        run.stderr((await import('./writer/index.ts')).formatProblems(r.problems));
        run.stderr(`diagrams: ${r.problems.length} file${r.problems.length === 1 ? ' is' : 's are'} stale: run \`npm run diagrams -- index ${dir}\` and commit the result`);
        run.code = EXIT.stale;
        return;
      }
      const r = await org.writeOrganisation(opts);
      log(`${r.written.length} written, ${r.unchanged.length} unchanged, ${r.removed.length} removed in ${o.out ?? dir}`);
    });
}

/** Runs the command line; returns the exit code. Never exits the process itself. */
export async function main(argv: readonly string[]): Promise<number> {
  const stderr = (s: string) => process.stderr.write(s.endsWith('\n') ? s : `${s}\n`);
  const run: Run = { code: EXIT.ok, stderr, progress: (o) => (o.quiet ? () => undefined : (m: string) => stderr(`diagrams: ${m}`)) };

  const program = new Command('diagrams')
    .description('Documents Pulumi stacks of an AWS secrets estate as D2 diagrams (SVG, PNG) and Markdown.')
    .exitOverride()
    .showSuggestionAfterError(true)
    .configureOutput({ writeErr: (s) => process.stderr.write(s), outputError: (s, write) => write(s.endsWith('\n') ? s : `${s}\n`) })
    .addHelpText('after', EXIT_CODES_HELP);
  addGenerate(program, run);
  addCheck(program, run);
  addGraph(program);
  addDiff(program, run);
  addIndex(program, run);

  try {
    await program.parseAsync(argv as string[], { from: 'user' });
    return run.code;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.help' || e.code === 'commander.version') return EXIT.ok;
      if (e.code === 'commander.unknownOption' || e.code === 'commander.unknownCommand' || e.code === 'commander.excessArguments') {
        stderr('Run `npm run diagrams -- --help` for the accepted subcommands and flags.');
      }
      return EXIT.error;
    }
    if (isGeneratorError(e)) {
      stderr(`diagrams: error: ${e.message}`);
      return EXIT.error;
    }
    const msg = e instanceof Error ? e.message : String(e);
    stderr(`diagrams: internal error (a bug: please report it with this message): ${capText(msg.split('\n')[0]!)}`);
    if (process.env.DIAGRAMS_DEBUG && e instanceof Error && e.stack) stderr(e.stack);
    return EXIT.internal;
  }
}

// The one place where the process exit code is decided. (No process.exit: stdout is flushed first.)
/** The real path of a file (symbolic links resolved), or the path itself when it cannot be resolved. */
function realPath(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}
const invokedDirectly = process.argv[1] !== undefined && realPath(process.argv[1]) === realPath(fileURLToPath(import.meta.url));
if (invokedDirectly) {
  // SIGINT/SIGTERM: the browsers are killed and their profiles removed, the esbuild services stopped,
  // then the process ends as signalled.
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      void import('./render/png.ts')
        .then((m) => m.closeBrowsersNow(), () => undefined)
        .finally(() => stopEsbuildServices())
        .finally(() => process.kill(process.pid, sig));
    });
  }
  // A reader that stops reading (`diagrams graph --json | head`): the output is cut short on purpose,
  // not a failure; the process ends quietly with what it has set so far.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    process.exit(process.exitCode ?? 0);
  });
  main(process.argv.slice(2))
    .then(
      (c) => {
        process.exitCode = c;
      },
      () => {
        process.exitCode = EXIT.internal;
      },
    )
    .finally(() => stopEsbuildServices());
}
