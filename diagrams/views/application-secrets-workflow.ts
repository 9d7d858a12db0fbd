/**
 * View 3, application_secrets_workflow: "What does each service load, when, and how does a
 * rotation reach it?"
 *
 * A table, one lane (row) per service and role, read left to right: the role (trust kind as shape
 * and colour) -> the configuration it may load (folders by path, parameters by name) -> the secrets
 * it may read, with the cache its role declares -> the keys it decrypts with. Column headers say
 * what each column is, instead of edges into grid cells (which break the layout). Under the table,
 * one rotation strip: the rotation function -> new AWSCURRENT -> caches refresh -> the services that
 * read rotating secrets get the new value. Only what the estate shows is drawn: a read by path is
 * what the granted actions allow, and a cache TTL only where a role declares it (its
 * `SecretCacheTtl` tag); otherwise the view says "cache: not declared".
 */

import type { Certainty, Estate, Parameter, PrincipalAccess, Role, Secret } from '../estate/model.ts';
import type { PrincipalEntry } from '../estate/store.ts';
import {
  cacheTtlLabel,
  certaintyMark,
  commonPrefix,
  CONDITIONAL_NOTE,
  groupMarks,
  keyIdName,
  keyName,
  listWithMore,
  lookup,
  roleService,
  servedLabel,
  shortKeyName,
  surer,
  UNKNOWN_NOTE,
  type Lookup,
} from './common.ts';
import { byString, clip, D2Text, Ids, plural, q } from './d2text.ts';
import { compose, legendBlock, TRUST_LABEL, trustClass, TYPE, type ClassName, type LegendEntry } from './style.ts';
import type { View, ViewInput } from './types.ts';
import { isAwsManagedKeyId } from '../estate/store.ts';
import { UNKNOWN } from '../graph/types.ts';

/** Past this many lanes, the rest are summarised in one row. */
const MAX_LANES = 10;
/** Names listed per cell before "+ N more". */
const MAX_LINES = 5;
const CELL_FONT = TYPE.cell;

interface Lane {
  readonly service?: string;
  readonly role: Role;
}

interface Cell {
  readonly text: string;
  readonly cls: ClassName;
}

function height(text: string, fontSize = CELL_FONT): number {
  return Math.ceil(text.split('\n').length * fontSize * 1.3 + 16);
}

/** The stack's parameters and secrets as the view reads them, and how their names are shortened. */
interface Scope {
  readonly estate: Estate;
  readonly l: Lookup;
  /** The stack drawn (its key), and its account where known. */
  readonly stack: string;
  readonly account: string | undefined;
  readonly env: string;
  readonly params: readonly Parameter[];
  readonly secrets: readonly Secret[];
  readonly paramByUrn: ReadonlyMap<string, Parameter>;
  readonly secretByUrn: ReadonlyMap<string, Secret>;
  /** The keys that encrypt the scope's parameters and secrets. */
  readonly keysUsed: ReadonlySet<string>;
  readonly relSecret: (s: Secret) => string;
  readonly relParam: (path: string) => string;
}

/** What the lanes gather for the rotation strip, the legend and the notes. */
interface Gathered {
  readonly legendEntries: LegendEntry[];
  readonly notes: string[];
  readonly rotatingReaders: Set<string>;
  /** The caches every reader of secret values declares (for the legend's note). */
  readonly ttls: Set<string>;
  /** The caches the readers of rotating secrets declare (for the rotation strip). */
  readonly rotatingTtls: Set<string>;
  /** The marks (` *`, ` ?`) the cells use, for the legend's notes. */
  readonly marks: Set<string>;
}

