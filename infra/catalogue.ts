/**
 * The estate's catalogue, as data: environments, KMS keys, parameters, secrets and services, and
 * what each service needs. Components consume it; nothing here creates resources.
 *
 * Source: ../shared/seed/secrets-management-architecture.md. Where the seed abbreviates ("uat: same
 * structure as dev") the catalogue takes the union of what it shows for dev and prod, in every
 * environment, with the types the seed gives (see docs/access.md).
 */

export const PROJECT = 'mono-repo';

export const ENVIRONMENTS = ['dev', 'uat', 'prod'] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

export function isEnvironment(value: string): value is Environment {
  return (ENVIRONMENTS as readonly string[]).includes(value);
}

// ─── KMS ────────────────────────────────────────────────────────────────────────────

export type KeyName = 'parameter-store' | 'secrets-manager' | 'database';
/** The AWS service a key is used through (`kms:ViaService`). */
export type ViaService = 'ssm' | 'secretsmanager';

export interface KeySpec {
  readonly name: KeyName;
  /** `mono-repo-<name>-key`. */
  readonly keyName: string;
  readonly alias: string;
  readonly description: string;
  readonly via: ViaService;
  /** Stack output names in the shared stack. */
  readonly outputs: { readonly arn: string; readonly id: string; readonly alias: string; readonly replicaArn: string };
}

function key(name: KeyName, outputStem: string, via: ViaService, description: string): KeySpec {
  return {
    name,
    keyName: `${PROJECT}-${name}-key`,
    alias: `alias/${PROJECT}-${name}-key`,
    description,
    via,
    outputs: {
      arn: `${outputStem}KeyArn`,
      id: `${outputStem}KeyId`,
      alias: `${outputStem}KeyAlias`,
      replicaArn: `${outputStem}KeyReplicaArn`,
    },
  };
}

export const KEYS: readonly KeySpec[] = [
  key('parameter-store', 'parameterStore', 'ssm', 'Encrypts SecureString parameters under /mono-repo/<env>/'),
  key('secrets-manager', 'secretsManager', 'secretsmanager', 'Encrypts application and service secrets under mono-repo/<env>/'),
  key('database', 'database', 'secretsmanager', 'Encrypts database credentials under mono-repo/<env>/rds/'),
];

export function keySpec(name: KeyName): KeySpec {
  const found = KEYS.find((k) => k.name === name);
  if (found === undefined) throw new Error(`unknown KMS key '${name}'; known: ${KEYS.map((k) => k.name).join(', ')}`);
  return found;
}

// ─── Parameter Store ────────────────────────────────────────────────────────────────

export type ParameterType = 'String' | 'StringList' | 'SecureString';
export type ParameterCategory = 'database' | 'api' | 'features' | 'services';

/** Where a parameter's value comes from. Non-secret values come from stack config `mono-repo:parameters`. */
export type ParameterSource =
  | { readonly kind: 'config' }
  | { readonly kind: 'random-password'; readonly length: number }
  | { readonly kind: 'secret-config'; readonly configKey: string }
  | { readonly kind: 'connection-string'; readonly username: string };

export interface ParameterSpec {
  readonly category: ParameterCategory;
  readonly name: string;
  readonly type: ParameterType;
  readonly description: string;
  /** Value of the `Service` tag: the service that owns the value. */
  readonly service: string;
  readonly source: ParameterSource;
}

