/**
 * Access control: the stack's IAM policies (statement by statement), its principals and the
 * principals of other stacks and accounts that reach its parameters, secrets and keys, and the
 * access matrix computed by the access engine (identity policies, boundaries, group membership,
 * secret resource policies, key policies, grants). Past the page limits, inventories go to CSV files
 * beside the page (`policies.csv`, `principals.csv`, `access.csv`).
 */

import type { AccessItem, Certainty, KeyAccess, KmsKey, Parameter, PrincipalAccess, Secret } from '../../estate/model.ts';
import { managedPoliciesLoaded, managedPoliciesSnapshot } from '../../estate/iam/managed.ts';
import { ACTIONS_DATASET } from '../../estate/iam/actions.ts';
import type { PrincipalEntry } from '../../estate/store.ts';
import { groupedAccess, type GroupedList } from '../../estate/fold.ts';
import { compareStrings, plural } from '../../util/collections.ts';
import { code, md } from '../escape.ts';
import { attach, csv, keyCellName, NO_ATTACHMENT, principalKind, principalName } from '../format.ts';
import { table, type AccessSection, type AttachmentLink, type Table } from '../model.ts';
import type { PageContext } from './context.ts';

const flag = (c: Certainty): string => (c === 'unknown' ? '?' : c === 'conditional' ? '*' : '');

/** `*` (or `?`) when every resource of the cell is read so; `(1*)` when only some are: a mark of one never covers the others. */
function flags(items: readonly AccessItem[]): string {
  const total = new Set(items.map((i) => i.resourceUrn)).size;
  return ['*', '?']
    .map((m) => {
      const n = new Set(items.filter((i) => flag(i.certainty) === m).map((i) => i.resourceUrn)).size;
      return n === 0 ? '' : n === total ? m : ` (${n}${m})`;
    })
    .join('');
}

function scope(st: { resources?: readonly string[]; notResources?: readonly string[] }): string {
  if (st.resources) return st.resources.map((r) => code(r)).join('<br>');
  if (st.notResources) return `all except ${st.notResources.map((r) => code(r)).join(', ')}`;
  return '';
}

function keyCell(k: KeyAccess): string {
  const via = k.paths.filter((p) => p !== 'direct');
  return `decrypt${k.paths.includes('direct') ? ' (direct)' : via.length ? ` via ${via.join('/')}` : ''}${flag(k.certainty)}`;
}

/** What reaches the stack: the resources and, per principal, its access to them. */
interface Reach {
  readonly principal: PrincipalEntry;
  readonly access: PrincipalAccess;
  readonly parameters: Map<string, AccessItem[]>; // by folder
  readonly secretValues: Map<string, AccessItem>;
  readonly secretWrites: Map<string, AccessItem>;
  readonly secretMetadata: Map<string, AccessItem>;
  readonly keys: Map<string, KeyAccess>;
}

function folderOf(p: Parameter): string {
  return p.path.slice(0, p.path.length - p.leaf.length);
}

function policiesTable(c: PageContext): { table: Table; csv: ReturnType<typeof attach> | typeof NO_ATTACHMENT; count: number } {
  const policies = c.mine(c.estate.policies);
  const rows: string[][] = [];
  const csvRows: string[][] = [];
  const holderName = (u: string): string => c.store.findPrincipal(u)?.name ?? u;
  for (const p of policies) {
    const attached = [...p.attachedTo.map(holderName), ...p.boundaryOf.map((u) => `${holderName(u)} (boundary)`)];
    const attachedCell = attached.map(md).join(', ') || 'not attached';
    if (p.document.statements.length === 0) {
      rows.push([md(p.name), p.kind, '', p.document.unknown ? 'unknown document' : 'no statements', '', attachedCell]);
      csvRows.push([p.name, p.kind, '', p.document.unknown ? 'unknown document' : 'no statements', '', '', attached.join(' ')]);
    }
    for (const st of p.document.statements) {
      const actions = st.actions ? st.actions.map((a) => code(a)).join('<br>') : `all except ${(st.notActions ?? []).map((a) => code(a)).join(', ')}`;
      const cond = st.conditions.length ? `<br>when ${st.conditions.map((x) => `${code(x.key)} ${md(x.operator)} ${md(x.values.join(', '))}`).join('; ')}` : '';
      rows.push([md(p.name), p.kind, st.effect, actions, scope(st) + cond, attachedCell]);
      csvRows.push([
        p.name,
        p.kind,
        st.effect,
        st.actions ? st.actions.join(' ') : `NotAction ${(st.notActions ?? []).join(' ')}`,
        st.resources ? st.resources.join(' ') : `NotResource ${(st.notResources ?? []).join(' ')}`,
        st.conditions.map((x) => `${x.operator} ${x.key} ${x.values.join('|')}`).join('; '),
        attached.join(' '),
      ]);
    }
  }
  const inline = rows.length <= c.pageRows;
  return {
    table: table(['Policy', 'Kind', 'Effect', 'Actions', 'Scope', 'Attached to'], inline ? rows : []),
    csv: inline
      ? NO_ATTACHMENT
      : attach(c.attachments, 'policies.csv', csv(['policy', 'kind', 'effect', 'actions', 'resources', 'conditions', 'attached_to'], csvRows), `All ${policies.length} policies of the stack, ${rows.length} statements`),
    count: policies.length,
  };
}

