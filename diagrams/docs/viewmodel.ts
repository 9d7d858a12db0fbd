/**
 * The view model of the Markdown docs: everything a template shows, already computed, sorted,
 * formatted and escaped for Markdown. Templates only iterate (`each`) and branch on prepared flags
 * (`if`); every field is always present (templates compile in strict mode).
 *
 * Pure: no I/O, no clock. The same Estate gives the same model.
 */

import type {
  AccessEntry,
  CostEstimate,
  Estate,
  Finding,
  KeyAccess,
  KmsKey,
  Parameter,
  Role,
  RoleAccess,
  Secret,
  SecretCategory,
  StackSummary,
} from '../estate/model.ts';
import { findingNote } from '../compliance/rules.ts';
import { auditOf } from '../estate/lookup.ts';
import type { DiagramName, View } from '../views/types.ts';
import { code, fenceText, link, linkTarget, md, mdWithCode } from './escape.ts';

// ─── Markdown escaping ───────────────────────────────────────────────────────────────

/** In escape.ts; re-exported for the modules and tests that import them from here. */
export { code, md } from './escape.ts';

const list = (xs: readonly string[]) => xs.join(', ');

// ─── Models ──────────────────────────────────────────────────────────────────────────

export interface Row {
  readonly cells: readonly string[];
}

export interface Table {
  /** Header row `| a | b |` and separator, ready to print. */
  readonly header: string;
  readonly rows: readonly string[];
  readonly empty: boolean;
}

export interface DiagramModel {
  readonly name: DiagramName;
  readonly title: string;
  readonly purpose: string;
  readonly hasSvg: boolean;
  readonly svg: string;
  readonly hasPng: boolean;
  readonly png: string;
  readonly hasD2: boolean;
  readonly d2: string;
}

export interface SecretGroupModel {
  readonly label: string;
  readonly table: Table;
}

export interface PageModel {
  readonly project: string;
  readonly stack: string;
  readonly title: string;
  readonly generatedFrom: string;
  readonly overview: Table;
  readonly hasReferences: boolean;
  readonly references: string;
  readonly diagrams: readonly DiagramModel[];
  readonly hasDiagrams: boolean;
  readonly hasParameters: boolean;
  readonly parameterTree: string;
  readonly parameterTable: Table;
  readonly parameterSummary: string;
  readonly hasSecrets: boolean;
  readonly secretGroups: readonly SecretGroupModel[];
  readonly hasKeys: boolean;
  readonly keyTable: Table;
  readonly hasPolicies: boolean;
  readonly policyTable: Table;
  readonly hasRoles: boolean;
  readonly roleTable: Table;
  readonly hasMatrix: boolean;
  readonly matrix: Table;
  /** The sentence above the matrix: its legend, and how it is laid out (transposed past 40 roles). */
  readonly matrixIntro: string;
  readonly accessNotes: readonly string[];
  readonly hasAccessNotes: boolean;
  readonly hasRotation: boolean;
  readonly rotationTable: Table;
  readonly rotationFunctions: string;
  readonly hasTrails: boolean;
  readonly trailTable: Table;
  readonly hasAlarms: boolean;
  readonly alarmTable: Table;
  readonly hasFindings: boolean;
  readonly findingSummary: string;
  readonly findingTable: Table;
  readonly failing: readonly { readonly title: string; readonly severity: string; readonly remediation: string; readonly subjects: string }[];
  readonly hasFailing: boolean;
  /** What a check could not judge in this stack and why (e.g. keys of a stack not loaded). */
  readonly findingNotes: readonly { readonly title: string; readonly ruleId: string; readonly note: string }[];
  readonly hasFindingNotes: boolean;
  readonly hasCost: boolean;
  readonly costTable: Table;
  readonly costTotal: string;
  readonly costPricesAsOf: string;
  readonly costAssumptions: readonly string[];
  readonly hasProcedures: boolean;
  readonly procedures: readonly { readonly title: string; readonly steps: readonly string[] }[];
  readonly hasTroubleshooting: boolean;
  readonly troubleshooting: readonly { readonly issue: string; readonly checks: readonly string[] }[];
}

export interface IndexModel {
  readonly project: string;
  readonly title: string;
  readonly hasStacks: boolean;
  readonly stackTable: Table;
  readonly environments: string;
  readonly hasParameterParity: boolean;
  readonly parameterParity: Table;
  readonly parameterDifferences: number;
  readonly hasSecretParity: boolean;
  readonly secretParity: Table;
  readonly secretDifferences: number;
  readonly hasCost: boolean;
  readonly costTable: Table;
  readonly costTotal: string;
}

export function table(headers: readonly string[], rows: readonly (readonly string[])[]): Table {
  return {
    header: `| ${headers.join(' | ')} |\n|${headers.map(() => ' --- |').join('')}`,
    rows: rows.map((r) => `| ${r.map((c) => (c === '' ? ' ' : c)).join(' | ')} |`),
    empty: rows.length === 0,
  };
}

// ─── Lookups ─────────────────────────────────────────────────────────────────────────

function byUrn<T extends { urn: string }>(xs: readonly T[]): Map<string, T> {
  return new Map(xs.map((x) => [x.urn, x]));
}