export const PARAMETERS: readonly ParameterSpec[] = [
  { category: 'database', name: 'host', type: 'String', service: 'mono-repo', source: { kind: 'config' }, description: 'PostgreSQL endpoint host name' },
  { category: 'database', name: 'port', type: 'String', service: 'mono-repo', source: { kind: 'config' }, description: 'PostgreSQL port' },
  { category: 'database', name: 'name', type: 'String', service: 'mono-repo', source: { kind: 'config' }, description: 'PostgreSQL database name' },
  { category: 'database', name: 'password', type: 'SecureString', service: 'risk-api', source: { kind: 'random-password', length: 32 }, description: 'Password of the Risk API database user (generated)' },
  { category: 'database', name: 'connection-string', type: 'SecureString', service: 'risk-api', source: { kind: 'connection-string', username: 'risk_api' }, description: 'PostgreSQL connection string of the Risk API, password included' },
  { category: 'api', name: 'external-url', type: 'String', service: 'risk-api', source: { kind: 'config' }, description: 'Public base URL of the Risk API' },
  { category: 'api', name: 'rate-limit', type: 'String', service: 'risk-api', source: { kind: 'config' }, description: 'Requests per minute allowed per client' },
  { category: 'api', name: 'jwt-signing-key', type: 'SecureString', service: 'risk-api', source: { kind: 'random-password', length: 64 }, description: 'HMAC key the Risk API signs session JWTs with (generated)' },
  { category: 'api', name: 'external-api-key', type: 'SecureString', service: 'risk-api', source: { kind: 'secret-config', configKey: 'externalApiKey' }, description: 'Key of the external market-data API (from secret config)' },
  { category: 'features', name: 'risk-analysis-v2', type: 'String', service: 'risk-api', source: { kind: 'config' }, description: 'Feature flag: risk analysis v2 (true/false)' },
  { category: 'features', name: 'dashboard-beta', type: 'String', service: 'dash-analytics', source: { kind: 'config' }, description: 'Feature flag: dashboard beta (true/false)' },
  { category: 'services', name: 'allowed-origins', type: 'StringList', service: 'risk-api', source: { kind: 'config' }, description: 'CORS origins allowed to call the Risk API' },
  { category: 'services', name: 'notification-emails', type: 'StringList', service: 'airflow', source: { kind: 'config' }, description: 'Addresses notified of workflow failures' },
];

/** `database/host`: the path relative to `/mono-repo/<env>/`. */
export function parameterKey(p: Pick<ParameterSpec, 'category' | 'name'>): string {
  return `${p.category}/${p.name}`;
}

export function parameterPath(env: Environment, relative: string): string {
  return `/${PROJECT}/${env}/${relative}`;
}

export function parameterSpec(relative: string): ParameterSpec {
  const found = PARAMETERS.find((p) => parameterKey(p) === relative);
  if (found === undefined) throw new Error(`unknown parameter '${relative}'; known: ${PARAMETERS.map(parameterKey).join(', ')}`);
  return found;
}

// ─── Secrets Manager ────────────────────────────────────────────────────────────────

export type SecretCategory = 'database' | 'application' | 'service';
export type RotationStrategy = 'generic' | 'postgres-single-user' | 'postgres-alternating-users';
export type SecretFormat = 'jwt-hmac' | 'fernet' | 'api-key' | 'data-key' | 'session-key';

/** `base64url` keeps the padding (Fernet); `base64url-nopad` drops it (JWT HMAC keys). */
export type ByteEncoding = 'base64' | 'base64url' | 'base64url-nopad' | 'hex';

export type SecretSource =
  /** A PostgreSQL credential as JSON `{engine, host, port, dbname, username, password[, masterarn]}`. */
  | { readonly kind: 'postgres'; readonly username: string }
  /** Random bytes in the encoding the rotation handler generates for the format (see infra/rotation/generic.ts). */
  | { readonly kind: 'random-bytes'; readonly bytes: number; readonly encoding: ByteEncoding }
  /** An externally issued credential, from secret stack config. */
  | { readonly kind: 'secret-config'; readonly configKey: string };

export interface SecretSpec {
  /** `rds`, `api`, `encryption`, `airflow`, `dash`, `monitoring`. */
  readonly group: string;
  readonly name: string;
  readonly category: SecretCategory;
  readonly environments: readonly Environment[];
  readonly description: string;
  readonly service: string;
  readonly strategy: RotationStrategy;
  /** For `generic` rotation: what the handler generates. */
  readonly format?: SecretFormat;
  readonly source: SecretSource;
}

