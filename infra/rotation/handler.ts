/**
 * Secrets Manager rotation Lambda: the entry point bundled by ./bundle.ts (esbuild, platform node,
 * target node22 for the nodejs22.x runtime; imports only @aws-sdk/client-secrets-manager, pg and
 * node built-ins).
 *
 * Secrets Manager invokes it four times per rotation with { SecretId, ClientRequestToken, Step }.
 * The strategy comes from the secret's tags: RotationStrategy = generic (with SecretFormat =
 * jwt-hmac | fernet | api-key | data-key | session-key), postgres-single-user or
 * postgres-alternating-users; without the tag, a value {"engine":"postgres",...} selects
 * single user, or alternating users when it has "masterarn".
 *
 * Environment: AWS_REGION (set by Lambda); SECRETS_MANAGER_ENDPOINT (optional, e.g. a VPC
 * endpoint URL); ROTATION_DB_TLS = require (default) | no-verify | disable.
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { createHandler, type RotationEvent } from './rotate.ts';

export { createHandler } from './rotate.ts';
export type { RotationEvent, RotationStep, HandlerDeps, SecretsApi } from './rotate.ts';
export { RotationError } from './errors.ts';

let real: ((event: RotationEvent) => Promise<void>) | undefined;

export async function handler(event: RotationEvent): Promise<void> {
  if (real === undefined) {
    const endpoint = process.env.SECRETS_MANAGER_ENDPOINT;
    const client = new SecretsManagerClient(endpoint ? { endpoint } : {});
    real = createHandler({ client });
  }
  return real(event);
}