function keyLabel(estate: Estate, keyUrn: string | undefined, keyId: string | undefined, awsManaged: string): string {
  if (keyUrn) {
    const k = estate.keys.find((x) => x.urn === keyUrn);
    if (k) return k.aliases[0] ?? k.name;
  }
  if (keyId) return keyId;
  return `${awsManaged} (AWS managed)`;
}

function rotationLabel(s: Secret): string {
  if (!s.rotation.enabled) return 'not rotated';
  if (s.rotation.intervalDays !== undefined) return `every ${s.rotation.intervalDays} d`;
  return s.rotation.scheduleExpression ?? 'enabled (schedule unknown)';
}

const CATEGORY_LABEL: Record<SecretCategory, string> = {
  database: 'Database secrets',
  application: 'Application secrets',
  service: 'Service secrets',
  other: 'Other secrets',
};
const CATEGORY_ORDER: readonly SecretCategory[] = ['database', 'application', 'service', 'other'];

const TRUST_LABEL: Record<string, string> = {
  'eks-pod': 'EKS pod (IRSA)',
  lambda: 'Lambda execution',
  ec2: 'EC2 instance profile',
  'cross-account': 'cross-account',
  'ci-build': 'CI build',
  service: 'AWS service',
  other: 'other',
};

const SEVERITY_RANK: Record<string, number> = { critical: 0, high: 1, medium: 2, low: 3 };
const STATUS_LABEL: Record<string, string> = { met: 'met', 'not-met': '**NOT MET**', 'not-applicable': 'n/a' };

function usd(n: number): string {
  return `$${n.toFixed(2)}`;
}

function shortAction(a: string): string {
  return a;
}

// ─── Parameter tree ──────────────────────────────────────────────────────────────────

interface TreeNode {
  children: Map<string, TreeNode>;
  leaf?: Parameter;
}