const ALL: readonly Environment[] = ENVIRONMENTS;
const PROD: readonly Environment[] = ['prod'];

export const SECRETS: readonly SecretSpec[] = [
  { group: 'rds', name: 'master-password', category: 'database', environments: ALL, service: 'database', strategy: 'postgres-single-user', source: { kind: 'postgres', username: 'postgres' }, description: 'RDS PostgreSQL master user credentials' },
  { group: 'rds', name: 'readonly-user', category: 'database', environments: PROD, service: 'dash-analytics', strategy: 'postgres-alternating-users', source: { kind: 'postgres', username: 'readonly' }, description: 'Read-only database user for reporting (read replica)' },
  { group: 'rds', name: 'app-user', category: 'database', environments: ALL, service: 'risk-api', strategy: 'postgres-alternating-users', source: { kind: 'postgres', username: 'app' }, description: 'Application database user' },
  { group: 'api', name: 'jwt-signing-key', category: 'application', environments: ALL, service: 'risk-api', strategy: 'generic', format: 'jwt-hmac', source: { kind: 'random-bytes', bytes: 64, encoding: 'base64url-nopad' }, description: 'HMAC key for API access tokens' },
  { group: 'api', name: 'external-service-key', category: 'application', environments: PROD, service: 'risk-api', strategy: 'generic', format: 'api-key', source: { kind: 'secret-config', configKey: 'externalServiceKey' }, description: 'Key of the external pricing service' },
  { group: 'encryption', name: 'data-key', category: 'application', environments: PROD, service: 'risk-api', strategy: 'generic', format: 'data-key', source: { kind: 'random-bytes', bytes: 32, encoding: 'base64' }, description: 'Application-level data encryption key (AES-256)' },
  { group: 'airflow', name: 'fernet-key', category: 'service', environments: PROD, service: 'airflow', strategy: 'generic', format: 'fernet', source: { kind: 'random-bytes', bytes: 32, encoding: 'base64url' }, description: 'Airflow Fernet key for connection encryption' },
  { group: 'dash', name: 'session-key', category: 'service', environments: PROD, service: 'dash-analytics', strategy: 'generic', format: 'session-key', source: { kind: 'random-bytes', bytes: 32, encoding: 'hex' }, description: 'Dash Analytics session signing key' },
  { group: 'monitoring', name: 'api-key', category: 'service', environments: PROD, service: 'monitoring', strategy: 'generic', format: 'api-key', source: { kind: 'secret-config', configKey: 'monitoringApiKey' }, description: 'Monitoring (metrics vendor) API key' },
];

/** `rds/master-password`: the name relative to `mono-repo/<env>/`. */
export function secretKey(s: Pick<SecretSpec, 'group' | 'name'>): string {
  return `${s.group}/${s.name}`;
}

export function secretName(env: Environment, relative: string): string {
  return `${PROJECT}/${env}/${relative}`;
}

export function secretSpec(relative: string): SecretSpec {
  const found = SECRETS.find((s) => secretKey(s) === relative);
  if (found === undefined) throw new Error(`unknown secret '${relative}'; known: ${SECRETS.map(secretKey).join(', ')}`);
  return found;
}

export function secretsIn(env: Environment): readonly SecretSpec[] {
  return SECRETS.filter((s) => s.environments.includes(env));
}

/** Database secrets use the database key; the rest the secrets-manager key. */
export function secretKeyName(s: Pick<SecretSpec, 'category'>): KeyName {
  return s.category === 'database' ? 'database' : 'secrets-manager';
}

/** The secret whose credentials an alternating-users rotation uses to manage the user. */
export const MASTER_SECRET = 'rds/master-password';

/** Default rotation interval per category (days); stack config `mono-repo:rotationDays` overrides. */
export const DEFAULT_ROTATION_DAYS: Readonly<Record<SecretCategory, number>> = { database: 30, application: 60, service: 90 };
export const ROTATION_DAYS_RANGE = { min: 30, max: 90 } as const;

// ─── Services and roles ─────────────────────────────────────────────────────────────