export function applicationSecretsWorkflow(input: ViewInput): View {
  const s = stackScope(input);
  const { estate, l, env } = s;
  const title = `What does each ${env} service load, when, and how does a rotation reach it?`;
  const purpose = `For each service of ${env}: its role, the configuration it may load by path or by name, the secrets it may read (with the cache its role declares), the keys it decrypts with, and how a rotation reaches it.`;
  const { roles, others } = readingPrincipals(s);

  const t = new D2Text();
  if (roles.length === 0) {
    const who = others.length > 0 ? ` (only ${plural(others.length, 'user, group or other principal', 'users, groups or other principals')}: see the access matrix)` : '';
    return { name: 'application_secrets_workflow', title, purpose, d2: undefined, absent: `No service role reads ${env}'s parameters or secrets in this estate${who}; this diagram would show what each service loads and reads, and how a rotation reaches it.` };
  }

  const g: Gathered = { legendEntries: [], notes: [], rotatingReaders: new Set(), ttls: new Set(), rotatingTtls: new Set(), marks: new Set() };
  lanesTable(t, s, sortedLanes(estate, l, roles), g);
  rotationStrip(t, s, g);

  // One column: the table, then the rotation strip; the legend on the right.
  const body = new D2Text();
  body.line('grid-rows: 1');
  body.line('grid-columns: 2');
  body.line('horizontal-gap: 30');
  body.block('main: ""', (m) => {
    m.line('grid-columns: 1');
    m.line('vertical-gap: 30');
    m.line('style.opacity: 0');
    m.embed(t);
  });
  const { ttls, notes, marks } = g;
  if (marks.has('*')) notes.push(CONDITIONAL_NOTE);
  if (marks.has('?')) notes.push(UNKNOWN_NOTE);
  if (ttls.size > 0) {
    notes.push(
      ttls.has('not declared') && ttls.size === 1
        ? 'cache: not declared (a role declares its secret cache with a SecretCacheTtl tag)'
        : 'secret cache TTL as each role declares it (SecretCacheTtl tag)',
    );
  }
  if (others.length > 0) notes.push(`${plural(others.length, 'user, group or other principal', 'users, groups and other principals')} also may read ${env}'s parameters or secrets: see the access matrix`);
  // In an invisible cell of its own: D2 stretches a grid cell to its row's height, and the legend
  // box would be as tall as the table.
  body.block('side: ""', (c) => {
    c.line('grid-columns: 1');
    c.line('style.opacity: 0');
    legendBlock(c, 'legend', { legend: g.legendEntries, notes, noteWidth: 34 });
  });
  const d2 = compose({ title, direction: 'right', layout: 'elk', pad: 20 }, body);
  return { name: 'application_secrets_workflow', title, purpose, d2 };
}

/** The stack's parameters (by path) and secrets, who serves them, and their names relative to their common prefix. */
function stackScope(input: ViewInput): Scope {
  const { estate, stack } = input;
  const l = lookup(estate);
  const params = l.store.inStack(estate.parameters, stack).sort(byString((p) => p.path));
  const secrets = l.store.inStack(estate.secrets, stack);
  const env = servedLabel(l.store, stack, [...params, ...secrets]);
  const paramRoot = commonPrefix(params.map((p) => p.path));
  const secretPrefix = commonPrefix(secrets.map((s) => s.name));
  return {
    estate,
    l,
    stack,
    account: l.store.findStack(stack)?.account,
    env,
    params,
    secrets,
    paramByUrn: new Map(params.map((p) => [p.urn, p])),
    secretByUrn: new Map(secrets.map((s) => [s.urn, s])),
    keysUsed: new Set([...params.map((p) => p.keyUrn), ...secrets.map((s) => s.keyUrn)].filter((u): u is string => !!u)),
    relSecret: (s: Secret): string => (s.name.startsWith(secretPrefix) ? s.name.slice(secretPrefix.length) : s.name) || s.name,
    relParam: (path: string): string => (path.startsWith(paramRoot) && path.length > paramRoot.length ? path.slice(paramRoot.length) : path),
  };
}

/** Principals that read one of the stack's parameters, or read or describe one of its secrets: the roles (rotation roles aside) and the others. */
function readingPrincipals(s: Scope): { roles: Role[]; others: PrincipalEntry[] } {
  const { estate, l } = s;
  const touching = l.store.principalsWith(s.paramByUrn.keys(), ['parameter']);
  for (const p of l.store.principalsWith(s.secretByUrn.keys(), ['secret-value', 'secret-metadata'])) touching.add(p);
  const roles = estate.roles.filter((r) => touching.has(r.urn) && !l.store.isRotationRole(r.urn));
  const others = l.store.principals.filter((p) => p.role === undefined && touching.has(p.id));
  return { roles, others };
}

