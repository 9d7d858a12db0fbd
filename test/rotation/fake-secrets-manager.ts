/**
 * A stand-in for AWS Secrets Manager that keeps versions and staging labels as the service
 * documents them (API reference: PutSecretValue, UpdateSecretVersionStage, GetSecretValue,
 * DescribeSecret, RotateSecret):
 * - a staging label is attached to at most one version; attaching it elsewhere moves it;
 * - whenever AWSCURRENT moves, AWSPREVIOUS moves to the version AWSCURRENT was removed from;
 * - a version without labels is deprecated: it leaves VersionIdsToStages (still readable by id);
 * - PutSecretValue with an existing ClientRequestToken and the same value does nothing; with a
 *   different value it fails (ResourceExistsException); without VersionStages it moves AWSCURRENT;
 *   the first version of a secret gets AWSCURRENT;
 * - UpdateSecretVersionStage must name, in RemoveFromVersionId, the version the label is on;
 * - RotateSecret (what the service does before invoking the Lambda) creates a version with the
 *   token, staged AWSPENDING and without a value, and refuses while another rotation is pending;
 * - errors are the SDK's own exception classes (ResourceNotFoundException, ...).
 * It answers `send(command)` with the SDK's own command classes, like SecretsManagerClient.
 */
import { randomUUID } from 'node:crypto';
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  InvalidParameterException,
  InvalidRequestException,
  PutSecretValueCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  UpdateSecretVersionStageCommand,
  type Tag,
} from '@aws-sdk/client-secrets-manager';

const meta = { $metadata: {} };

interface Version {
  readonly id: string;
  value: string | undefined;
  labels: Set<string>;
  readonly created: Date;
}

interface Secret {
  readonly name: string;
  readonly arn: string;
  rotationEnabled: boolean | undefined;
  tags: Tag[];
  versions: Map<string, Version>;
}

export interface CallRecord {
  readonly command: string;
  readonly input: Record<string, unknown>;
}

let clock = Date.UTC(2024, 0, 1);

export class FakeSecretsManager {
  private readonly secrets = new Map<string, Secret>();
  readonly calls: CallRecord[] = [];
  /** Commands to fail once, by name, with the error given (simulating a crash or throttling). */
  readonly failNext = new Map<string, Error>();

  constructor(readonly region = 'eu-west-1', readonly account = '123456789012') {}

  // ---- set-up helpers (what CreateSecret / RotateSecret do) ----

  createSecret(name: string, value: string, opts: { tags?: Record<string, string>; rotationEnabled?: boolean } = {}): string {
    if (this.secrets.has(name)) throw new ResourceExistsException({ message: `The operation failed because the secret ${name} already exists.`, ...meta });
    const arn = `arn:aws:secretsmanager:${this.region}:${this.account}:secret:${name}-${randomUUID().slice(0, 6)}`;
    const s: Secret = {
      name,
      arn,
      rotationEnabled: opts.rotationEnabled,
      tags: Object.entries(opts.tags ?? {}).map(([Key, Value]) => ({ Key, Value })),
      versions: new Map(),
    };
    this.secrets.set(name, s);
    const id = randomUUID();
    s.versions.set(id, { id, value, labels: new Set(['AWSCURRENT']), created: new Date(clock++) });
    return arn;
  }

  /**
   * What RotateSecret does before it invokes the Lambda: enable rotation and create the new
   * version staged AWSPENDING (no value yet). Returns the ClientRequestToken.
   */
  startRotation(secretId: string, token: string = randomUUID()): string {
    const s = this.find(secretId);
    const pendingOn = [...s.versions.values()].find((v) => v.labels.has('AWSPENDING'));
    if (pendingOn && !pendingOn.labels.has('AWSCURRENT')) {
      throw new InvalidRequestException({ message: 'A previous rotation isn\'t complete. That rotation will be reattempted.', ...meta });
    }
    s.rotationEnabled = true;
    if (!s.versions.has(token)) s.versions.set(token, { id: token, value: undefined, labels: new Set(), created: new Date(clock++) });
    this.attach(s, 'AWSPENDING', token);
    return token;
  }

  setRotationEnabled(secretId: string, enabled: boolean | undefined): void {
    this.find(secretId).rotationEnabled = enabled;
  }