export type Trust =
  | { readonly kind: 'eks-pod'; readonly namespace: string; readonly serviceAccount: string }
  | { readonly kind: 'ec2' }
  | { readonly kind: 'ci-build' }
  | { readonly kind: 'cross-account' };

export interface ServiceSpec {
  /** Slug; the role is `mono-repo-<env>-<id>`. */
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly trust: Trust;
  /** Parameters read one by one (GetParameter/GetParameters), relative paths. */
  readonly parameters: readonly string[];
  /** Folders read in bulk at startup (GetParametersByPath); every parameter of the folder is readable. */
  readonly parameterFolders: readonly string[];
  /** Secrets whose value the service reads, per environment (must exist there). */
  readonly secrets: Readonly<Record<Environment, readonly string[]>>;
  /** True when the role must never read a SecureString or a secret value. */
  readonly nonSecretOnly: boolean;
  /**
   * How long the service caches what it reads from Secrets Manager (the AWS SecretCache client's
   * `secret_refresh_interval`), e.g. `15m`; tagged on its role as `SecretCacheTtl`. Absent for a
   * service that reads no secret.
   */
  readonly secretCacheTtl?: string;
}

const same = (list: readonly string[]): Record<Environment, readonly string[]> => ({ dev: list, uat: list, prod: list });

export const SERVICES: readonly ServiceSpec[] = [
  {
    id: 'risk-api',
    name: 'Risk API',
    description: 'FastAPI backend (EKS) with database and API secrets',
    trust: { kind: 'eks-pod', namespace: 'risk', serviceAccount: 'risk-api' },
    parameters: ['features/risk-analysis-v2', 'services/allowed-origins'],
    parameterFolders: ['database', 'api'],
    secrets: {
      dev: ['rds/app-user', 'api/jwt-signing-key'],
      uat: ['rds/app-user', 'api/jwt-signing-key'],
      prod: ['rds/app-user', 'api/jwt-signing-key', 'api/external-service-key', 'encryption/data-key'],
    },
    nonSecretOnly: false,
    secretCacheTtl: '15m',
  },
  {
    id: 'dash-analytics',
    name: 'Dash Analytics',
    description: 'Python dashboard (EKS) reading reporting data',
    trust: { kind: 'eks-pod', namespace: 'analytics', serviceAccount: 'dash-analytics' },
    parameters: ['database/host', 'database/port', 'database/name', 'features/dashboard-beta', 'services/allowed-origins'],
    parameterFolders: [],
    // dev and uat have no read-only user: the dashboard uses the application user there.
    secrets: { dev: ['rds/app-user'], uat: ['rds/app-user'], prod: ['rds/readonly-user', 'dash/session-key'] },
    nonSecretOnly: false,
    secretCacheTtl: '15m',
  },
  {
    id: 'airflow',
    name: 'Airflow',
    description: 'Workflow engine (EKS) with service integrations',
    trust: { kind: 'eks-pod', namespace: 'airflow', serviceAccount: 'airflow' },
    parameters: ['database/host', 'database/port', 'database/name', 'api/external-url', 'services/notification-emails'],
    parameterFolders: [],
    secrets: { dev: ['rds/app-user'], uat: ['rds/app-user'], prod: ['rds/app-user', 'airflow/fernet-key', 'monitoring/api-key'] },
    nonSecretOnly: false,
    secretCacheTtl: '15m',
  },
  {
    id: 'web-app-build',
    name: 'Web App',
    description: 'React front end; its CodeBuild project bakes non-secret configuration into the bundle',
    trust: { kind: 'ci-build' },
    parameters: ['api/external-url', 'features/risk-analysis-v2', 'features/dashboard-beta'],
    parameterFolders: [],
    secrets: same([]),
    nonSecretOnly: true,
  },
  {
    id: 'ops-runner',
    name: 'Operations runner',
    description: 'EC2 instance for operations tasks; reads non-secret configuration only',
    trust: { kind: 'ec2' },
    parameters: PARAMETERS.filter((p) => p.type !== 'SecureString').map(parameterKey),
    parameterFolders: [],
    secrets: same([]),
    nonSecretOnly: true,
  },
];

