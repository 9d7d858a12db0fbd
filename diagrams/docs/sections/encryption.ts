/**
 * Encryption: the customer-managed keys the stack owns or uses, their aliases, rotation, regions,
 * and what each protects: every resource of the estate whose properties name the key, by type, with
 * how many of them are in this stack.
 */

import { code, md } from '../escape.ts';
import { table, type EncryptionSection } from '../model.ts';
import type { PageContext } from './context.ts';

/** `aws:ssm/parameter:Parameter` -> `ssm Parameter`; `aws-native:kms:Key` -> `kms Key (native)`. */
export function shortType(type: string): string {
  const m = /^([\w-]+):([\w-]+)(?:\/[\w-]+)?:(\w+)$/.exec(type);
  if (!m) return type;
  return `${m[2]} ${m[3]}${m[1] === 'aws-native' ? ' (native)' : m[1] !== 'aws' ? ` (${m[1]})` : ''}`;
}

export function encryptionSection(c: PageContext): EncryptionSection {
  const keys = c.store.keysUsedBy(c.stack).keys;
  const keyTable = table(
    ['Key', 'Stack', 'Aliases', 'Rotation', 'Multi-region / replicas', 'Protects'],
    keys.map((k) => {
      let here = 0;
      const parts = k.protects.map((p) => {
        for (const u of p.urns) if (c.store.find(u)?.stack === c.stack || u.startsWith(`urn:pulumi:${c.summary.stack}::${c.summary.project}::`)) here++;
        return `${p.urns.length} ${shortType(p.type)}`;
      });
      const protects = parts.length === 0 ? 'nothing in the loaded stacks' : `${parts.join(', ')}${here > 0 ? ` (${here} in this stack)` : ' (none in this stack)'}`;
      return [
        md(k.name),
        md(k.stack),
        k.aliases.map((a) => code(a)).join('<br>') || 'none',
        k.rotationEnabled === 'unknown' ? 'unknown' : k.rotationEnabled ? `enabled${k.rotationPeriodDays ? `, every ${k.rotationPeriodDays} d` : ' (annual)'}` : '**disabled**',
        `${k.multiRegion ? 'multi-region' : 'single-region'}${k.replicas.length ? `; replicas in ${md(k.replicas.map((r) => r.region ?? r.stack).join(', '))}` : ''}`,
        md(protects),
      ];
    }),
  );
  return {
    hasKeys: keys.length > 0,
    keyTable,
    keyIntro: 'Customer-managed KMS keys this stack owns or uses, and every resource of the loaded stacks that names each key (by ARN, id or alias).',
  };
}
