/**
 * View 2, secrets_manager_integration: "How are <env>'s secrets stored, protected and rotated?"
 * Secret groups (database, application, service) -> the rotation function and its lifecycle strip;
 * groups -> the KMS keys that encrypt them (one edge per group and key, not per secret).
 */

import type { KmsKey, LambdaFunction, Secret, SecretCategory } from '../estate/model.ts';
import {
  commonPrefix,
  intervalLabel,
  keyIdName,
  keyName,
  lookup,
  MAX_LEAVES_PER_FOLDER,
  outsideKeyFacts,
  roleService,
  servedLabel,
} from './common.ts';
import { byString, clip, D2Text, gridColumns, Ids, plural, q } from './d2text.ts';
import { compose, legendBlock, SECRET_CATEGORY_LABEL, secretClass, TRUST_LABEL, type LegendEntry } from './style.ts';
import type { View, ViewInput } from './types.ts';
import { isAwsManagedKeyId } from '../estate/store.ts';

const CATEGORY_ORDER: readonly SecretCategory[] = ['database', 'application', 'service', 'other'];

interface Box {
  readonly id: string;
  readonly label: string;
  readonly aggregated: boolean;
}

function secretFacts(s: Secret, showKey: boolean, keyLabel: string): string {
  const parts: string[] = [];
  parts.push(s.rotation.enabled ? intervalLabel([s.rotation.intervalDays]) : 'NOT rotated');
  if (showKey) parts.push(`key ${keyLabel}`);
  if (s.replicas.length) parts.push(`replica ${s.replicas.map((r) => r.region).join(', ')}`);
  return parts.join(' · ');
}

