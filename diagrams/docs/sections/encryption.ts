/**
 * Encryption: the customer-managed keys the stack owns or uses, their aliases, rotation, regions,
 * and what each protects: every resource of the estate whose properties name the key, by type, with
 * how many of them are in this stack. Then the AWS-managed keys the stack's SecureStrings and
 * secrets use, and the keys its resources name that no loaded stack defines.
 */

import { compareStrings, plural } from '../../util/collections.ts';
import { code, md } from '../escape.ts';
import { AWS_KEY, awsManagedKey } from '../format.ts';
import { table, type EncryptionSection } from '../model.ts';
import type { PageContext } from './context.ts';

/** `aws:ssm/parameter:Parameter` -> `ssm Parameter`; `aws-native:kms:Key` -> `kms Key (native)`. */
export function shortType(type: string): string {
  const m = /^([\w-]+):([\w-]+)(?:\/[\w-]+)?:(\w+)$/.exec(type);
  if (!m) return type;
  return `${m[2]} ${m[3]}${m[1] === 'aws-native' ? ' (native)' : m[1] !== 'aws' ? ` (${m[1]})` : ''}`;
}

/** `alias/aws/ssm (2 SecureString parameters), ...` for the stack's SecureStrings and secrets on AWS-managed keys. */
function awsManagedUse(c: PageContext): string {
  const uses = new Map<string, { parameters: number; secrets: number }>();
  const use = (key: string | undefined, kind: 'parameters' | 'secrets'): void => {
    if (key === undefined) return;
    const u = uses.get(key) ?? uses.set(key, { parameters: 0, secrets: 0 }).get(key)!;
    u[kind]++;
  };
  for (const p of c.mine(c.estate.parameters)) if (p.type === 'SecureString') use(awsManagedKey(c.store, p.keyUrn, p.keyId, AWS_KEY.ssm), 'parameters');
  for (const s of c.mine(c.estate.secrets)) use(awsManagedKey(c.store, s.keyUrn, s.keyId, AWS_KEY.secretsmanager), 'secrets');
  return [...uses.entries()]
    .sort(([a], [b]) => compareStrings(a, b))
    .map(([k, u]) => `${code(k)} (${[u.parameters ? plural(u.parameters, 'SecureString parameter') : '', u.secrets ? plural(u.secrets, 'secret') : ''].filter(Boolean).join(', ')})`)
    .join(', ');
}

export function encryptionSection(c: PageContext): EncryptionSection {
  const scope = c.store.keysUsedBy(c.stack);
  const keys = scope.keys;
  const keyTable = table(
    ['Key', 'Stack', 'Aliases', 'Rotation', 'Multi-region / replicas', 'Protects'],
    keys.map((k) => {
      const here = c.store.protectedInStack(k, c.stack);
      const parts = k.protects.map((p) => `${p.urns.length} ${shortType(p.type)}`);
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
  const managed = awsManagedUse(c);
  const unresolved = scope.unresolved.map((k) => code(k)).join(', ');
  return {
    hasKeys: keys.length > 0,
    keyTable,
    keyIntro: 'Customer-managed KMS keys this stack owns or uses, and every resource of the loaded stacks that names each key (by ARN, id or alias).',
    noKeys: 'No customer-managed KMS key in or used by this stack.',
    awsManagedKeys: managed ? `AWS-managed keys (their key policy is AWS's: any principal of the account may use them through the service): ${managed}.` : '',
    unresolvedKeys: [
      unresolved ? `Keys named by ${plural(scope.unresolvedUsers, 'resource')} of this stack that no loaded stack defines (their rotation, policy and replicas are not known here): ${unresolved}.` : '',
      scope.unknownUsers ? `${scope.unknownUsers === 1 ? '1 resource' : `${scope.unknownUsers} resources`} of this stack name a key whose id is not known before deployment (it may be any key, this stack's own or AWS-managed included).` : '',
    ]
      .filter(Boolean)
      .join(' '),
  };
}