/** The stack's resources the access tables are about: its parameters by folder, its secrets, the keys it uses. */
interface StackResources {
  readonly secrets: readonly Secret[];
  readonly keys: readonly KmsKey[];
  /** The folder of each of the stack's parameters, by URN. */
  readonly folderByUrn: ReadonlyMap<string, string>;
  readonly secretByUrn: ReadonlyMap<string, Secret>;
  readonly keyUrns: ReadonlySet<string>;
  /** The parameters of each folder, by folder name. */
  readonly sortedFolders: readonly (readonly [string, Parameter[]])[];
}

/** The matrix, the sentence above it and, past the page limits, its CSV inventory. */
interface Matrix {
  readonly table: Table;
  readonly intro: string;
  readonly csv: AttachmentLink;
}

const MATRIX_LEGEND = '`*`: only under conditions that cannot be decided offline; `?`: partly unknown; `—`: no access';

export function accessSection(c: PageContext): AccessSection {
  const res = stackResources(c);
  const reach = pageReach(c, res);
  const policies = policiesTable(c);
  const principals = principalsTable(c, reach);

  // The matrix: only principals that reach something of the stack.
  const readers = reach.filter(reachesSomething);
  const matrix = accessMatrix(c, res, reach, readers);
  const accessNotes = reach.flatMap((r) => r.access.notes.map((n) => `${principalName(r.principal, c.stack)}: ${md(n)}`));
  const snapshot = managedPoliciesLoaded() && reach.some((r) => r.access.notes.some((n) => n.includes('snapshot'))) ? ` AWS-managed policies from the snapshot of ${managedPoliciesSnapshot().asOf}.` : '';
  return {
    hasPolicies: policies.count > 0,
    policyTable: policies.table,
    policiesCsv: policies.csv,
    hasPrincipals: reach.length > 0,
    principalTable: principals.table,
    principalsCsv: principals.csv,
    hasMatrix: readers.length > 0,
    matrix: matrix.table,
    matrixIntro: matrix.intro,
    accessCsv: matrix.csv,
    accessNotes: accessNotes.length > c.pageRows ? [...accessNotes.slice(0, c.pageRows), `and ${accessNotes.length - c.pageRows} more notes`] : accessNotes,
    hasAccessNotes: accessNotes.length > 0,
    engineNote: `Evaluated offline from identity policies, permissions boundaries, group membership, secret resource policies, key policies and grants, across accounts; actions by access level from ${md(ACTIONS_DATASET)}.${snapshot}`,
  };
}

/** The stack's parameters (grouped by folder, folders sorted), secrets and the keys it uses, with lookups by URN. */
function stackResources(c: PageContext): StackResources {
  const params = c.mine(c.estate.parameters);
  const secrets = c.mine(c.estate.secrets);
  const keys = c.store.keysUsedBy(c.stack).keys;
  const folders = new Map<string, Parameter[]>();
  const folderByUrn = new Map<string, string>();
  for (const p of params) {
    const f = folderOf(p);
    folderByUrn.set(p.urn, f);
    (folders.get(f) ?? folders.set(f, []).get(f)!).push(p);
  }
  return {
    secrets,
    keys,
    folderByUrn,
    secretByUrn: new Map<string, Secret>(secrets.map((s) => [s.urn, s])),
    keyUrns: new Set(keys.map((k) => k.urn)),
    sortedFolders: [...folders.entries()].sort(([a], [b]) => compareStrings(a, b)),
  };
}