/** The parameters as a text tree (`├──`), with type and, for SecureString, the key. */
export function parameterTree(estate: Estate, params: readonly Parameter[]): string {
  const root: TreeNode = { children: new Map() };
  for (const p of params) {
    let n = root;
    p.segments.forEach((seg, i) => {
      const last = i === p.segments.length - 1;
      const k = last ? seg : `${seg}/`;
      let c = n.children.get(k);
      if (!c) {
        c = { children: new Map() };
        n.children.set(k, c);
      }
      if (last) c.leaf = p;
      n = c;
    });
  }
  const lines: string[] = ['/'];
  // A loop, not Math.max(...spread): tens of thousands of arguments overflow the stack.
  let widest = 0;
  for (const p of params) widest = Math.max(widest, p.leaf.length + 4 * p.segments.length);
  const width = Math.min(40, widest);
  const walk = (n: TreeNode, prefix: string) => {
    const entries = [...n.children.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    entries.forEach(([name, c], i) => {
      const last = i === entries.length - 1;
      const head = `${prefix}${last ? '└── ' : '├── '}${fenceText(name)}`;
      if (c.leaf) {
        const t = c.leaf.type === 'SecureString' ? `SecureString (${keyLabel(estate, c.leaf.keyUrn, c.leaf.keyId, 'alias/aws/ssm')})` : c.leaf.type;
        lines.push(`${head.padEnd(width)}  # ${fenceText(t)}`);
      } else lines.push(head);
      walk(c, prefix + (last ? '    ' : '│   '));
    });
  };
  walk(root, '');
  return lines.join('\n');
}

// ─── Access ──────────────────────────────────────────────────────────────────────────

function accessCell(entries: readonly AccessEntry[] | undefined, total: number, verb: string): string {
  if (!entries || entries.length === 0) return '—';
  const unknown = entries.some((e) => e.certainty === 'unknown') ? '?' : '';
  const conditional = entries.some((e) => e.conditions.length > 0) ? ' (conditional)' : '';
  return total > 1 ? `${verb} ${entries.length}/${total}${unknown}${conditional}` : `${verb}${unknown}${conditional}`;
}

/** Past this many roles in a stack, the access matrix is one row per role instead of one column per role. */
export const MATRIX_MAX_ROLE_COLUMNS = 40;

/** One role's access entries grouped once: parameters by folder, secrets and keys by URN. */
interface RoleAccessIndex {
  readonly parameters: Map<string, AccessEntry[]>;
  readonly secretValues: Map<string, AccessEntry[]>;
  readonly secretWrites: Map<string, AccessEntry[]>;
  readonly secretMetadata: Map<string, AccessEntry[]>;
  readonly keys: Map<string, KeyAccess[]>;
}

function groupBy<E extends AccessEntry>(entries: readonly E[], groupOf: (urn: string) => string | undefined): Map<string, E[]> {
  const out = new Map<string, E[]>();
  for (const e of entries) {
    const g = groupOf(e.resourceUrn);
    if (g === undefined) continue;
    const xs = out.get(g);
    if (xs === undefined) out.set(g, [e]);
    else xs.push(e);
  }
  return out;
}

/** The folder of a parameter path (the path without its leaf, ending in `/`). */
function parameterFolder(p: Parameter): string {
  return p.path.slice(0, p.path.length - p.leaf.length);
}

function keyCell(e: readonly KeyAccess[]): string {
  const via = [...new Set(e.flatMap((x) => x.viaServices.map((v) => v.split('.')[0]!)))].sort();
  const keyPolicy = e.some((x) => x.keyPolicyAllows === false) ? ', key policy denies' : '';
  return `decrypt${via.length ? ` via ${via.map(md).join('/')}` : ''}${keyPolicy}`;
}

function keyName(k: KmsKey, stack: string): string {
  return `${code(k.aliases[0] ?? k.name)}${k.stack !== stack ? ` (stack ${md(k.stack)})` : ''}`;
}

const sortedKeys = <V>(m: ReadonlyMap<string, V>): [string, V][] => [...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

interface Matrix {
  readonly table: Table;
  /** The sentence above the table. */
  readonly intro: string;
}

/**
 * The access matrix of a stack. Each role's access is indexed once (parameters by folder, secrets
 * and keys by URN), so the work grows with the entries, not with roles x resources. Up to
 * MATRIX_MAX_ROLE_COLUMNS roles: one row per parameter folder, secret and key, one column per role.
 * Beyond: one row per role that reaches anything, listing the folders, secrets and keys it reaches
 * (a table thousands of columns wide cannot be read).
 */
function buildMatrix(
  estate: Estate,
  stack: string,
  roles: readonly Role[],
  params: readonly Parameter[],
  secrets: readonly Secret[],
  maxRoleColumns: number,
): Matrix {
  const intro = 'Who can reach what, from the IAM policies and key policies (`?`: partly unknown; `—`: no access).';
  if (roles.length === 0) return { table: table(['Resource'], []), intro };
  const accessByRole = new Map<string, RoleAccess>(estate.access.map((a) => [a.roleUrn, a]));
  // Parameters by folder (the path without its leaf), as VIEWS.md asks: an edge to a group, not each leaf.
  const folders = new Map<string, Parameter[]>();
  const folderOf = new Map<string, string>();
  for (const p of params) {
    const folder = parameterFolder(p);
    folderOf.set(p.urn, folder);
    const xs = folders.get(folder);
    if (xs === undefined) folders.set(folder, [p]);
    else xs.push(p);
  }
  const own = (urn: string) => urn;
  const index = new Map<string, RoleAccessIndex>();
  for (const r of roles) {
    const a = accessByRole.get(r.urn);
    if (a === undefined || index.has(r.urn)) continue;
    index.set(r.urn, {
      parameters: groupBy(a.parameters, (u) => folderOf.get(u)),
      secretValues: groupBy(a.secretValues, own),
      secretWrites: groupBy(a.secretWrites, own),
      secretMetadata: groupBy(a.secretMetadata, own),
      keys: groupBy(a.keys, own),
    });
  }
  const keyUrns = new Set<string>();
  for (const r of roles) for (const k of accessByRole.get(r.urn)?.keys ?? []) keyUrns.add(k.resourceUrn);
  const keys = estate.keys.filter((k) => keyUrns.has(k.urn));

  if (roles.length > maxRoleColumns) return buildMatrixByRole(stack, roles, index, folders, secrets, keys);

  const headers = ['Resource', ...roles.map((r) => md(r.name))];
  const rows: string[][] = [];
  for (const [folder, ps] of sortedKeys(folders)) {
    rows.push([
      `${code(folder + '*')} (${ps.length} parameter${ps.length === 1 ? '' : 's'})`,
      ...roles.map((r) => accessCell(index.get(r.urn)?.parameters.get(folder), ps.length, 'read')),
    ]);
  }
  for (const s of secrets) {
    rows.push([
      code(s.name),
      ...roles.map((r) => {
        const a = index.get(r.urn);
        const parts: string[] = [];
        const v = a?.secretValues.get(s.urn) ?? [];
        const w = a?.secretWrites.get(s.urn) ?? [];
        const m = a?.secretMetadata.get(s.urn) ?? [];
        if (v.length) parts.push(accessCell(v, 1, 'read'));
        if (w.length) parts.push(accessCell(w, 1, 'rotate'));
        if (!v.length && m.length) parts.push(accessCell(m, 1, 'describe'));
        return parts.length ? parts.join(', ') : '—';
      }),
    ]);
  }
  for (const k of keys) {
    rows.push([
      keyName(k, stack),
      ...roles.map((r) => {
        const e = index.get(r.urn)?.keys.get(k.urn) ?? [];
        return e.length === 0 ? '—' : keyCell(e);
      }),
    ]);
  }
  return { table: table(headers, rows), intro };
}

/** `read 3/5` for a group of `total` resources: counts resources (not entries), always with the total. */
function groupCell(entries: readonly AccessEntry[], total: number, verb: string): string {
  const n = new Set(entries.map((e) => e.resourceUrn)).size;
  const unknown = entries.some((e) => e.certainty === 'unknown') ? '?' : '';
  const conditional = entries.some((e) => e.conditions.length > 0) ? ' (conditional)' : '';
  return `${verb} ${n}/${total}${unknown}${conditional}`;
}

/** The access matrix transposed for a stack with many roles: one row per role that reaches anything. */
function buildMatrixByRole(
  stack: string,
  roles: readonly Role[],
  index: ReadonlyMap<string, RoleAccessIndex>,
  folders: ReadonlyMap<string, readonly Parameter[]>,
  secrets: readonly Secret[],
  keys: readonly KmsKey[],
): Matrix {
  // Secrets by folder too (the name without its last `/` part); a name without `/` is its own group.
  const secretGroup = new Map<string, string>();
  const secretGroups = new Map<string, Secret[]>();
  for (const s of secrets) {
    const i = s.name.lastIndexOf('/');
    const g = i < 0 ? s.name : s.name.slice(0, i + 1);
    secretGroup.set(s.urn, g);
    const xs = secretGroups.get(g);
    if (xs === undefined) secretGroups.set(g, [s]);
    else xs.push(s);
  }
  const groupLabel = (g: string) => (g.endsWith('/') ? code(`${g}*`) : code(g));
  const sortedFolders = sortedKeys(folders);
  const sortedSecretGroups = sortedKeys(secretGroups);
  const rows: string[][] = [];
  let silent = 0;
  for (const r of roles) {
    const a = index.get(r.urn);
    const parameterCells: string[] = [];
    const secretCells: string[] = [];
    const keyCells: string[] = [];
    if (a !== undefined) {
      for (const [folder, ps] of sortedFolders) {
        const e = a.parameters.get(folder);
        if (e !== undefined && e.length > 0) parameterCells.push(`${code(folder + '*')} ${groupCell(e, ps.length, 'read')}`);
      }
      const perGroup = (m: ReadonlyMap<string, AccessEntry[]>) => groupBy([...m.values()].flat(), (u) => secretGroup.get(u));
      const values = perGroup(a.secretValues);
      const writes = perGroup(a.secretWrites);
      // Described without reading the value, as in the per-secret matrix.
      const describedOnly = perGroup(new Map([...a.secretMetadata].filter(([u]) => !a.secretValues.has(u))));
      for (const [g, ss] of sortedSecretGroups) {
        const parts: string[] = [];
        for (const [m, verb] of [[values, 'read'], [writes, 'rotate'], [describedOnly, 'describe']] as const) {
          const e = m.get(g);
          if (e === undefined || e.length === 0) continue;
          parts.push(groupCell(e, ss.length, verb));
        }
        if (parts.length > 0) secretCells.push(`${groupLabel(g)} ${parts.join(', ')}`);
      }
      for (const k of keys) {
        const e = a.keys.get(k.urn);
        if (e !== undefined && e.length > 0) keyCells.push(`${keyName(k, stack)} ${keyCell(e)}`);
      }
    }
    if (parameterCells.length + secretCells.length + keyCells.length === 0) {
      silent++;
      continue;
    }
    rows.push([md(r.name), md(r.service ?? ''), parameterCells.join('<br>') || '—', secretCells.join('<br>') || '—', keyCells.join('<br>') || '—']);
  }
  const left = silent > 0 ? ` ${silent} role${silent === 1 ? '' : 's'} that reach nothing ${silent === 1 ? 'is' : 'are'} left out.` : '';
  const intro =
    `This stack has ${roles.length} roles, too many for one column each, so the matrix is transposed: one row per role, ` +
    `with the parameter folders, secret folders and keys it can reach (\`read 3/5\`: 3 of the folder's 5 parameters or secrets; ` +
    `\`?\`: partly unknown; \`—\`: none).${left}`;
  return { table: table(['Role', 'Service', 'Parameters', 'Secrets', 'KMS keys'], rows), intro };
}

function scope(st: { resources?: readonly string[]; notResources?: readonly string[] }): string {
  if (st.resources) return st.resources.map((r) => code(r)).join('<br>');
  if (st.notResources) return `all except ${st.notResources.map((r) => code(r)).join(', ')}`;
  return '';
}

// ─── Page ────────────────────────────────────────────────────────────────────────────

export interface PageInput {
  readonly estate: Estate;
  readonly stack: string;
  readonly views: readonly View[];
  readonly findings: readonly Finding[];
  readonly cost?: CostEstimate;
  /** Which files exist beside the page, by format. */
  readonly formats: { readonly svg: boolean; readonly png: boolean; readonly d2: boolean };
  /** Past this many roles the access matrix has one row per role (default MATRIX_MAX_ROLE_COLUMNS). */
  readonly matrixMaxRoleColumns?: number;
}

function summaryOf(estate: Estate, stack: string): StackSummary {
  const s = estate.stacks.find((x) => x.stack === stack);
  if (!s) throw new Error(`stack ${stack} is not in the estate`);
  return s;
}

export function sourceText(s: StackSummary): string {
  return `${s.source.kind} ${s.source.location} (${s.source.format})`;
}

export function buildPageModel(input: PageInput): PageModel {
  const { estate, stack, formats } = input;
  const summary = summaryOf(estate, stack);
  const mine = <T extends { stack: string }>(xs: readonly T[]) => xs.filter((x) => x.stack === stack);
  const params = mine(estate.parameters);
  const secrets = mine(estate.secrets);
  const roles = mine(estate.roles);
  const policies = mine(estate.policies);
  const functions = mine(estate.functions);
  // Audit: this stack's own pieces plus those of the stacks it references that serve it (the shared
  // trail and account-level alarms), not a sibling environment's; marked with their stack.
  const audit = auditOf(estate, stack);
  const trails = audit.trails;
  const alarms = audit.alarms;
  const eventRules = audit.eventRules;
  const fromStack = (x: { readonly stack: string }): string => (x.stack === stack ? '' : ` (stack ${md(x.stack)})`);
  const topics = byUrn(estate.audit.topics);
  const rolesByUrn = byUrn(estate.roles);
  const policiesByUrn = byUrn(estate.policies);
  // Keys: this stack's own, plus those its parameters, secrets and trails use from other stacks.
  const usedKeyUrns = new Set<string>([...params, ...secrets, ...mine(trails)].map((x) => x.keyUrn).filter((u): u is string => !!u));
  const keys = estate.keys.filter((k) => k.stack === stack || usedKeyUrns.has(k.urn));

  const overview = table(
    ['', ''],
    [
      ['Project', md(summary.project)],
      ['Stack', md(summary.stack)],
      ['Environment', md(summary.environment ?? 'none (shared or account-level stack)')],
      ['Source', md(sourceText(summary))],
      ['Deployed at', md(summary.deployedAt ?? 'unknown (not from a deployed state)')],
      ['Resources', String(summary.resourceCount)],
      ['Parameters', String(params.length)],
      ['Secrets', String(secrets.length)],
      ['KMS keys (own / used)', `${mine(estate.keys).length} / ${keys.length}`],
      ['IAM roles / policies', `${roles.length} / ${policies.length}`],
    ],
  );

  const diagrams: DiagramModel[] = input.views.map((v) => ({
    name: v.name,
    title: md(v.title),
    purpose: md(v.purpose),
    hasSvg: formats.svg,
    svg: linkTarget(`${v.name}.svg`),
    hasPng: formats.png,
    png: linkTarget(`${v.name}.png`),
    hasD2: formats.d2,
    d2: linkTarget(`${v.name}.d2`),
  }));

  const typeCounts = new Map<string, number>();
  for (const p of params) typeCounts.set(p.type, (typeCounts.get(p.type) ?? 0) + 1);
  const parameterTable = table(
    ['Path', 'Type', 'Tier', 'KMS key'],
    params.map((p) => [code(p.path), p.type, p.tier, p.type === 'SecureString' ? code(keyLabel(estate, p.keyUrn, p.keyId, 'alias/aws/ssm')) : '']),
  );

  const secretGroups: SecretGroupModel[] = CATEGORY_ORDER.map((cat) => ({
    label: CATEGORY_LABEL[cat],
    table: table(
      ['Secret', 'KMS key', 'Rotation', 'Replicas', 'Recovery window'],
      secrets
        .filter((s) => s.category === cat)
        .map((s) => [
          code(s.name),
          code(keyLabel(estate, s.keyUrn, s.keyId, 'aws/secretsmanager')),
          md(rotationLabel(s)),
          s.replicas.length ? md(s.replicas.map((r) => r.region).join(', ')) : 'none',
          s.recoveryWindowDays !== undefined ? `${s.recoveryWindowDays} d` : 'default (30 d)',
        ]),
    ),
  })).filter((g) => !g.table.empty);

  const keyTable = table(
    ['Key', 'Stack', 'Aliases', 'Rotation', 'Multi-region / replicas', 'Protects'],
    keys.map((k: KmsKey) => {
      const p = estate.parameters.filter((x) => x.keyUrn === k.urn && x.stack === stack).length;
      const s = estate.secrets.filter((x) => x.keyUrn === k.urn && x.stack === stack).length;
      const t = estate.audit.trails.filter((x) => x.keyUrn === k.urn).map((x) => x.name);
      const protects = [p ? `${p} parameter${p === 1 ? '' : 's'}` : '', s ? `${s} secret${s === 1 ? '' : 's'}` : '', t.length ? `trail ${t.join(', ')}` : '']
        .filter(Boolean)
        .join(', ');
      return [
        md(k.name),
        md(k.stack),
        k.aliases.map((a) => code(a)).join('<br>') || 'none',
        k.rotationEnabled === 'unknown' ? 'unknown' : k.rotationEnabled ? `enabled${k.rotationPeriodDays ? `, every ${k.rotationPeriodDays} d` : ' (annual)'}` : '**disabled**',
        `${k.multiRegion ? 'multi-region' : 'single-region'}${k.replicas.length ? `; replicas in ${md(k.replicas.map((r) => r.region ?? r.stack).join(', '))}` : ''}`,
        md(protects || 'nothing in this stack'),
      ];
    }),
  );

  const policyRows: string[][] = [];
  for (const p of policies) {
    const attached = p.attachedTo.map((u) => rolesByUrn.get(u)?.name ?? u).map(md).join(', ') || 'not attached';
    if (p.document.statements.length === 0) policyRows.push([md(p.name), p.kind, '', p.document.unknown ? 'unknown document' : 'no statements', '', attached]);
    for (const st of p.document.statements) {
      const actions = st.actions ? st.actions.map((a) => code(shortAction(a))).join('<br>') : `all except ${(st.notActions ?? []).map((a) => code(a)).join(', ')}`;
      const cond = st.conditions.length ? `<br>when ${st.conditions.map((c) => `${code(c.key)} ${md(c.operator)} ${md(c.values.join(', '))}`).join('; ')}` : '';
      policyRows.push([md(p.name), p.kind, st.effect, actions, scope(st) + cond, attached]);
    }
  }
  const policyTable = table(['Policy', 'Kind', 'Effect', 'Actions', 'Scope', 'Attached to'], policyRows);

  const accessByRole = new Map(estate.access.map((a) => [a.roleUrn, a]));
  const roleTable = table(
    ['Role', 'Trust', 'Service', 'Policies', 'Can read'],
    roles.map((r) => {
      const a = accessByRole.get(r.urn);
      const eks = r.trust.eks ? ` (${md([r.trust.eks.namespace, r.trust.eks.serviceAccount].filter(Boolean).join('/'))})` : '';
      const xacct = r.trust.crossAccount ? ` from ${md(r.trust.crossAccount.accountId)}${r.trust.crossAccount.requiresExternalId ? ', external id required' : ''}` : '';
      const pols = [...r.policies.map((u) => md(policiesByUrn.get(u)?.name ?? u)), ...r.externalPolicies.map((x) => code(x))].join('<br>') || 'none';
      const prefixes = a?.parameterPrefixes.map((g) => `${code(g.prefix)}${g.byPath ? ' by path' : ''}`) ?? [];
      const reads = [
        prefixes.length ? `parameters ${prefixes.join(', ')}` : a?.parameters.length ? `${a.parameters.length} parameters` : '',
        a?.secretValues.length ? `${a.secretValues.length} secret value${a.secretValues.length === 1 ? '' : 's'}` : '',
        a?.keys.length ? `${a.keys.length} key${a.keys.length === 1 ? '' : 's'}` : '',
      ].filter(Boolean);
      return [md(r.name), `${TRUST_LABEL[r.trust.kind] ?? md(r.trust.kind)}${eks}${xacct}`, md(r.service ?? ''), pols, reads.join('; ') || 'nothing'];
    }),
  );
  const { table: matrix, intro: matrixIntro } = buildMatrix(estate, stack, roles, params, secrets, input.matrixMaxRoleColumns ?? MATRIX_MAX_ROLE_COLUMNS);
  const accessNotes = roles.flatMap((r) => (accessByRole.get(r.urn)?.notes ?? []).map((n) => `${md(r.name)}: ${md(n)}`));

  const rotated = secrets.filter((s) => s.rotation.enabled);
  const fnByUrn = byUrn(estate.functions);
  const rotationTable = table(
    ['Secret', 'Schedule', 'Rotation function', 'Strategy'],
    secrets.map((s) => [
      code(s.name),
      md(rotationLabel(s)),
      s.rotation.functionUrn ? md(fnByUrn.get(s.rotation.functionUrn)?.name ?? s.rotation.functionUrn) : md(s.rotation.functionArn ?? (s.rotation.enabled ? 'unknown' : '')),
      md(s.rotationStrategy ?? ''),
    ]),
  );
  const rotationFns = [...new Set(rotated.map((s) => (s.rotation.functionUrn ? fnByUrn.get(s.rotation.functionUrn)?.name : undefined) ?? s.rotation.functionArn).filter((x): x is string => !!x))].sort();

  const topicLabel = (u: string) => {
    const t = topics.get(u);
    if (!t) return md(u);
    const subs = t.subscriptions.map((s) => `${md(s.protocol)}: ${md(s.endpoint)}`).join(', ');
    return `${md(t.name)}${subs ? ` (${subs})` : ''}`;
  };
  const trailTable = table(
    ['Trail', 'Multi-region', 'Log file validation', 'KMS key', 'Bucket', 'Audited events'],
    trails.map((t) => [
      `${md(t.name)}${fromStack(t)}`,
      String(t.multiRegion),
      String(t.logFileValidation),
      code(keyLabel(estate, t.keyUrn, t.kmsKeyId, 'S3-managed')),
      `${md(t.bucket ?? '')}${t.bucketPublicAccessBlocked === true ? ' (public access blocked)' : t.bucketPublicAccessBlocked === false ? ' (**public access not blocked**)' : ''}`,
      t.events.map(md).join('<br>'),
    ]),
  );
  const alarmTable = table(
    ['Alarm or rule', 'Watches', 'Metric or pattern', 'Notifies'],
    [
      ...alarms.map((a) => [`${md(a.name)}${fromStack(a)}`, a.watches, md([a.namespace, a.metricName].filter(Boolean).join(' / ')), a.topics.map(topicLabel).join('<br>') || 'nobody']),
      ...eventRules.map((r) => [`${md(r.name)}${fromStack(r)}`, r.watches, code(r.pattern ?? ''), r.topics.map(topicLabel).join('<br>') || 'nobody']),
    ],
  );

  const findings = [...input.findings].sort((a, b) => {
    const s = (f: Finding) => (f.status === 'not-met' ? 0 : f.status === 'met' ? 1 : 2);
    return s(a) - s(b) || SEVERITY_RANK[a.severity]! - SEVERITY_RANK[b.severity]! || (a.ruleId < b.ruleId ? -1 : 1);
  });
  const count = (st: string) => findings.filter((f) => f.status === st).length;
  const findingTable = table(
    ['Status', 'Severity', 'Control', 'Layer', 'Frameworks'],
    findings.map((f) => [
      STATUS_LABEL[f.status] ?? f.status,
      f.severity,
      `${md(f.title)} (${code(f.ruleId)})`,
      f.layer,
      md([...f.frameworks.soc2.map((x) => `SOC 2 ${x}`), ...f.frameworks.iso27001.map((x) => `ISO 27001 ${x}`), ...f.frameworks.gdpr.map((x) => `GDPR ${x}`)].join(', ')),
    ]),
  );
  const failing = findings
    .filter((f) => f.status === 'not-met')
    .map((f) => ({
      title: md(f.title),
      severity: f.severity,
      remediation: mdWithCode(f.remediation),
      subjects: f.subjects
        .filter((s) => s.status === 'not-met')
        .map((s) => `${code(s.name)}: ${md(s.detail)}`)
        .join('; '),
    }));

  const findingNotes = findings.flatMap((f) => {
    const note = findingNote(f);
    return note === undefined ? [] : [{ title: md(f.title), ruleId: code(f.ruleId), note: md(note) }];
  });

  const cost = input.cost;
  const costTable = table(
    ['Item', 'Quantity', 'Unit price (USD/month)', 'Monthly (USD)', 'Note'],
    (cost?.lines ?? []).map((l) => [md(l.item), String(l.quantity), usd(l.unitPrice), usd(l.monthly), md(l.note ?? '')]),
  );

  // Procedures and troubleshooting, from the estate's facts only.
  const procedures: { title: string; steps: string[] }[] = [];
  const troubleshooting: { issue: string; checks: string[] }[] = [];
  const deniedAlarms = [...alarms, ...eventRules].filter((a) => a.watches === 'access-denied');
  const rotationAlarms = [...alarms, ...eventRules].filter((a) => a.watches === 'rotation-failure');
  if (rotated.length > 0) {
    const example = rotated[0]!;
    procedures.push({
      title: 'Credential compromise: rotate immediately',
      steps: [
        `Start a rotation now: ${code(`aws secretsmanager rotate-secret --secret-id ${example.name}`)} (this stack rotates ${rotated.length} secret${rotated.length === 1 ? "" : "s"}).`,
        rotationFns.length ? `The rotation runs in ${rotationFns.map(code).join(', ')}; follow it in the function's CloudWatch log group.` : 'The rotation function is not known to this estate.',
        'Services pick the new AWSCURRENT version up when their cache expires; restart them to force it.',
      ],
    });
  }
  if (policies.length > 0) {
    procedures.push({
      title: 'Access revocation',
      steps: [
        `Detach or narrow the policy in the Pulumi program and deploy (${code(`pulumi up --stack ${stack}`)}); ${
          policies.length > MATRIX_MAX_ROLE_COLUMNS
            ? `this stack has ${policies.length} policies, listed under IAM policies above`
            : `the policies of this stack are ${policies.map((p) => md(p.name)).join(', ')}`
        }.`,
        'Regenerate these docs and check the access matrix above.',
      ],
    });
  }
  if (roles.length > 0 || deniedAlarms.length > 0) {
    troubleshooting.push({
      issue: 'Access denied',
      checks: [
        'Check the role in the access matrix above: both the IAM policy and, for SecureString parameters and secrets, the KMS key policy must allow it.',
        ...deniedAlarms.map((a) => `Alarm ${md(a.name)}${fromStack(a)} fires on denied calls and notifies ${a.topics.map(topicLabel).join(', ') || 'nobody'}.`),
        ...(trails.length ? [`The call is recorded by trail ${trails.map((t) => `${md(t.name)}${fromStack(t)}`).join(', ')}.`] : []),
      ],
    });
  }
  if (rotated.length > 0 || rotationAlarms.length > 0) {
    troubleshooting.push({
      issue: 'Rotation failures',
      checks: [
        ...(rotationFns.length ? [`Read the logs of ${rotationFns.map(code).join(', ')}.`] : []),
        ...rotationAlarms.map((a) => `${md(a.name)}${fromStack(a)} watches rotation failures and notifies ${a.topics.map(topicLabel).join(', ') || 'nobody'}.`),
        'A version left in AWSPENDING blocks the next rotation: check the secret versions (`aws secretsmanager list-secret-version-ids`).',
      ],
    });
  }

  return {
    project: md(summary.project),
    stack: md(stack),
    title: `${md(summary.project)} / ${md(stack)}: secrets and configuration architecture`,
    generatedFrom: md(sourceText(summary)),
    overview,
    hasReferences: summary.references.length > 0,
    references: summary.references.map(md).join(', '),
    diagrams,
    hasDiagrams: diagrams.length > 0,
    hasParameters: params.length > 0,
    parameterTree: parameterTree(estate, params),
    parameterTable,
    parameterSummary: [...typeCounts.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([t, n]) => `${n} ${t}`).join(', '),
    hasSecrets: secrets.length > 0,
    secretGroups,
    hasKeys: keys.length > 0,
    keyTable,
    hasPolicies: policies.length > 0,
    policyTable,
    hasRoles: roles.length > 0,
    roleTable,
    hasMatrix: roles.length > 0 && !matrix.empty,
    matrix,
    matrixIntro,
    accessNotes,
    hasAccessNotes: accessNotes.length > 0,
    hasRotation: secrets.length > 0,
    rotationTable,
    rotationFunctions: rotationFns.map(code).join(', '),
    hasTrails: trails.length > 0,
    trailTable,
    hasAlarms: alarms.length + eventRules.length > 0,
    alarmTable,
    hasFindings: findings.length > 0,
    findingSummary: `${count('not-met')} not met, ${count('met')} met, ${count('not-applicable')} not applicable`,
    findingTable,
    failing,
    hasFailing: failing.length > 0,
    findingNotes,
    hasFindingNotes: findingNotes.length > 0,
    hasCost: cost !== undefined && cost.lines.length > 0,
    costTable,
    costTotal: usd(cost?.total ?? 0),
    costPricesAsOf: md(cost?.pricesAsOf ?? ''),
    costAssumptions: (cost?.assumptions ?? []).map(md),
    hasProcedures: procedures.length > 0,
    procedures,
    hasTroubleshooting: troubleshooting.length > 0,
    troubleshooting,
  };
}

// ─── Index ───────────────────────────────────────────────────────────────────────────

const ENV_ORDER = ['dev', 'development', 'test', 'qa', 'uat', 'staging', 'stage', 'preprod', 'prod', 'production'];
function envSort(a: string, b: string): number {
  const ia = ENV_ORDER.indexOf(a);
  const ib = ENV_ORDER.indexOf(b);
  if (ia !== -1 || ib !== -1) return (ia === -1 ? 99 : ia) - (ib === -1 ? 99 : ib);
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The part of a parameter path or secret name after its environment segment. */
function relativeToEnv(name: string, env: string | undefined, sep: string): string | undefined {
  if (!env) return undefined;
  const parts = name.split(sep);
  const i = parts.indexOf(env);
  if (i === -1) return undefined;
  return parts.slice(i + 1).join(sep);
}

export interface IndexInput {
  readonly estate: Estate;
  readonly stacks: readonly string[];
  readonly findings: Readonly<Record<string, readonly Finding[]>>;
  readonly cost?: CostEstimate;
  /** Prefix of the links to the stack pages (`''` beside them; a relative path for `--inject`). */
  readonly linkBase?: string;
}

export function buildIndexModel(input: IndexInput): IndexModel {
  const { estate } = input;
  const summaries = estate.stacks.filter((s) => input.stacks.includes(s.stack));
  const stackTable = table(
    ['Stack', 'Environment', 'Source', 'Deployed at', 'Parameters', 'Secrets', 'Findings not met'],
    summaries.map((s) => {
      const f = input.findings[s.stack] ?? [];
      return [
        link(s.stack, `${input.linkBase ?? ''}${s.stack}/README.md`),
        md(s.environment ?? '—'),
        md(sourceText(s)),
        md(s.deployedAt ?? '—'),
        String(estate.parameters.filter((p) => p.stack === s.stack).length),
        String(estate.secrets.filter((p) => p.stack === s.stack).length),
        String(f.filter((x) => x.status === 'not-met').length),
      ];
    }),
  );
  const envs = [...new Set(summaries.map((s) => s.environment).filter((e): e is string => !!e))].sort(envSort);
  const stackSet = new Set(input.stacks);

  const paramCells = new Map<string, Map<string, string>>();
  for (const p of estate.parameters) {
    if (!stackSet.has(p.stack)) continue;
    const env = p.environment ?? summaries.find((s) => s.stack === p.stack)?.environment;
    const rel = relativeToEnv(p.path, env, '/');
    if (rel === undefined || !env || !envs.includes(env)) continue;
    const cell = p.type === 'SecureString' ? `SecureString (${keyLabel(estate, p.keyUrn, p.keyId, 'alias/aws/ssm')})` : p.type;
    if (!paramCells.has(rel)) paramCells.set(rel, new Map());
    paramCells.get(rel)!.set(env, cell);
  }
  const secretCells = new Map<string, Map<string, string>>();
  for (const s of estate.secrets) {
    if (!stackSet.has(s.stack)) continue;
    const env = s.environment ?? summaries.find((x) => x.stack === s.stack)?.environment;
    const rel = relativeToEnv(s.name, env, '/');
    if (rel === undefined || !env || !envs.includes(env)) continue;
    if (!secretCells.has(rel)) secretCells.set(rel, new Map());
    secretCells.get(rel)!.set(env, `${keyLabel(estate, s.keyUrn, s.keyId, 'aws/secretsmanager')}, ${rotationLabel(s)}`);
  }
  const parity = (cells: Map<string, Map<string, string>>) => {
    let differences = 0;
    const rows = [...cells.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([rel, byEnv]) => {
        const values = envs.map((e) => byEnv.get(e));
        const distinct = new Set(values.map((v) => v ?? '(missing)'));
        const differs = distinct.size > 1;
        if (differs) differences++;
        return [code(rel), ...values.map((v) => (v === undefined ? '—' : md(v))), differs ? '**differs**' : 'same'];
      });
    return { table: table(['Name (relative to the environment)', ...envs.map(md), 'Parity'], rows), differences };
  };
  const pp = parity(paramCells);
  const sp = parity(secretCells);
  const cost = input.cost;
  const first = summaries[0];
  return {
    project: md(first?.project ?? ''),
    title: `${md(first?.project ?? 'Estate')}: architecture documentation`,
    hasStacks: summaries.length > 0,
    stackTable,
    environments: envs.map(md).join(', '),
    hasParameterParity: envs.length > 0 && !pp.table.empty,
    parameterParity: pp.table,
    parameterDifferences: pp.differences,
    hasSecretParity: envs.length > 0 && !sp.table.empty,
    secretParity: sp.table,
    secretDifferences: sp.differences,
    hasCost: cost !== undefined && cost.lines.length > 0,
    costTable: table(
      ['Item', 'Quantity', 'Unit price (USD/month)', 'Monthly (USD)'],
      (cost?.lines ?? []).map((l) => [md(l.item), String(l.quantity), usd(l.unitPrice), usd(l.monthly)]),
    ),
    costTotal: usd(cost?.total ?? 0),
  };
}