/**
 * Lanes: roles that read secret values first, then roles that decrypt SecureStrings with a
 * customer-managed key, then the others (so that the lanes drawn past MAX_LANES are the ones that
 * hold secrets); within each, services by name (each of their roles), then roles without a service.
 */
function sortedLanes(estate: Estate, l: Lookup, roles: readonly Role[]): Lane[] {
  const rank = (role: Role): number => {
    const a = l.access.get(role.urn);
    if ((a?.secretValues.length ?? 0) > 0) return 0;
    return a?.keys.some((k) => k.paths.includes('ssm')) ? 1 : 2;
  };
  return roles
    .map((role) => {
      const svc = roleService(estate, l, role);
      return svc ? { service: svc.name, role } : { role };
    })
    .sort(byString((x) => `${rank(x.role)}${x.service === undefined ? 1 : 0}${x.service ?? ''}\u0000${x.role.name}`));
}

/** The table: column headers, one row per lane drawn, and past MAX_LANES one row summarising the rest. */
function lanesTable(t: D2Text, s: Scope, lanes: readonly Lane[], g: Gathered): void {
  const shown = lanes.length > MAX_LANES ? lanes.slice(0, MAX_LANES - 1) : lanes;
  const hidden = lanes.slice(shown.length);
  const ids = new Ids('s_');
  t.block(`lanes: ${q(`Services of ${s.env}: what each loads and reads`)}`, (b) => {
    b.line('class: group');
    b.line(`style.font-size: ${TYPE.heading}`);
    b.line(`grid-rows: ${shown.length + 1 + (hidden.length ? 1 : 0)}`);
    b.line('grid-columns: 4');
    b.line('horizontal-gap: 8');
    b.line('vertical-gap: 8');
    const headers = [
      'service and role →',
      'configuration it may load (Parameter Store) →',
      'secrets it may read (Secrets Manager) →',
      'keys it decrypts with',
    ];
    headers.forEach((h, i) => b.line(`h${i}: ${q(h)} { shape: text; style.font-size: ${TYPE.cell}; style.bold: true; style.font-color: "#4D5656" }`));
    for (const lane of shown) laneRow(b, s, lane, ids, g);
    for (const lane of hidden) gatherReads(lane, runtimeCell(s.l.access.get(lane.role.urn)!, s.secretByUrn, s.relSecret, cacheTtlLabel(lane.role)), g);
    if (hidden.length) {
      b.line(`more_0: ${q(`+ ${plural(hidden.length, 'more role')}`)} { class: step }`);
      b.line(`more_1: ${q(listWithMore([...new Set(hidden.map((h) => h.service ?? h.role.name))], 4).join(', '))} { shape: text; style.font-size: ${TYPE.small} }`);
      b.line('more_2: "" { style.opacity: 0; height: 20 }');
      b.line('more_3: "" { style.opacity: 0; height: 20 }');
      g.notes.push(`${plural(lanes.length, 'role')} read ${s.env}'s configuration or secrets: ${shown.length} are drawn, those reading secrets first`);
    }
  });
}

