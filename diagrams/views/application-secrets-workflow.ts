/**
 * View 3, application_secrets_workflow: "What does each service load, when, and how does a
 * rotation reach it?" One lane per service: role -> startup loads (parameter prefixes, by path)
 * -> runtime reads (secrets through a TTL cache), with the keys each decrypts with; a rotation
 * path from the rotation function to the caches of the services that read rotating secrets.
 */

import type { Parameter, Role, RoleAccess, Secret } from '../estate/model.ts';
import { CACHE_TTL_LABEL, commonPrefix, keyName, listWithMore, lookup, roleService, stackLabel, type Lookup } from './common.ts';
import { byString, clip, D2Text, Ids, plural, q } from './d2text.ts';
import { roleLabel } from './parameter-store-hierarchy.ts';
import { compose, trustClass, type LegendEntry } from './style.ts';
import type { View, ViewInput } from './types.ts';

/** Past this many lanes, the rest are summarised in one box. */
const MAX_LANES = 10;
const MAX_LINES = 6;

interface Lane {
  readonly id: string;
  readonly title: string;
  readonly roles: readonly Role[];
}

export function applicationSecretsWorkflow(input: ViewInput): View {
  const { estate, stack } = input;
  const env = stackLabel(estate, stack);
  const title = `What does each ${env} service load, when, and how does a rotation reach it?`;
  const purpose = `For each service of ${env}: its role, the configuration it loads at startup, the secrets it reads at runtime through a cache, and how a rotation reaches it.`;
  const l = lookup(estate);
  const params = estate.parameters.filter((p) => p.stack === stack);
  const secrets = estate.secrets.filter((s) => s.stack === stack);
  const paramByUrn = new Map(params.map((p) => [p.urn, p]));
  const secretByUrn = new Map(secrets.map((s) => [s.urn, s]));
  const rotationRoles = new Set(estate.functions.filter((f) => f.purpose === 'rotation' && f.roleUrn).map((f) => f.roleUrn!));
  const secretPrefix = commonPrefix(secrets.map((s) => s.name));
  const relSecret = (s: Secret): string => (s.name.startsWith(secretPrefix) ? s.name.slice(secretPrefix.length) : s.name) || s.name;

  const touches = (a: RoleAccess | undefined): boolean =>
    !!a &&
    (a.parameterPrefixes.some((g) => params.some((p) => p.path.startsWith(g.prefix))) ||
      a.parameters.some((e) => paramByUrn.has(e.resourceUrn)) ||
      a.secretValues.some((e) => secretByUrn.has(e.resourceUrn)) ||
      a.secretMetadata.some((e) => secretByUrn.has(e.resourceUrn)));
  const roles = estate.roles.filter((r) => !rotationRoles.has(r.urn) && touches(l.accessByRole.get(r.urn)));

  const t = new D2Text();
  if (roles.length === 0) {
    t.line(`empty: ${q(`No role reads ${env}'s parameters or secrets in this estate.`)} { class: note; icon: \${icon_iam} }`);
    return { name: 'application_secrets_workflow', title, purpose, d2: compose({ title, direction: 'right', layout: 'dagre' }, t) };
  }

  // Lanes: one per service (its roles), then one per role without a service.
  const laneIds = new Ids('lane_');
  const byService = new Map<string, { name: string; roles: Role[] }>();
  const loose: Role[] = [];
  for (const r of roles) {
    const svc = roleService(estate, l, r);
    if (!svc) {
      loose.push(r);
      continue;
    }
    const key = `${svc.stack}\u0000${svc.id}`;
    const cur = byService.get(key) ?? { name: svc.name, roles: [] };
    cur.roles.push(r);
    byService.set(key, cur);
  }
  const lanes: Lane[] = [
    ...[...byService.values()].sort(byString((s) => s.name)).map((s) => ({ id: laneIds.id(s.name), title: s.name, roles: s.roles })),
    ...loose.sort(byString((r) => r.name)).map((r) => ({ id: laneIds.id(r.name), title: r.name, roles: [r] })),
  ];
  const shown = lanes.length > MAX_LANES ? lanes.slice(0, MAX_LANES - 1) : lanes;
  const hidden = lanes.slice(shown.length);

  const legendEntries: LegendEntry[] = [];
  const notes: string[] = [];
  const edges: string[] = [];
  const rotatingReaders: string[] = [];

  // The lanes sit in one grid (two columns) so that many services do not make one tall column;
  // edges stay inside each lane, and the rotation reaches the grid as a whole.
  t.block(`services: ${q('Services')}`, (sv) => {
  sv.line('class: group');
  sv.line(`grid-columns: ${shown.length + (lanes.length > shown.length ? 1 : 0) > 2 ? 2 : 1}`);
  sv.line('grid-gap: 20');
  for (const lane of shown) {
    sv.block(`${lane.id}: ${q(lane.title)}`, (b) => {
      b.line('class: lane');
      const roleIds = new Ids('role_');
      for (const role of lane.roles) {
        legendEntries.push({ cls: trustClass(role.trust.kind) });
        const rid = roleIds.id(role.name);
        b.line(`${rid}: ${q(roleLabel(estate, l, role, stack).split('\n').slice(lane.roles.length > 1 ? 0 : 1).join('\n'))} { class: ${trustClass(role.trust.kind)} }`);
        const a = l.accessByRole.get(role.urn)!;
        const startup = startupLines(a, params, l, role);
        const runtime = runtimeLines(a, secretByUrn, relSecret, l);
        const sid = `${rid}_startup`;
        const tid = `${rid}_runtime`;
        if (startup) {
          b.line(`${sid}: ${q(startup.text)} { class: ${startup.secure ? 'param-securestring' : 'param-string'} }`);
          b.line(`${rid} -> ${sid}: ${q(role.trust.kind === 'ci-build' ? 'at build time' : 'at startup')}`);
          legendEntries.push({ cls: startup.secure ? 'param-securestring' : 'param-string' });
        }
        if (runtime) {
          const refresh = runtime.rotating ? '\nre-read after a rotation when the cache expires' : '';
          b.line(`${tid}: ${q(runtime.text + refresh)} { class: ${runtime.values ? 'secret-application' : 'secret-other'} }`);
          b.line(`${rid} -> ${tid}: ${q(runtime.values ? 'at runtime' : 'metadata only')}`);
          if (runtime.rotating) rotatingReaders.push(lane.title);
        }
        if (role.trust.kind === 'ci-build' && !runtime && !(startup?.secure ?? false)) {
          b.line(`${rid}_note: ${q('gets only non-secret configuration,\nbaked into the build')} { class: note }`);
        }
      }
    });
  }
  if (hidden.length) {
    sv.line(`more_lanes: ${q(`+ ${plural(hidden.length, 'more service')}\n${listWithMore(hidden.map((h) => h.title), 4).join(', ')}`)} { class: group }`);
    notes.push(`${plural(lanes.length, 'service')}: the first ${shown.length} are drawn, the rest summarised`);
  }
  });

  // Rotation path.
  const rotFns = estate.functions.filter((f) => f.purpose === 'rotation' && secrets.some((s) => s.rotation.functionUrn === f.urn));
  if (rotFns.length && rotatingReaders.length) {
    t.block(`rotation: ${q('Rotation')}`, (b) => {
      b.line('class: group');
      b.line('icon: ${icon_lambda}');
      for (const f of rotFns.sort(byString((f) => f.name))) b.line(`${laneIds.id(`fn:${f.urn}`)}: ${q(clip(f.name, 40))} { class: function }`);
      b.line(`current: ${q('new version\nbecomes AWSCURRENT')} { class: step }`);
      for (const f of rotFns) b.line(`${laneIds.id(`fn:${f.urn}`)} -> current: ${q('finishSecret')}`);
    });
    const who = listWithMore([...new Set(rotatingReaders)].sort(), 4).join(', ');
    edges.push(`rotation.current -> services: ${q(`caches expire, new value read\nwithin ${CACHE_TTL_LABEL.replace('TTL ', '')}: ${who}`)} { style.stroke-dash: 4 }`);
    legendEntries.push({ cls: 'function' });
  }
  legendEntries.push({ cls: 'secret-application', text: 'runtime secret reads' });
  legendEntries.push({ cls: 'note', text: 'note' });
  for (const e of edges) t.line(e);
  const d2 = compose(
    {
      title,
      direction: 'down',
      layout: 'elk',
      legend: legendEntries.filter((e) => e.cls !== 'note'),
      notes: [`secrets are read through a client cache (${CACHE_TTL_LABEL}, the seed's SecretCache default); dashed: a rotation reaches the cache`, ...notes],
    },
    t,
  );
  return { name: 'application_secrets_workflow', title, purpose, d2 };
}

function startupLines(a: RoleAccess, params: readonly Parameter[], l: Lookup, role: Role): { text: string; secure: boolean } | undefined {
  const prefixes = a.parameterPrefixes.filter((g) => params.some((p) => p.path.startsWith(g.prefix))).sort(byString((g) => g.prefix));
  const covered = new Set(params.filter((p) => prefixes.some((g) => p.path.startsWith(g.prefix))).map((p) => p.urn));
  const singles = a.parameters.filter((e) => !covered.has(e.resourceUrn) && params.some((p) => p.urn === e.resourceUrn));
  if (!prefixes.length && !singles.length) return undefined;
  const reached = params.filter((p) => covered.has(p.urn) || singles.some((e) => e.resourceUrn === p.urn));
  const secure = reached.filter((p) => p.type === 'SecureString');
  const byPath = prefixes.filter((g) => g.byPath);
  const lines: string[] = [];
  lines.push(byPath.length ? 'GetParametersByPath' : 'GetParameter');
  lines.push(...listWithMore([...prefixes.map((g) => g.prefix), ...(singles.length ? [plural(singles.length, 'single parameter')] : [])], MAX_LINES));
  const keys = new Set<string>();
  for (const ka of a.keys) {
    const k = l.keyByUrn.get(ka.resourceUrn);
    if (k && secure.some((p) => p.keyUrn === k.urn)) keys.add(shortKey(l, keyName(k)));
  }
  lines.push(`${plural(reached.length, 'parameter')}${secure.length ? `, ${secure.length} SecureString` : ''}`);
  if (keys.size) lines.push(`decrypts with ${[...keys].sort().join(', ')}`);
  else if (secure.length) lines.push('SecureStrings: no kms:Decrypt found');
  void role;
  return { text: lines.join('\n'), secure: secure.length > 0 };
}

function runtimeLines(
  a: RoleAccess,
  secretByUrn: ReadonlyMap<string, Secret>,
  rel: (s: Secret) => string,
  l: Lookup,
): { text: string; values: boolean; rotating: boolean } | undefined {
  const values = a.secretValues.map((e) => secretByUrn.get(e.resourceUrn)).filter((s): s is Secret => !!s);
  if (values.length) {
    const keys = new Set<string>();
    for (const ka of a.keys) {
      const k = l.keyByUrn.get(ka.resourceUrn);
      if (k && values.some((s) => s.keyUrn === k.urn)) keys.add(shortKey(l, keyName(k)));
    }
    const lines = [`GetSecretValue (cached, ${CACHE_TTL_LABEL})`, ...listWithMore(values.map(rel).sort(), MAX_LINES)];
    if (keys.size) lines.push(`decrypts with ${listWithMore([...keys].sort(), 3).join(', ')}`);
    return { text: lines.join('\n'), values: true, rotating: values.some((s) => s.rotation.enabled) };
  }
  const meta = a.secretMetadata.map((e) => secretByUrn.get(e.resourceUrn)).filter((s): s is Secret => !!s);
  if (meta.length) {
    return { text: `DescribeSecret, ListSecretVersionIds\non ${plural(meta.length, 'secret')}: no values`, values: false, rotating: false };
  }
  return undefined;
}

/** A key name without the prefix all the estate's keys share (`mono-repo-`), for narrow boxes. */
function shortKey(l: Lookup, name: string): string {
  const names = [...l.keyByUrn.values()].map(keyName);
  const p = commonPrefix(names, '-');
  return names.length > 1 && p && name.startsWith(p) && name.length > p.length ? name.slice(p.length) : name;
}