export function secretsManagerIntegration(input: ViewInput): View {
  const { estate, stack } = input;
  const secrets = lookup(estate).store.inStack(estate.secrets, stack).sort(byString((s) => s.name));
  const l = lookup(estate);
  const env = servedLabel(l.store, stack, secrets);
  const title = `How are the secrets of ${env} stored, protected and rotated?`;
  const purpose = `The Secrets Manager secrets of ${env} by category, the KMS keys that encrypt them, and the rotation function with its lifecycle.`;
  const t = new D2Text();
  if (secrets.length === 0) {
    return { name: 'secrets_manager_integration', title, purpose, d2: undefined, absent: `Stack ${stack} has no Secrets Manager secrets; this diagram would show them by category with their keys and rotation.` };
  }
  const prefix = commonPrefix(secrets.map((s) => s.name));
  const rel = (name: string): string => (name.startsWith(prefix) ? name.slice(prefix.length) : name) || name;
  const legendEntries: LegendEntry[] = [];
  const notes: string[] = [];

  // Keys.
  const keyIds = new Ids('k_');
  interface KeyUse {
    key?: KmsKey;
    keyId?: string;
    name: string;
    id: string;
  }
  const keys = new Map<string, KeyUse>();
  const keyOf = (s: Secret): KeyUse => {
    const k = s.keyUrn ? l.keyByUrn.get(s.keyUrn) : undefined;
    // The AWS-managed key, however the secret names it (no key id, the alias, its ARN): one key.
    const id = k ? k.urn : s.keyId === undefined || s.keyId === '' || isAwsManagedKeyId(s.keyId) ? 'aws-managed' : `id:${s.keyId}`;
    let use = keys.get(id);
    if (!use) {
      use = { ...(k ? { key: k } : {}), ...(s.keyId !== undefined ? { keyId: s.keyId } : {}), name: k ? keyName(k) : keyIdName(s.keyId, 'aws/secretsmanager'), id: keyIds.id(id) };
      keys.set(id, use);
    }
    return use;
  };
  const keyContainer = (u: KeyUse): string => (u.key && u.key.stack !== stack ? `from_${u.key.stack.replace(/[^A-Za-z0-9]/g, '_')}` : 'keys');

  // Rotation functions.
  const fnByUrn = new Map<string, LambdaFunction>(estate.functions.map((f) => [f.urn, f]));
  const fnIds = new Ids('fn_');
  interface FnUse {
    fn?: LambdaFunction;
    label: string;
    id: string;
  }
  const fns = new Map<string, FnUse>();
  const fnOf = (s: Secret): FnUse | undefined => {
    if (!s.rotation.enabled) return undefined;
    const f = s.rotation.functionUrn ? fnByUrn.get(s.rotation.functionUrn) : undefined;
    const id = f ? f.urn : `arn:${s.rotation.functionArn ?? 'unknown'}`;
    let use = fns.get(id);
    if (!use) {
      const name = f ? f.name : (s.rotation.functionArn?.split(':').pop() ?? 'rotation function (unknown)');
      const role = f?.roleUrn ? l.roleByUrn.get(f.roleUrn) : undefined;
      const lines = [clip(name, 40)];
      if (f?.runtime) lines.push(f.runtime);
      if (role) lines.push(`${TRUST_LABEL[role.trust.kind]} ${clip(role.name, 34)}`);
      use = { ...(f ? { fn: f } : {}), label: lines.join('\n'), id: fnIds.id(id) };
      fns.set(id, use);
    }
    return use;
  };

  const edges: string[] = [];
  const groupIds = new Ids('g_');
  const cats = CATEGORY_ORDER.filter((c) => secrets.some((s) => s.category === c));
  let aggregatedAny = false;
  for (const cat of cats) {
    const list = secrets.filter((s) => s.category === cat);
    legendEntries.push({ cls: secretClass(cat) });
    const gid = groupIds.id(cat);
    const keyUses = [...new Map(list.map((s) => [keyOf(s).id, keyOf(s)])).values()].sort(byString((k) => k.name));
    const showKey = keyUses.length > 1;
    let boxes: Box[];
    if (list.length <= MAX_LEAVES_PER_FOLDER) {
      const ids = new Ids('s_');
      boxes = list.map((s) => ({
        id: ids.id(rel(s.name)),
        label: `${clip(rel(s.name), 38)}\n${secretFacts(s, showKey, keyOf(s).name)}`,
        aggregated: false,
      }));
    } else {
      aggregatedAny = true;
      const bySeg = new Map<string, Secret[]>();
      for (const s of list) {
        const r = rel(s.name);
        const seg = r.includes('/') ? `${r.split('/')[0]}/` : '(top level)';
        bySeg.set(seg, [...(bySeg.get(seg) ?? []), s]);
      }
      const segs = [...bySeg.keys()].sort();
      const keep = segs.length > MAX_LEAVES_PER_FOLDER ? segs.slice(0, MAX_LEAVES_PER_FOLDER - 1) : segs;
      const ids = new Ids('a_');
      boxes = keep.map((seg) => {
        const ss = bySeg.get(seg)!;
        return {
          id: ids.id(seg),
          label: `${seg}\n${plural(ss.length, 'secret')} · ${intervalLabel(ss.map((s) => s.rotation.intervalDays))}`,
          aggregated: true,
        };
      });
      if (keep.length < segs.length) {
        const rest = segs.slice(keep.length).flatMap((sg) => bySeg.get(sg)!);
        boxes.push({ id: 'a_more', label: `+ ${plural(segs.length - keep.length, 'more prefix', 'more prefixes')}\n${plural(rest.length, 'secret')}`, aggregated: true });
      }
    }
    const unrotated = list.filter((s) => !s.rotation.enabled).length;
    const head = `${SECRET_CATEGORY_LABEL[cat]} (${list.length})${unrotated ? ` · ${unrotated} NOT rotated` : ''}`;
    t.block(`${gid}: ${q(head)}`, (b) => {
      b.line(`class: group`);
      b.line(`grid-columns: ${gridColumns(boxes.length, 3)}`);
      b.line('grid-gap: 10');
      for (const x of boxes) b.line(`${x.id}: ${q(x.label)} { class: ${x.aggregated ? 'secret-aggregate' : secretClass(cat)} }`);
    });
    for (const k of keyUses) {
      const n = list.filter((s) => keyOf(s).id === k.id).length;
      edges.push(`${gid} -> ${keyContainer(k)}.${k.id}: ${q(n === list.length ? 'encrypted by' : `${n} encrypted by`)}`);
    }
    const byFn = new Map<string, { use: FnUse; days: (number | undefined)[] }>();
    for (const s of list) {
      const f = fnOf(s);
      if (!f) continue;
      const cur = byFn.get(f.id) ?? { use: f, days: [] };
      cur.days.push(s.rotation.intervalDays);
      byFn.set(f.id, cur);
    }
    for (const { days } of [...byFn.values()].sort(byString((x) => x.use.id))) {
      edges.push(`${gid} -> rotation: ${q(`rotates ${intervalLabel(days)}`)}`);
    }
  }
  if (aggregatedAny) {
    legendEntries.push({ cls: 'secret-aggregate' });
    notes.push(`groups of more than ${MAX_LEAVES_PER_FOLDER} secrets are drawn by name prefix with counts`);
  }

  // Rotation machinery, once.
  if (fns.size) {
    t.block(`rotation: ${q('Rotation')}`, (b) => {
      b.line('class: group');
      b.line('icon: ${icon_lambda}');
      // A one-column grid: the function(s) above the lifecycle strip (ELK ignores a container's
      // own direction).
      b.line('grid-columns: 1');
      b.line('vertical-gap: 50');
      for (const f of [...fns.values()].sort(byString((f) => f.id))) {
        b.line(`${f.id}: ${q(f.label)} { class: function }`);
      }
      b.block(`lifecycle: ${q('Each rotation (version stages)')}`, (c) => {
        c.line('class: group');
        c.line('style.font-size: 15');
        c.line('grid-rows: 1');
        c.line('grid-gap: 30');
        c.line(`create: ${q('createSecret\nnew version\nAWSPENDING')} { class: step }`);
        c.line(`set: ${q('setSecret\nin the database\nor service')} { class: step }`);
        c.line(`test: ${q('testSecret\nlog in with\nAWSPENDING')} { class: step }`);
        c.line(`finish: ${q('finishSecret\nAWSPENDING\n→ AWSCURRENT')} { class: step }`);
        c.line(`retire: ${q('old version\nretired\n→ AWSPREVIOUS')} { class: step }`);
        c.line('create -> set -> test -> finish -> retire');
      });
      for (const f of [...fns.values()].sort(byString((f) => f.id))) b.line(`${f.id} -> lifecycle: ${q('runs each step')}`);
    });
    legendEntries.push({ cls: 'function' });
    // Which roles can re-stage secrets (besides the function's own role): shown as a note.
    const writing = l.store.principalsWith(secrets.map((s) => s.urn), ['secret-write']);
    const writers = estate.access
      .filter((a) => writing.has(a.principal))
      .map((a) => l.roleByUrn.get(a.principal))
      .filter((r): r is NonNullable<typeof r> => r !== undefined)
      .map((r) => roleService(estate, l, r)?.name ?? r.name);
    if (writers.length) notes.push(`can write or re-stage secret versions: ${[...new Set(writers)].sort().join(', ')}`);
  } else {
    t.line(`rotation: ${q('No rotation function: no secret rotates automatically')} { class: warn }`);
  }

  // Keys.
  const keyGroups = new Map<string, KeyUse[]>();
  for (const k of keys.values()) keyGroups.set(keyContainer(k), [...(keyGroups.get(keyContainer(k)) ?? []), k]);
  for (const [container, list] of [...keyGroups].sort(byString(([c]) => c))) {
    const external = container !== 'keys';
    const stackName = list[0]!.key?.stack ?? '';
    t.block(`${container}: ${q(external ? `KMS keys from stack ${stackName}` : 'KMS keys')}`, (b) => {
      b.line(`class: ${external ? 'external' : 'group'}`);
      b.line('icon: ${icon_kms}');
      for (const k of list.sort(byString((k) => k.name))) {
        const facts = k.key
          ? [
              k.key.rotationEnabled === true ? `rotation every ${k.key.rotationPeriodDays ?? 365} d` : k.key.rotationEnabled === 'unknown' ? 'rotation unknown' : 'NO key rotation',
              k.key.multiRegion ? `multi-region${k.key.replicas.length ? ` + ${k.key.replicas.map((r) => r.region ?? '?').join(', ')}` : ''}` : '',
            ]
              .filter(Boolean)
              .join(' · ')
          : outsideKeyFacts(k.keyId);
        // An AWS-managed key's name already says so.
        const label = k.name.endsWith('(AWS managed)') && facts === 'AWS-managed key' ? k.name : `${k.name}\n${facts}`;
        b.line(`${k.id}: ${q(label)} { class: key }`);
      }
    });
  }
  legendEntries.push({ cls: 'key' });
  for (const e of edges.sort()) t.line(e);

  notes.unshift(prefix ? `${plural(secrets.length, 'secret')} under ${prefix}` : secrets.length === 1 ? '1 secret' : `${secrets.length} secrets, no common prefix`);
  legendBlock(t, 'legend', { legend: legendEntries, notes, noteWidth: 40 });
  const d2 = compose({ title, direction: 'right', layout: 'elk', pad: 20 }, t);
  return { name: 'secrets_manager_integration', title, purpose, d2 };
}
