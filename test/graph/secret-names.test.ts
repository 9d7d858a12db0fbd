/**
 * Names that say a value is a secret (diagrams/graph/secret-names.ts): a parameter's last path segment
 * (SEC-006) and an environment variable's name (the exposure scan behind SEC-050).
 */

import { describe, expect, it } from 'vitest';
import { nameWords, secretLikeName } from '../../diagrams/graph/secret-names.ts';

describe('nameWords', () => {
  it.each([
    ['db-password', ['db', 'password']],
    ['DB_PASSWORD', ['db', 'password']],
    ['apiToken', ['api', 'token']],
    ['DBPassword', ['db', 'password']],
    ['JWTSigningKey', ['jwt', 'signing', 'key']],
    ['v2.client secret', ['v2', 'client', 'secret']],
    ['--', []],
  ])('%s -> %j', (name, words) => expect(nameWords(name)).toEqual(words));
});

describe('secretLikeName', () => {
  it.each([
    ['password', 'password'],
    ['db-password', 'password'],
    ['DB_PASSWD', 'passwd'],
    ['apiToken', 'token'],
    ['APIToken', 'token'],
    ['DBPassword', 'password'],
    ['client_secret', 'secret'],
    ['oauth-credentials', 'credentials'],
    ['DATABASE_DSN', 'dsn'],
    ['STRIPE_APIKEY', 'apikey'],
    ['external-api-key', 'key'],
    ['signing-keys', 'keys'],
    ['privateKey', 'key'],
    ['connection-string', 'connection string'],
    ['password-reset-token-secret', 'password'],
  ])('%s says "%s"', (name, word) => expect(secretLikeName(name)).toBe(word));

  it.each([
    'host',
    'port',
    'rate-limit',
    'risk-analysis-v2',
    'allowed-origins',
    'keyboard-layout',
    'monkey',
    'kms-key-id',
    'signing-key-arn',
    'token-ttl',
    'password-min-length',
    'password-min',
    'password-max',
    'secret-rotation',
    'api-key-header',
    'SECRET_NAME',
    'DB_PASSWORD_SECRET_ARN',
    'connection-timeout',
    '',
    '___',
  ])('%s says nothing', (name) => expect(secretLikeName(name)).toBeUndefined());
});
