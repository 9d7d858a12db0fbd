/**
 * The rotation Lambda's one error class. The message names the secret, the step and what was
 * wrong; it never contains a secret value (nor a password hash, nor a database statement that
 * carried one).
 */
export class RotationError extends Error {
  readonly secretId: string;
  readonly step: string;

  constructor(secretId: string, step: string, what: string) {
    super(`rotation of secret ${secretId} failed at ${step}: ${what}`);
    this.name = 'RotationError';
    this.secretId = secretId;
    this.step = step;
  }
}

/** The AWS SDK's service errors carry `name` (e.g. ResourceNotFoundException); none carries a value. */
export function awsErrorName(e: unknown): string | undefined {
  if (e !== null && typeof e === 'object' && 'name' in e && typeof (e as { name: unknown }).name === 'string') {
    return (e as { name: string }).name;
  }
  return undefined;
}

/** A short, value-free description of an error from the AWS SDK (its name and message). */
export function describeAwsError(e: unknown): string {
  const name = awsErrorName(e) ?? 'Error';
  const message = e instanceof Error ? e.message : String(e);
  return `${name}: ${message}`;
}
