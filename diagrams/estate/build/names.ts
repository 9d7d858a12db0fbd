/**
 * Names derived from names: a display name from a slug, a slug from a name, a secret's category from
 * its tags and name, and a service from a role name.
 */

import type { SecretCategory } from '../model.ts';
import { tag } from '../props.ts';

const KNOWN_WORDS: Readonly<Record<string, string>> = {
  api: 'API', ci: 'CI', cd: 'CD', db: 'DB', rds: 'RDS', iam: 'IAM', kms: 'KMS', ssm: 'SSM', eks: 'EKS', ec2: 'EC2',
  aws: 'AWS', sns: 'SNS', sqs: 'SQS', jwt: 'JWT', etl: 'ETL', ui: 'UI', id: 'ID', s3: 'S3', ecs: 'ECS', ml: 'ML', bi: 'BI',
};

/** `risk-api` -> `Risk API`, `web-app` -> `Web App`. */
export function displayName(slug: string): string {
  return slug
    .split(/[-_\s.]+/)
    .filter((w) => w !== '')
    .map((w) => KNOWN_WORDS[w.toLowerCase()] ?? w.charAt(0).toUpperCase() + w.slice(1))
    .join(' ');
}

export function slugify(s: string): string {
  return s
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

const CATEGORY_WORDS: readonly [SecretCategory, ReadonlySet<string>][] = [
  ['database', new Set(['rds', 'db', 'database', 'databases', 'postgres', 'postgresql', 'mysql', 'aurora', 'mariadb', 'redshift', 'mongo', 'mongodb'])],
  ['application', new Set(['api', 'encryption', 'jwt', 'app', 'application', 'oauth', 'signing'])],
  ['service', new Set(['airflow', 'dash', 'dashboard', 'monitoring', 'service', 'services', 'svc', 'grafana', 'datadog', 'sentry', 'slack', 'smtp', 'webhook', 'analytics'])],
];

function categoryOfWords(words: readonly string[]): SecretCategory | undefined {
  for (const w of words) for (const [cat, set] of CATEGORY_WORDS) if (set.has(w)) return cat;
  return undefined;
}

/** Secret category from a `Category` tag, else from the name. */
export function secretCategory(name: string, tags: Readonly<Record<string, string>>, knownEnvs: ReadonlySet<string>): SecretCategory {
  const t = tag(tags, 'Category')?.toLowerCase();
  if (t === 'database' || t === 'application' || t === 'service' || t === 'other') return t;
  if (t) {
    const c = categoryOfWords(t.split(/[^a-z0-9]+/));
    if (c) return c;
  }
  const segments = name.split('/').filter((s) => s !== '');
  const envAt = segments.findIndex((s) => knownEnvs.has(s.toLowerCase()));
  const scan = envAt >= 0 ? segments.slice(envAt + 1) : segments;
  for (const seg of scan) {
    const c = categoryOfWords(seg.toLowerCase().split(/[^a-z0-9]+/));
    if (c) return c;
  }
  return 'other';
}

/** `mono-repo-prod-risk-api-role` -> `risk-api`; `example-cluster-1-instanceRole` -> `example-cluster-1-instance`; undefined when nothing is left. */
export function serviceFromRoleName(
  name: string,
  g: { readonly project: string; readonly stackName: string; readonly environment?: string },
  knownEnvs: ReadonlySet<string>,
): string | undefined {
  let s = name.replace(/[-_][0-9a-f]{7,}$/, ''); // Pulumi auto-name suffix
  s = slugify(s);
  const strip = [g.project.toLowerCase(), g.stackName.toLowerCase(), ...(g.environment ? [g.environment] : []), ...knownEnvs];
  let changed = true;
  while (changed) {
    changed = false;
    for (const p of strip) {
      // A prefix stays when only a number would follow it (`cluster-1-...`: the number alone names nothing).
      if (p !== '' && s.startsWith(`${p}-`) && !/^\d+(-|$)/.test(s.slice(p.length + 1))) {
        s = s.slice(p.length + 1);
        changed = true;
      }
    }
    for (const suffix of ['-iamrole', '-iam-role', '-role', '-instance-profile', '-profile', '-task-definition', '-taskdef', '-task', '-function', '-lambda', ...[...knownEnvs].map((e) => `-${e}`)]) {
      if (s.endsWith(suffix) && s.length > suffix.length) {
        s = s.slice(0, -suffix.length);
        changed = true;
      }
    }
  }
  s = slugify(s);
  return s === '' || s === 'role' ? undefined : s;
}