/** One lane's four cells (role, configuration, secrets, keys) at one height; notes what it reads for the rotation strip and the legend. */
function laneRow(b: D2Text, s: Scope, lane: Lane, ids: Ids, g: Gathered): void {
  const role = lane.role;
  const a = s.l.access.get(role.urn)!;
  const build = role.trust.kind === 'ci-build';
  const readsSecure = a.parameters.some((e) => s.paramByUrn.get(e.resourceUrn)?.type === 'SecureString');
  const who: Cell = { text: laneTitle(lane, s.stack, s.account), cls: trustClass(role.trust.kind) };
  g.legendEntries.push({ cls: who.cls });
  const config = configCell(a, s.paramByUrn, s.relParam);
  const runtime = runtimeCell(a, s.secretByUrn, s.relSecret, cacheTtlLabel(role));
  for (const e of [...a.parameters.filter((x) => s.paramByUrn.has(x.resourceUrn)), ...a.secretValues.filter((x) => s.secretByUrn.has(x.resourceUrn)), ...a.keys.filter((x) => s.keysUsed.has(x.resourceUrn))]) {
    const m = certaintyMark(e.certainty).trim();
    if (m) g.marks.add(m);
  }
  gatherReads(lane, runtime, g);
  const keys = keysCell(a, s);
  const cells: (Cell | undefined)[] = [
    who,
    config,
    // What a build does with what it reads is not in the estate: only what it may read is said.
    runtime ?? (build ? { text: readsSecure ? 'no Secrets Manager secrets\n(SecureString parameters:\nsee its configuration)' : 'no secrets: only non-secret\nconfiguration', cls: 'note' } : undefined),
    keys,
  ];
  if (config) g.legendEntries.push({ cls: config.cls });
  if (runtime) g.legendEntries.push({ cls: runtime.cls });
  const h = Math.max(...cells.map((c) => (c ? height(c.text) : 0)));
  const rid = ids.id(role.urn, lane.service ? `${lane.service} ${role.name}` : role.name);
  cells.forEach((c, i) => {
    const id = `${rid}_${i}`;
    if (!c) b.line(`${id}: "—" { shape: text; style.font-size: ${TYPE.small}; style.font-color: "#AAB7B8"; height: ${h} }`);
    // A note keeps its class's size (TYPE.small); boxes are cells.
    else b.line(`${id}: ${q(c.text)} { class: ${c.cls}; style.font-size: ${c.cls === 'note' ? TYPE.small : CELL_FONT}; height: ${h} }`);
  });
}

/**
 * What a lane's secret reads add to the rotation strip and the legend, drawn or not (the strip
 * names every reader of a rotating secret, the lanes past MAX_LANES too). The strip's caches are
 * those of the readers of rotating secrets, not of every reader.
 */
function gatherReads(lane: Lane, runtime: { cls: ClassName; rotating: boolean } | undefined, g: Gathered): void {
  const ttl = cacheTtlLabel(lane.role) ?? 'not declared';
  if (runtime?.rotating) {
    g.rotatingReaders.add(lane.service ?? lane.role.name);
    g.rotatingTtls.add(ttl);
  }
  if (runtime && runtime.cls === 'secret-read') g.ttls.add(ttl);
}

/** The rotation strip, once: the rotation functions -> new AWSCURRENT -> caches refresh -> the readers of rotating secrets; only when both exist. */
function rotationStrip(t: D2Text, s: Scope, g: Gathered): void {
  const { rotatingReaders, rotatingTtls: ttls } = g;
  const rotFns = s.estate.functions.filter((f) => f.purpose === 'rotation' && s.secrets.some((x) => x.rotation.enabled && x.rotation.functionUrn === f.urn)).sort(byString((f) => f.name));
  if (!(rotFns.length && rotatingReaders.size)) {
    // The title asks how a rotation reaches the services: say why nothing is drawn.
    g.notes.push(
      rotatingReaders.size > 0
        ? 'the secrets these services read rotate by a function not in this estate'
        : g.ttls.size === 0
          ? 'no rotation reaches these services: they read no Secrets Manager secret values'
          : 'no rotation reaches these services: none of the secrets they read rotates',
    );
    return;
  }
  t.block(`rotation: ${q('How a rotation reaches the services')}`, (b) => {
    b.line('class: group');
    b.line('icon: ${icon_lambda}');
    b.line(`style.font-size: ${TYPE.heading}`);
    b.line('grid-rows: 1');
    b.line('grid-columns: 4');
    b.line('horizontal-gap: 120');
    b.line(`fn: ${q(`${listWithMore(rotFns.map((f) => clip(f.name, 34)), 2).join('\n')}\nrotation Lambda`)} { class: function; style.font-size: ${CELL_FONT} }`);
    b.line(`current: ${q('new version\nAWSPENDING → AWSCURRENT')} { class: step }`);
    const ttl = ttls.size === 1 && !ttls.has('not declared') ? `client caches expire\n(${[...ttls][0]})` : ttls.has('not declared') && ttls.size === 1 ? 'client caches refresh\n(cache: not declared)' : `client caches expire\n(${[...ttls].sort().join(', ')})`;
    b.line(`expire: ${q(ttl)} { class: step }`);
    b.line(`readers: ${q(`next read gets the new value:\n${listWithMore([...rotatingReaders].sort(), 4).join(', ')}`)} { class: secret-read; style.font-size: ${CELL_FONT} }`);
    b.line('fn -> current: "finishSecret" { class: caption }');
    b.line('current -> expire: { style.stroke-dash: 4 }');
    b.line('expire -> readers: "GetSecretValue" { class: caption }');
  });
  g.legendEntries.push({ cls: 'function' });
}