/** Whether a principal reaches any parameter, secret or key of the stack. */
function reachesSomething(r: Reach): boolean {
  return r.parameters.size + r.secretValues.size + r.secretWrites.size + r.secretMetadata.size + r.keys.size > 0;
}

/** Principals of the page: the stack's own and every other that reaches its resources; the stack's own first, then by name. */
function pageReach(c: PageContext, res: StackResources): Reach[] {
  const reach: Reach[] = [];
  for (const p of c.store.principals) {
    const a = c.store.findAccess(p.id);
    if (a === undefined) continue;
    const r: Reach = { principal: p, access: a, parameters: new Map(), secretValues: new Map(), secretWrites: new Map(), secretMetadata: new Map(), keys: new Map() };
    for (const x of a.parameters) {
      const f = res.folderByUrn.get(x.resourceUrn);
      if (f !== undefined) (r.parameters.get(f) ?? r.parameters.set(f, []).get(f)!).push(x);
    }
    for (const x of a.secretValues) if (res.secretByUrn.has(x.resourceUrn)) r.secretValues.set(x.resourceUrn, x);
    for (const x of a.secretWrites) if (res.secretByUrn.has(x.resourceUrn)) r.secretWrites.set(x.resourceUrn, x);
    for (const x of a.secretMetadata) if (res.secretByUrn.has(x.resourceUrn)) r.secretMetadata.set(x.resourceUrn, x);
    for (const x of a.keys) if (res.keyUrns.has(x.resourceUrn) && c.store.keyReachesStack(a, x, c.stack)) r.keys.set(x.resourceUrn, x);
    if (p.stack === c.stack || reachesSomething(r)) reach.push(r);
  }
  reach.sort((a, b) => (a.principal.stack === c.stack ? 0 : 1) - (b.principal.stack === c.stack ? 0 : 1) || compareStrings(a.principal.name, b.principal.name) || compareStrings(a.principal.id, b.principal.id));
  return reach;
}

/** The principals table, or past the page limit its CSV inventory. */
function principalsTable(c: PageContext, reach: readonly Reach[]): { table: Table; csv: AttachmentLink } {
  const principalRows = reach.map((r) => principalRow(c, r));
  const principalsInline = principalRows.length <= c.pageRows;
  const principalsCsv = principalsInline
    ? NO_ATTACHMENT
    : attach(
        c.attachments,
        'principals.csv',
        csv(
          ['principal', 'kind', 'stack', 'service', 'parameters', 'secret_values', 'keys', 'admin', 'complete'],
          reach.map((r) => [r.principal.name, principalKind(r.principal), r.principal.stack ?? '', r.principal.role?.service ?? '', r.access.parameters.length, r.access.secretValues.length, r.access.keys.length, r.access.admin ? 'yes' : 'no', r.access.complete ? 'yes' : 'no']),
        ),
        `All ${reach.length} principals of the stack or reaching it`,
      );
  return { table: table(['Principal', 'Kind', 'Service', 'Policies', 'Can read (in all loaded stacks)'], principalsInline ? principalRows : []), csv: principalsCsv };
}