  /** Version id -> labels, only labelled versions (as DescribeSecret). */
  stages(secretId: string): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (const v of this.find(secretId).versions.values()) if (v.labels.size > 0) out[v.id] = [...v.labels].sort();
    return out;
  }

  /** Test-only peek (never logged). */
  valueAt(secretId: string, stage: string): string | undefined {
    return [...this.find(secretId).versions.values()].find((v) => v.labels.has(stage))?.value;
  }

  /** Every value of every version of every secret (to assert none is ever logged). */
  allValues(): string[] {
    const out: string[] = [];
    for (const s of this.secrets.values()) for (const v of s.versions.values()) if (v.value !== undefined) out.push(v.value);
    return out;
  }

  versionCount(secretId: string): number {
    return this.find(secretId).versions.size;
  }

  versionAt(secretId: string, stage: string): string | undefined {
    return [...this.find(secretId).versions.values()].find((v) => v.labels.has(stage))?.id;
  }

  // ---- the API ----

  async send(command: unknown): Promise<any> {
    const name = commandName(command);
    const input = (command as { input: Record<string, unknown> }).input;
    this.calls.push({ command: name, input: { ...input } });
    const injected = this.failNext.get(name);
    if (injected) {
      this.failNext.delete(name);
      throw injected;
    }
    if (command instanceof DescribeSecretCommand) return this.describeSecret(command.input.SecretId);
    if (command instanceof GetSecretValueCommand) return this.getSecretValue(command.input);
    if (command instanceof PutSecretValueCommand) return this.putSecretValue(command.input);
    if (command instanceof UpdateSecretVersionStageCommand) return this.updateSecretVersionStage(command.input);
    throw new Error(`FakeSecretsManager does not implement ${name}`);
  }

  private describeSecret(id: string | undefined) {
    const s = this.find(id);
    return {
      ARN: s.arn,
      Name: s.name,
      ...(s.rotationEnabled !== undefined ? { RotationEnabled: s.rotationEnabled } : {}),
      Tags: s.tags.map((t) => ({ ...t })),
      VersionIdsToStages: this.stages(s.name),
      $metadata: {},
    };
  }

  private getSecretValue(input: { SecretId?: string; VersionId?: string; VersionStage?: string }) {
    const s = this.find(input.SecretId);
    let v: Version | undefined;
    if (input.VersionId !== undefined) {
      v = s.versions.get(input.VersionId);
      if (v === undefined || (input.VersionStage !== undefined && !v.labels.has(input.VersionStage))) {
        throw new ResourceNotFoundException({
          message: `Secrets Manager can't find the specified secret value for VersionId: ${input.VersionId}${input.VersionStage ? ` and staging label: ${input.VersionStage}` : ''}`,
          ...meta,
        });
      }
    } else {
      const stage = input.VersionStage ?? 'AWSCURRENT';
      v = [...s.versions.values()].find((x) => x.labels.has(stage));
      if (v === undefined) throw new ResourceNotFoundException({ message: `Secrets Manager can't find the specified secret value for staging label: ${stage}`, ...meta });
    }
    if (v.value === undefined) {
      // The AWSPENDING version RotateSecret creates has no value until createSecret puts one.
      throw new ResourceNotFoundException({ message: `Secrets Manager can't find the specified secret value for VersionId: ${v.id}`, ...meta });
    }
    return { ARN: s.arn, Name: s.name, VersionId: v.id, SecretString: v.value, VersionStages: [...v.labels].sort(), CreatedDate: v.created, $metadata: {} };
  }

  private putSecretValue(input: { SecretId?: string; ClientRequestToken?: string; SecretString?: string; SecretBinary?: unknown; VersionStages?: string[] }) {
    const s = this.find(input.SecretId);
    if (input.SecretString === undefined && input.SecretBinary === undefined) {
      throw new InvalidParameterException({ message: 'You must provide either SecretString or SecretBinary.', ...meta });
    }
    if (input.SecretString !== undefined && input.SecretBinary !== undefined) {
      throw new InvalidParameterException({ message: 'You can\'t specify both SecretString and SecretBinary.', ...meta });
    }
    if (typeof input.SecretString !== 'string') throw new Error('FakeSecretsManager: only SecretString is modelled');
    const token = input.ClientRequestToken ?? randomUUID();
    if (token.length < 32 || token.length > 64) {
      throw new InvalidParameterException({ message: 'ClientRequestToken must be 32 to 64 characters.', ...meta });
    }
    const existing = s.versions.get(token);
    if (existing !== undefined && existing.value !== undefined) {
      if (existing.value === input.SecretString) {
        return { ARN: s.arn, Name: s.name, VersionId: token, VersionStages: [...existing.labels].sort(), $metadata: {} };
      }
      throw new ResourceExistsException({ message: 'You can\'t modify an existing version, you can only create a new version.', ...meta });
    }
    const firstVersion = [...s.versions.values()].every((v) => v.value === undefined);
    const stages = input.VersionStages ?? ['AWSCURRENT'];
    const v: Version = existing ?? { id: token, value: undefined, labels: new Set(), created: new Date(clock++) };
    v.value = input.SecretString;
    s.versions.set(token, v);
    for (const label of firstVersion ? [...new Set([...stages, 'AWSCURRENT'])] : stages) this.attach(s, label, token);
    return { ARN: s.arn, Name: s.name, VersionId: token, VersionStages: [...v.labels].sort(), $metadata: {} };
  }

  private updateSecretVersionStage(input: { SecretId?: string; VersionStage?: string; MoveToVersionId?: string; RemoveFromVersionId?: string }) {
    const s = this.find(input.SecretId);
    const label = input.VersionStage;
    if (label === undefined || label === '') throw new InvalidParameterException({ message: 'VersionStage is required.', ...meta });
    const holder = [...s.versions.values()].find((v) => v.labels.has(label));
    if (input.RemoveFromVersionId !== undefined && holder?.id !== input.RemoveFromVersionId) {
      throw new InvalidParameterException({
        message: `The staging label ${label} is not attached to version ${input.RemoveFromVersionId}.`,
        ...meta,
      });
    }
    if (input.MoveToVersionId !== undefined) {
      if (!s.versions.has(input.MoveToVersionId)) {
        throw new ResourceNotFoundException({ message: `Secrets Manager can't find the specified secret version: ${input.MoveToVersionId}`, ...meta });
      }
      if (holder !== undefined && holder.id !== input.MoveToVersionId && input.RemoveFromVersionId === undefined) {
        throw new InvalidParameterException({
          message: `The parameter RemoveFromVersionId can't be empty. Staging label ${label} is currently attached to version ${holder.id}, so you must explicitly reference that version in RemoveFromVersionId.`,
          ...meta,
        });
      }
      this.attach(s, label, input.MoveToVersionId);
    } else if (input.RemoveFromVersionId !== undefined) {
      if (label === 'AWSCURRENT') {
        throw new InvalidParameterException({ message: 'You can\'t remove the staging label AWSCURRENT; move it to another version instead.', ...meta });
      }
      holder!.labels.delete(label);
    } else {
      throw new InvalidParameterException({ message: 'Specify MoveToVersionId, RemoveFromVersionId or both.', ...meta });
    }
    return { ARN: s.arn, Name: s.name, $metadata: {} };
  }

  /** Attach a label to a version, moving it from any other; AWSCURRENT drags AWSPREVIOUS along. */
  private attach(s: Secret, label: string, versionId: string): void {
    const target = s.versions.get(versionId)!;
    const from = [...s.versions.values()].find((v) => v.labels.has(label));
    if (from?.id === versionId) return;
    from?.labels.delete(label);
    target.labels.add(label);
    if (label === 'AWSCURRENT' && from !== undefined) {
      for (const v of s.versions.values()) v.labels.delete('AWSPREVIOUS');
      from.labels.add('AWSPREVIOUS');
    }
  }

  private find(id: string | undefined): Secret {
    for (const s of this.secrets.values()) if (s.name === id || s.arn === id) return s;
    throw new ResourceNotFoundException({ message: 'Secrets Manager can\'t find the specified secret.', ...meta });
  }
}

function commandName(c: unknown): string {
  const n = (c as { constructor?: { name?: string } }).constructor?.name ?? 'Unknown';
  return n.replace(/Command$/, '');
}

type Handler = (e: { SecretId: string; ClientRequestToken: string; Step: 'createSecret' | 'setSecret' | 'testSecret' | 'finishSecret' }) => Promise<void>;

/** What the service does on RotateSecret: start the rotation, then invoke the four steps in order. */
export async function rotateSecret(fake: FakeSecretsManager, handler: Handler, secretId: string): Promise<string> {
  const token = fake.startRotation(secretId);
  for (const Step of ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const) {
    await handler({ SecretId: secretId, ClientRequestToken: token, Step });
  }
  return token;
}