function laneTitle(lane: Lane, stack: string, account: string | undefined): string {
  const role = lane.role;
  const trust = role.trust;
  let how: string = TRUST_LABEL[trust.kind];
  if (trust.kind === 'eks-pod' && trust.eks) {
    const { namespace, serviceAccount } = trust.eks;
    how = `EKS pod ${namespace && namespace === serviceAccount ? namespace : [namespace, serviceAccount].filter(Boolean).join('/') || ''}`.trim();
  } else if (trust.kind === 'cross-account' && trust.crossAccount) {
    how = `cross-account ${trust.crossAccount.accountId}${trust.crossAccount.requiresExternalId ? '\n+ external id' : ''}`;
  }
  // A permissions boundary caps what the role's policies grant: the reads shown are within it.
  const boundary = role.boundary ? [`boundary ${role.boundary.arn === UNKNOWN ? '(not known yet)' : clip(role.boundary.arn.replace(/^arn:[^:]+:iam::(?:\d{12}|aws):policy\/(?:.*\/)?/, ''), 28)}`] : [];
  // A reader from another stack (a shared stack's role, another account's) is said so, as the parameter view does.
  const elsewhere = role.stack !== stack ? [`stack ${clip(role.stack, 30)}${role.account !== undefined && account !== undefined && role.account !== account ? `, account ${role.account}` : ''}`] : [];
  return [lane.service ?? clip(role.name, 30), ...(lane.service ? [clip(role.name, 30)] : []), how, ...boundary, ...elsewhere].join('\n');
}

function configCell(a: PrincipalAccess, paramByUrn: ReadonlyMap<string, Parameter>, rel: (path: string) => string): Cell | undefined {
  const reads = a.parameters.map((e) => ({ e, p: paramByUrn.get(e.resourceUrn) })).filter((x): x is { e: (typeof a.parameters)[number]; p: Parameter } => x.p !== undefined);
  if (reads.length === 0) return undefined;
  const folders = [...new Set(reads.map((x) => x.e.byPath).filter((f): f is string => f !== undefined))].sort();
  const singles = reads.filter((x) => x.e.byPath === undefined).sort(byString((x) => x.p.path));
  const secure = reads.filter((x) => x.p.type === 'SecureString').length;
  // A folder's mark counts its reads: ` *` when all are conditional, ` (1 *)` when one is.
  const folderMarks = (f: string): string => {
    const es = reads.filter((x) => x.e.byPath === f).map((x) => x.e);
    return groupMarks(es.length, es.filter((e) => e.certainty === 'conditional').length, es.filter((e) => e.certainty === 'unknown').length);
  };
  const lines: string[] = [];
  if (folders.length) lines.push('may read by path:', ...listWithMore(folders.map((f) => `${rel(f)}${folderMarks(f)}`), MAX_LINES));
  if (singles.length) lines.push(`may read by name ×${singles.length}:`, ...listWithMore(singles.map((x) => `${rel(x.p.path)}${certaintyMark(x.e.certainty)}`), MAX_LINES));
  lines.push(secure ? `${plural(reads.length, 'parameter')}, ${secure} SecureString` : `${plural(reads.length, 'parameter')}, none secret`);
  return { text: lines.join('\n'), cls: secure ? 'param-securestring' : 'param-string' };
}