/** One principal's row: its kind, service, policies (boundary, groups, members, naming policies) and what it can read. */
function principalRow(c: PageContext, r: Reach): string[] {
  const p = r.principal;
  const h = p.role ?? p.user ?? p.group;
  const pols = h ? [...h.policies.map((u) => md(c.store.find(u)?.name ?? u)), ...h.externalPolicies.map((x) => code(x))] : [];
  const boundary = p.role?.boundary ?? p.user?.boundary;
  if (boundary) pols.push(`boundary ${code(boundary.arn)}`);
  if (p.user) for (const g of p.user.groups) pols.push(`group ${md(c.store.findPrincipal(g)?.name ?? g)}`);
  if (p.group) pols.push(`${plural(p.group.members.length, 'member')}`);
  if (p.external) pols.push(`named by ${plural(p.external.namedBy.length, 'resource policy or grant', 'resource policies or grants')}`);
  const a = r.access;
  const reads = [
    a.parameters.length ? plural(a.parameters.length, 'parameter') : '',
    a.secretValues.length ? plural(a.secretValues.length, 'secret value') : '',
    a.keys.length ? plural(a.keys.length, 'key') : '',
  ].filter(Boolean);
  return [
    principalName(p, c.stack),
    md(principalKind(p)),
    md(p.role?.service ?? ''),
    pols.join('<br>') || 'none',
    `${reads.join('; ') || 'nothing'}${a.admin ? ' (**full administrator**)' : ''}${a.complete ? '' : ' (partly unknown)'}`,
  ];
}

/** A principal's access to one secret: read, rotate, or (without read) describe, with their flags. */
function secretCell(r: Reach, s: Secret): string {
  const parts: string[] = [];
  const v = r.secretValues.get(s.urn);
  const w = r.secretWrites.get(s.urn);
  const m = r.secretMetadata.get(s.urn);
  if (v) parts.push(`read${flag(v.certainty)}`);
  if (w) parts.push(`rotate${flag(w.certainty)}`);
  if (!v && m) parts.push(`describe${flag(m.certainty)}`);
  return parts.join(', ');
}

/** A principal's reads in one folder: how many of its parameters, with their flags. */
function folderCell(items: readonly AccessItem[] | undefined, total: number): string {
  return items && items.length ? `read ${new Set(items.map((i) => i.resourceUrn)).size}/${total}${flags(items)}` : '';
}

/** The access matrix: one column per reader when they and the resources fit, else one row per reader. */
function accessMatrix(c: PageContext, res: StackResources, reach: readonly Reach[], readers: readonly Reach[]): Matrix {
  const resourceRows = res.sortedFolders.length + res.secrets.length + res.keys.length;
  if (readers.length <= c.matrixMaxColumns && resourceRows <= c.pageRows) return columnMatrix(c, res, readers);
  return rowMatrix(c, res, reach, readers, resourceRows);
}

/** The matrix with a row per resource (folder, secret, key) and a column per reader. */
function columnMatrix(c: PageContext, res: StackResources, readers: readonly Reach[]): Matrix {
  const rows: string[][] = [];
  for (const [folder, ps] of res.sortedFolders) rows.push([`${code(`${folder}*`)} (${plural(ps.length, 'parameter')})`, ...readers.map((r) => folderCell(r.parameters.get(folder), ps.length) || '—')]);
  for (const s of res.secrets) rows.push([code(s.name), ...readers.map((r) => secretCell(r, s) || '—')]);
  for (const k of res.keys) rows.push([keyCellName(k, c.stack), ...readers.map((r) => (r.keys.get(k.urn) ? keyCell(r.keys.get(k.urn)!) : '—'))]);
  return {
    table: table(['Resource', ...readers.map((r) => principalName(r.principal, c.stack))], rows),
    intro: `Who can reach what, from the access engine (${MATRIX_LEGEND}).`,
    csv: NO_ATTACHMENT,
  };
}

/** The matrix with a row per reader (too many for a column each), and past the page limits every access in access.csv. */
function rowMatrix(c: PageContext, res: StackResources, reach: readonly Reach[], readers: readonly Reach[], resourceRows: number): Matrix {
  const folderSize = new Map(res.sortedFolders.map(([f, ps]) => [f, ps.length]));
  const rows = readers.map((r) => readerRow(c, res, r, folderSize));
  const inline = rows.length <= c.pageRows;
  const silent = reach.length - readers.length;
  const intro =
    `${plural(readers.length, 'principal')} reach this stack's parameters, secrets or keys, too many for one column each: one row per principal with the folders, secrets and keys it reaches (\`read 3/5\`: 3 of the folder's 5 parameters; ${MATRIX_LEGEND}).` +
    (silent > 0 ? ` ${plural(silent, 'principal')} of the stack that reach nothing ${silent === 1 ? 'is' : 'are'} left out.` : '') +
    (inline ? '' : ` The first ${c.pageRows} are shown; every access is in the inventory linked below.`);
  const csvRows: (string | number)[][] = [];
  for (const r of readers) accessCsvRows(c, r, csvRows);
  return {
    table: table(['Principal', 'Service', 'Parameters', 'Secrets', 'KMS keys'], inline ? rows : rows.slice(0, c.pageRows)),
    intro,
    csv:
      !inline || resourceRows > c.pageRows
        ? attach(c.attachments, 'access.csv', csv(['principal', 'kind', 'stack', 'access', 'resource', 'resources', 'actions', 'certainty', 'via', 'how'], csvRows), `Every access to this stack's parameters, secrets and keys (${csvRows.length} rows; a row per folder where a principal reaches all of it alike), with certainty and the policies it rests on`)
        : NO_ATTACHMENT,
  };
}

