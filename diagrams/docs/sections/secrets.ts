/**
 * Secrets: the stack's Secrets Manager secrets by category (inline, or past the page limit counts by
 * category and `secrets.csv` beside the page), and the secrets held elsewhere: Lambda and ECS
 * environments, database passwords in the program, Kubernetes Secrets, generated values and
 * plain text in the state, each with where it is (never what).
 */

import type { Secret } from '../../estate/model.ts';
import { code, md } from '../escape.ts';
import { attach, AWS_KEY, CATEGORY_LABEL, CATEGORY_ORDER, csv, keyLabel, NO_ATTACHMENT, rotationLabel } from '../format.ts';
import { table, type SecretsSection } from '../model.ts';
import type { PageContext } from './context.ts';

const EXPOSURE_LABEL: Readonly<Record<string, string>> = {
  'lambda-environment': 'Lambda environment',
  'ecs-environment': 'ECS container environment',
  'database-password': 'database password in the program',
  'kubernetes-secret': 'Kubernetes Secret',
  'random-value': 'generated value in the state',
  'plaintext-in-state': 'plain text in the state file',
};

export function secretsSection(c: PageContext): SecretsSection {
  const secrets = c.mine(c.estate.secrets);
  const keyOf = (s: Secret): string => keyLabel(c.store, s.keyUrn, s.keyId, AWS_KEY.secretsmanager);
  const inline = secrets.length <= c.pageRows;
  const row = (s: Secret): string[] => [
    code(s.name),
    code(keyOf(s)),
    md(rotationLabel(s)),
    s.replicas.length ? md(s.replicas.map((r) => r.region).join(', ')) : 'none',
    s.recoveryWindowDays !== undefined ? `${s.recoveryWindowDays} d` : 'default (30 d)',
    s.policy === undefined ? 'none' : 'yes',
  ];
  const headers = ['Secret', 'KMS key', 'Rotation', 'Replicas', 'Recovery window', 'Resource policy'];
  const secretGroups = inline
    ? CATEGORY_ORDER.map((cat) => ({ label: CATEGORY_LABEL[cat], table: table(headers, secrets.filter((s) => s.category === cat).map(row)) })).filter((g) => !g.table.empty)
    : [
        {
          label: 'By category',
          table: table(
            ['Category', 'Secrets', 'Rotated', 'With a resource policy'],
            CATEGORY_ORDER.map((cat) => {
              const xs = secrets.filter((s) => s.category === cat);
              return [CATEGORY_LABEL[cat], String(xs.length), String(xs.filter((s) => s.rotation.enabled).length), String(xs.filter((s) => s.policy !== undefined).length)];
            }).filter((r) => r[1] !== '0'),
          ),
        },
      ];
  const secretsCsv = inline
    ? NO_ATTACHMENT
    : attach(
        c.attachments,
        'secrets.csv',
        csv(
          ['name', 'category', 'kms_key', 'rotation', 'replicas', 'recovery_window_days', 'resource_policy', 'environment'],
          secrets.map((s) => [s.name, s.category, keyOf(s), rotationLabel(s), s.replicas.map((r) => r.region).join(' '), s.recoveryWindowDays ?? '', s.policy ? 'yes' : 'no', c.store.environmentOf(s) ?? '']),
        ),
        `All ${secrets.length} secrets, with key, rotation, replicas and resource policy`,
      );
  const exposures = c.mine(c.estate.exposures);
  return {
    hasSecrets: secrets.length > 0,
    secretGroups,
    secretsCsv,
    hasExposures: exposures.length > 0,
    exposureTable: table(
      ['Resource', 'Type', 'Where', 'What'],
      exposures.slice(0, c.pageRows).map((e) => [md(e.name), code(e.type), `${md(EXPOSURE_LABEL[e.kind] ?? e.kind)}: ${code(e.path)}`, md(e.detail)]),
    ),
  };
}