/** Role of the rotation Lambda, `mono-repo-<env>-secret-rotation`. */
export const ROTATION_ROLE = 'secret-rotation';
/** Cross-account audit role, `mono-repo-<env>-audit`. */
export const AUDIT_ROLE = 'audit';

export function roleName(env: Environment, id: string): string {
  return `${PROJECT}-${env}-${id}`;
}

/** The keys a service decrypts with, and through which service: derived from what it reads. */
export function serviceKeys(service: ServiceSpec, env: Environment): readonly KeyName[] {
  const names = new Set<KeyName>();
  const params = new Set([...service.parameters, ...PARAMETERS.filter((p) => service.parameterFolders.includes(p.category)).map(parameterKey)]);
  for (const rel of params) if (parameterSpec(rel).type === 'SecureString') names.add('parameter-store');
  for (const rel of service.secrets[env]) names.add(secretKeyName(secretSpec(rel)));
  return KEYS.map((k) => k.name).filter((n) => names.has(n));
}

/** Every parameter a service can read (explicit ones and those of its folders), relative paths, sorted. */
export function serviceParameters(service: ServiceSpec): readonly string[] {
  const all = new Set([...service.parameters, ...PARAMETERS.filter((p) => service.parameterFolders.includes(p.category)).map(parameterKey)]);
  return [...all].sort();
}

/** Checks the catalogue's own consistency; throws naming the entry. Run at program start. */
export function validateCatalogue(): void {
  const seen = new Set<string>();
  for (const p of PARAMETERS) {
    const k = parameterKey(p);
    if (seen.has(k)) throw new Error(`catalogue: parameter '${k}' is listed twice`);
    seen.add(k);
    if (p.description.trim() === '') throw new Error(`catalogue: parameter '${k}' has no description`);
    if ((p.type === 'SecureString') !== (p.source.kind !== 'config')) {
      throw new Error(`catalogue: parameter '${k}' of type ${p.type} has source '${p.source.kind}'; SecureStrings are generated or from secret config, the rest from plain config`);
    }
  }
  for (const s of SECRETS) {
    if ((s.strategy === 'generic') !== (s.format !== undefined)) throw new Error(`catalogue: secret '${secretKey(s)}': a SecretFormat is required exactly for the generic strategy`);
    if (s.strategy.startsWith('postgres') !== (s.source.kind === 'postgres')) throw new Error(`catalogue: secret '${secretKey(s)}': postgres strategies need a postgres source`);
  }
  for (const env of ENVIRONMENTS) {
    if (!secretsIn(env).some((s) => secretKey(s) === MASTER_SECRET)) throw new Error(`catalogue: ${env} has no ${MASTER_SECRET}, which alternating-users rotation needs`);
  }
  for (const svc of SERVICES) {
    for (const rel of svc.parameters) parameterSpec(rel);
    for (const folder of svc.parameterFolders) {
      if (!PARAMETERS.some((p) => p.category === folder)) throw new Error(`catalogue: service '${svc.id}' reads unknown folder '${folder}'`);
    }
    for (const env of ENVIRONMENTS) {
      for (const rel of svc.secrets[env]) {
        if (!secretSpec(rel).environments.includes(env)) throw new Error(`catalogue: service '${svc.id}' reads ${rel} in ${env}, which has no such secret`);
      }
    }
    if (svc.nonSecretOnly) {
      const secure = serviceParameters(svc).filter((rel) => parameterSpec(rel).type === 'SecureString');
      if (secure.length > 0) throw new Error(`catalogue: non-secret service '${svc.id}' lists SecureString ${secure.join(', ')}`);
      if (ENVIRONMENTS.some((env) => svc.secrets[env].length > 0)) throw new Error(`catalogue: non-secret service '${svc.id}' lists secrets`);
    }
  }
}