/** One reader's row: the folders, secrets and keys it reaches, each list capped. */
function readerRow(c: PageContext, res: StackResources, r: Reach, folderSize: ReadonlyMap<string, number>): string[] {
  const pcells = [...r.parameters.keys()].sort(compareStrings).map((f) => `${code(`${f}*`)} ${folderCell(r.parameters.get(f), folderSize.get(f)!)}`);
  // The secrets it reaches, by way of access: a folder whose every secret it reaches alike, or a secret.
  const scells = (
    [
      ['secretValues', 'read'],
      ['secretWrites', 'rotate'],
      ['secretMetadata', 'describe'],
    ] as const
  ).flatMap(([list, what]) =>
    groupedAccess(c.store, r.principal.id, list)
      .filter((g) => g.stack === c.stack)
      .flatMap((g) => [
        ...g.folders.map((f) => `${code(`${f.folder}*`)} ${what} ${f.count}/${f.count}${flag(g.shape.certainty)}`),
        ...g.names.map((n) => `${code(n)} ${what}${flag(g.shape.certainty)}`),
      ]),
  );
  const kcells = res.keys.filter((k) => r.keys.has(k.urn)).map((k) => `${keyCellName(k, c.stack)} ${keyCell(r.keys.get(k.urn)!)}`);
  const cap = (xs: string[]) => (xs.length > 12 ? [...xs.slice(0, 11), `+ ${xs.length - 11} more`] : xs);
  return [principalName(r.principal, c.stack), md(r.principal.role?.service ?? ''), cap(pcells).join('<br>') || '—', cap(scells).join('<br>') || '—', cap(kcells).join('<br>') || '—'];
}

/** A reader's rows of access.csv: its parameters and secrets, then its keys. */
function accessCsvRows(c: PageContext, r: Reach, csvRows: (string | number)[][]): void {
  const via = (item: AccessItem): string => item.via.map((v) => `${v.kind}:${v.name}${v.sid ? `#${v.sid}` : ''}`).join(' ');
  const row = (kind: string, resource: string, count: number, item: AccessItem, how = ''): void => {
    csvRows.push([r.principal.name, r.principal.kind, r.principal.stack ?? '', kind, resource, count, item.actions.join(' '), item.certainty, via(item), how]);
  };
  // One row per resource, or per folder of which the principal reaches every resource in the same way.
  const grouped = (kind: string, list: GroupedList): void => {
    for (const g of groupedAccess(c.store, r.principal.id, list)) {
      if (g.stack !== c.stack) continue;
      const how = 'byPath' in g.shape && g.shape.byPath ? `by path ${g.shape.byPath}` : '';
      for (const f of g.folders) row(kind, `${f.folder}*${f.class === 'SecureString' ? ' (SecureString)' : f.class === 'String' ? ' (not SecureString)' : ''}`, f.count, g.shape, how);
      for (const n of g.names) row(kind, n, 1, g.shape, how);
    }
  };
  grouped('parameter', 'parameters');
  grouped('secret-value', 'secretValues');
  grouped('secret-write', 'secretWrites');
  grouped('secret-metadata', 'secretMetadata');
  for (const x of r.keys.values()) row('key', c.store.find(x.resourceUrn)?.name ?? x.resourceUrn, 1, x, x.paths.join(' '));
}
