/**
 * Names that say a value is a secret: a parameter's last path segment (`db-password`, `apiToken`,
 * `signing-key`, `connection-string`) or an environment variable name (`DB_PASSWORD`,
 * `STRIPE_TOKEN`, `DATABASE_DSN`), unless the last word makes it metadata (`password-min-length`,
 * `kms-key-id`).
 */

const SECRET_WORDS: ReadonlySet<string> = new Set([
  'password',
  'passwd',
  'pwd',
  'passphrase',
  'secret',
  'secrets',
  'token',
  'tokens',
  'credential',
  'credentials',
  'creds',
  'apikey',
  'privatekey',
  'dsn',
]);

/** Last words that make a name describe a secret rather than hold one (`token-ttl`, `key-id`). */
const METADATA_WORDS: ReadonlySet<string> = new Set([
  'id',
  'ids',
  'arn',
  'alias',
  'name',
  'names',
  'path',
  'length',
  'ttl',
  'expiry',
  'expires',
  'expiration',
  'enabled',
  'version',
  'rotation',
  'days',
  'policy',
  'type',
  'header',
  'url',
  'endpoint',
  'region',
  'issuer',
  'audience',
  'prefix',
  'suffix',
]);

/** Words before a last `key` that make a variable name a lookup key, not a secret (`PARTITION_KEY`, `S3_KEY`). */
const LOOKUP_KEY_WORDS: ReadonlySet<string> = new Set(['partition', 'sort', 'hash', 'range', 'primary', 'foreign', 's3', 'object', 'bucket', 'cache', 'routing', 'idempotency', 'dedup', 'deduplication', 'kms', 'lookup', 'index', 'map', 'group', 'message', 'known', 'hosts', 'public']);

/** Split a name into lower-case words on separators and camelCase boundaries (`dbPassword`, `DBPassword`). */
export function nameWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w !== '');
}

/**
 * Whether an environment variable's name (`DB_PASS`, `STRIPE_KEY`, `MYSQL_PWD`) says it holds a
 * secret: `secretLikeName`, or `pass` as the last word (`DB_PASS`, `REDIS_PASS`); not a lookup key
 * (`PARTITION_KEY`, `S3_KEY`), nor a name whose last word makes it metadata.
 */
export function secretLikeVariable(name: string): string | undefined {
  const words = nameWords(name);
  const last = words[words.length - 1];
  if (last === undefined) return undefined;
  if ((last === 'key' || last === 'keys') && words.length > 1 && LOOKUP_KEY_WORDS.has(words[words.length - 2]!)) return undefined;
  const hit = secretLikeName(name);
  if (hit !== undefined) return hit;
  return last === 'pass' ? 'pass' : undefined;
}

/**
 * Whether a parameter's last path segment says it holds a secret: a secret word anywhere
 * (`db-password`, `apiToken`), `key` as the last word (`external-api-key`, `signing-key`), or a
 * connection string; unless the last word makes it metadata (`password-min-length`, `kms-key-id`).
 * Returns the words that triggered it, or undefined.
 */
export function secretLikeName(leaf: string): string | undefined {
  const words = nameWords(leaf);
  if (words.length === 0) return undefined;
  const last = words[words.length - 1] as string;
  if (METADATA_WORDS.has(last) || (last === 'min' || last === 'max')) return undefined;
  const hit = words.find((w) => SECRET_WORDS.has(w));
  if (hit !== undefined) return hit;
  if (last === 'key' || last === 'keys') return last;
  for (let i = 0; i + 1 < words.length; i++) {
    if (words[i] === 'connection' && words[i + 1] === 'string') return 'connection string';
  }
  return undefined;
}

/**
 * Whether a value has the shape of a secret's or a parameter's name that a program looks up
 * (`app/prod/db`, `payments-api-key`), not of a word a password could be (`postgres`, `admin`): at
 * least 6 characters of a name, one of them a separator. Only together with the name of a secret or
 * parameter the estate declares does it make a value a reference.
 */
export function looksLikeReferenceName(v: string): boolean {
  return v.length >= 6 && v.length <= 512 && /^[\w./+=@-]+$/.test(v) && /[/._-]/.test(v);
}

/**
 * Whether a value has the shape of a Secrets Manager path (`shared/stripe/api-key`): lower-case
 * segments of a name, at least two. Said of a redacted variable that names no secret of its own
 * state: it may name another stack's (the finding says so, and stays a finding).
 */
export function looksLikeSecretPath(v: string): boolean {
  return v.length <= 512 && /^[a-z0-9][a-z0-9._-]+(?:\/[a-z0-9][a-z0-9._-]+)+$/.test(v);
}