function runtimeCell(
  a: PrincipalAccess,
  secretByUrn: ReadonlyMap<string, Secret>,
  rel: (s: Secret) => string,
  ttl: string | undefined,
): (Cell & { rotating: boolean }) | undefined {
  const reads = a.secretValues.flatMap((e) => {
    const s = secretByUrn.get(e.resourceUrn);
    return s ? [{ s, mark: certaintyMark(e.certainty) }] : [];
  });
  const values = reads.map((x) => x.s);
  if (values.length) {
    const lines = [`GetSecretValue (cache ${ttl ?? 'not declared'}):`, ...listWithMore(reads.map((x) => `${rel(x.s)}${x.mark}`).sort(), MAX_LINES)];
    const n = values.filter((s) => s.rotation.enabled).length;
    const rotating = n > 0;
    // Said of the secrets that rotate only: the others keep their value.
    if (rotating) lines.push(n === values.length ? 'new value after a rotation' : `new value after a rotation (${n} of ${values.length} rotate)`);
    return { text: lines.join('\n'), cls: 'secret-read', rotating };
  }
  const meta = a.secretMetadata.map((e) => secretByUrn.get(e.resourceUrn)).filter((s): s is Secret => !!s);
  if (meta.length) {
    // The actions granted (DescribeSecret, ListSecretVersionIds, ...), not a fixed pair.
    const actions = [...new Set(a.secretMetadata.filter((e) => secretByUrn.has(e.resourceUrn)).flatMap((e) => e.actions.map((x) => x.replace(/^secretsmanager:/i, ''))))].sort();
    return { text: `${listWithMore(actions, 3).join(', ')}\non ${plural(meta.length, 'secret')}: no values`, cls: 'secret-describe', rotating: false };
  }
  return undefined;
}

function keysCell(a: PrincipalAccess, s: Scope): Cell | undefined {
  const { l } = s;
  const lines: string[] = [];
  for (const ka of [...a.keys].sort(byString((k) => k.resourceUrn))) {
    if (!s.keysUsed.has(ka.resourceUrn)) continue;
    const k = l.keyByUrn.get(ka.resourceUrn);
    if (!k) continue;
    const via = ka.paths.filter((p) => p !== 'direct');
    lines.push(`${clip(shortKeyName(l, keyName(k)), 28)}${ka.paths.includes('direct') ? ' (direct)' : via.length ? ` (via ${via.join(', ')})` : ''}${certaintyMark(ka.certainty)}`);
  }
  // A value it may read under an AWS-managed key (aws/secretsmanager, aws/ssm): the service
  // decrypts with it for any principal of the account, no key permission needed.
  // Marked as the surest read under it is (a key used only by conditional reads is conditional).
  const managed = new Map<string, Certainty>();
  const use = (name: string, c: Certainty): void => void managed.set(name, surer(managed.get(name), c));
  for (const e of a.secretValues) {
    const sec = s.secretByUrn.get(e.resourceUrn);
    if (sec && sec.keyUrn === undefined && (sec.keyId === undefined || sec.keyId === '' || isAwsManagedKeyId(sec.keyId))) use(keyIdName(sec.keyId, 'aws/secretsmanager'), e.certainty);
  }
  for (const e of a.parameters) {
    const p = s.paramByUrn.get(e.resourceUrn);
    if (p?.type === 'SecureString' && p.keyUrn === undefined && (p.keyId === undefined || p.keyId === '' || isAwsManagedKeyId(p.keyId))) use(keyIdName(p.keyId, 'aws/ssm'), e.certainty);
  }
  for (const [name, c] of managed) lines.push(`${name}${certaintyMark(c)}`);
  if (!lines.length) return undefined;
  return { text: listWithMore(lines.sort(), MAX_LINES).join('\n'), cls: 'key' };
}
