/**
 * A small harness that runs the infra program under `pulumi.runtime.setMocks`, one stack at a time,
 * with the stack's config read from `Pulumi.<stack>.yaml` (secure values become a placeholder), and
 * records every registration as the monitor sees it: type, name, parent, protect, provider and the
 * raw inputs with their secret markers.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as pulumi from '@pulumi/pulumi';
import { parse } from 'yaml';

export const REPO = join(import.meta.dirname, '..', '..');
export const SECRET_SIG = '4dabf18193072939515e22adb298388d';
export const SECRET_MARK = '1b47061264138c4ac30d75fd1eb44270';
/** What a `secure:` config value becomes under test. Never a real secret. */
export const SECURE_PLACEHOLDER = 'placeholder-from-secure-config';

export interface StackConfig {
  readonly project: string;
  readonly values: Record<string, string>;
  readonly secretKeys: string[];
}

/** Reads `Pulumi.<stack>.yaml` the way the CLI hands config to a program: strings, JSON for objects. */
export function readStackConfig(stack: string): StackConfig {
  const project = (parse(readFileSync(join(REPO, 'Pulumi.yaml'), 'utf8')) as { name: string }).name;
  const file = parse(readFileSync(join(REPO, `Pulumi.${stack}.yaml`), 'utf8')) as { config?: Record<string, unknown> };
  const values: Record<string, string> = {};
  const secretKeys: string[] = [];
  for (const [key, value] of Object.entries(file.config ?? {})) {
    if (value !== null && typeof value === 'object' && !Array.isArray(value) && 'secure' in value) {
      values[key] = SECURE_PLACEHOLDER;
      secretKeys.push(key);
    } else {
      values[key] = typeof value === 'string' ? value : JSON.stringify(value);
    }
  }
  return { project, values, secretKeys };
}

export interface Recorded {
  readonly urn: string;
  readonly type: string;
  readonly name: string;
  readonly custom: boolean;
  readonly parent: string;
  readonly protect: boolean;
  readonly provider: string;
  readonly dependencies: readonly string[];
  /** Inputs as sent to the engine, secrets wrapped in the secret signature object. */
  readonly rawInputs: Record<string, unknown>;
  /** Inputs with secret wrappers removed. */
  readonly inputs: Record<string, any>;
  readonly state: Record<string, unknown>;
}

export interface StackRun {
  readonly stack: string;
  readonly resources: readonly Recorded[];
  /** Stack outputs, secrets unwrapped. */
  readonly outputs: Record<string, any>;
  readonly rawOutputs: Record<string, unknown>;
}

export function isSecretValue(v: unknown): boolean {
  return v !== null && typeof v === 'object' && (v as Record<string, unknown>)[SECRET_SIG] === SECRET_MARK;
}

/** Removes secret wrappers (and keeps everything else as is). */
export function unwrap(v: unknown): any {
  if (isSecretValue(v)) return unwrap((v as { value: unknown }).value);
  if (Array.isArray(v)) return v.map(unwrap);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unwrap(x)]));
  return v;
}

function mockOutputs(type: string, name: string, inputs: Record<string, any>, region: string, account: string): { id: string; state: Record<string, unknown> } {
  const n = (inputs.name as string | undefined) ?? name;
  switch (type) {
    case 'aws:kms/key:Key':
    case 'aws:kms/replicaKey:ReplicaKey': {
      const keyId = `mrk-${name}`;
      return { id: keyId, state: { ...inputs, keyId, arn: `arn:aws:kms:${region}:${account}:key/${keyId}` } };
    }
    case 'aws:kms/alias:Alias':
      return { id: n, state: { ...inputs, arn: `arn:aws:kms:${region}:${account}:${n}` } };
    case 'aws:iam/role:Role':
      return { id: n, state: { ...inputs, name: n, arn: `arn:aws:iam::${account}:role/${n}` } };
    case 'aws:iam/policy:Policy':
      return { id: `arn:aws:iam::${account}:policy/${n}`, state: { ...inputs, name: n, arn: `arn:aws:iam::${account}:policy/${n}` } };
    case 'aws:iam/instanceProfile:InstanceProfile':
      return { id: n, state: { ...inputs, name: n, arn: `arn:aws:iam::${account}:instance-profile/${n}` } };
    case 'aws:s3/bucket:Bucket':
      return { id: inputs.bucket ?? n, state: { ...inputs, arn: `arn:aws:s3:::${inputs.bucket ?? n}` } };
    case 'aws:sns/topic:Topic': {
      const arn = `arn:aws:sns:${region}:${account}:${n}`;
      return { id: arn, state: { ...inputs, arn } };
    }
    case 'aws:secretsmanager/secret:Secret': {
      const arn = `arn:aws:secretsmanager:${region}:${account}:secret:${n}-AbCdEf`;
      return { id: arn, state: { ...inputs, arn } };
    }
    case 'aws:lambda/function:Function':
      return { id: n, state: { ...inputs, arn: `arn:aws:lambda:${region}:${account}:function:${n}` } };
    case 'aws:cloudwatch/logGroup:LogGroup':
      return { id: n, state: { ...inputs, arn: `arn:aws:logs:${region}:${account}:log-group:${n}` } };
    case 'aws:cloudtrail/trail:Trail':
      return { id: n, state: { ...inputs, arn: `arn:aws:cloudtrail:${region}:${account}:trail/${n}` } };
    case 'aws:ssm/parameter:Parameter':
      return { id: n, state: { ...inputs, arn: `arn:aws:ssm:${region}:${account}:parameter${n}` } };
    case 'random:index/randomPassword:RandomPassword':
      return { id: name, state: { ...inputs, result: 'mock-random-password' } };
    case 'random:index/randomBytes:RandomBytes':
      return { id: name, state: { ...inputs, base64: 'bW9jay1yYW5kb20tYnl0ZXM+/w==', hex: '6d6f636b' } };
    default:
      return { id: `${name}-id`, state: { ...inputs, arn: `arn:aws:mock:${region}:${account}:${type}/${n}` } };
  }
}

/**
 * Runs `program` as stack `stack`. `references` maps a StackReference name to the outputs it returns.
 * Stacks must run one after another (the Pulumi runtime state is global).
 */
export async function runStack(
  stack: string,
  program: () => Promise<Record<string, unknown>>,
  references: Record<string, Record<string, unknown>> = {},
  configOverrides: Record<string, string> = {},
  /** `echo`: mocks return the inputs as outputs and nothing else, as a generic program reader may. */
  mode: 'realistic' | 'echo' = 'realistic',
): Promise<StackRun> {
  const config = readStackConfig(stack);
  const values = { ...config.values, ...configOverrides };
  const region = values['aws:region'] ?? 'us-east-1';
  const account = (JSON.parse(values['aws:allowedAccountIds'] ?? '["123456789012"]') as string[])[0] ?? '123456789012';

  await pulumi.runtime.setMocks(
    {
      newResource(args: pulumi.runtime.MockResourceArgs) {
        if (args.type === 'pulumi:pulumi:StackReference') {
          const refName = String(args.inputs.name);
          const outputs = references[refName];
          if (outputs === undefined) throw new Error(`test harness: no outputs for StackReference '${refName}'`);
          return { id: refName, state: { name: refName, outputs, secretOutputNames: [] } };
        }
        if (mode === 'echo') return { id: `${args.name}-id`, state: args.inputs };
        return mockOutputs(args.type, args.name, args.inputs as Record<string, any>, region, account);
      },
      call(args: pulumi.runtime.MockCallArgs) {
        throw new Error(`the program must not call data sources; it called ${args.token}`);
      },
    },
    config.project,
    stack,
    false,
  );
  pulumi.runtime.setAllConfig(values, config.secretKeys);

  const recorded = new Map<string, Recorded>();
  let rawOutputs: Record<string, unknown> = {};
  const monitor = pulumi.runtime.getMonitor() as any;
  const wrap = (method: 'registerResource' | 'readResource') => {
    const original = monitor[method].bind(monitor);
    monitor[method] = (req: any, callback: (err: unknown, resp: any) => void) =>
      original(req, (err: unknown, resp: any) => {
        if (!err && resp) {
          const rawInputs = (method === 'registerResource' ? req.getObject() : req.getProperties())?.toJavaScript() ?? {};
          const urn: string = resp.getUrn();
          recorded.set(urn, {
            urn,
            type: req.getType(),
            name: req.getName(),
            custom: method === 'readResource' ? true : req.getCustom(),
            parent: req.getParent(),
            protect: method === 'registerResource' ? req.getProtect() === true : false,
            provider: req.getProvider(),
            dependencies: method === 'registerResource' ? req.getDependenciesList() : [],
            rawInputs,
            inputs: unwrap(rawInputs),
            state: unwrap((method === 'registerResource' ? resp.getObject() : resp.getProperties())?.toJavaScript() ?? {}),
          });
        }
        callback(err, resp);
      });
  };
  wrap('registerResource');
  wrap('readResource');
  const originalOutputs = monitor.registerResourceOutputs.bind(monitor);
  monitor.registerResourceOutputs = (req: any, callback: (err: unknown, resp: unknown) => void) => {
    if (String(req.getUrn()).includes('::pulumi:pulumi:Stack::')) rawOutputs = req.getOutputs()?.toJavaScript() ?? {};
    return originalOutputs(req, callback);
  };

  await pulumi.runtime.runInPulumiStack(program);
  await pulumi.runtime.disconnect();
  return { stack, resources: [...recorded.values()], outputs: unwrap(rawOutputs), rawOutputs };
}

export function ofType(run: StackRun, type: string): Recorded[] {
  return run.resources.filter((r) => r.type === type);
}

export function byName(run: StackRun, type: string, name: string): Recorded {
  const found = run.resources.find((r) => r.type === type && r.name === name);
  if (found === undefined) throw new Error(`${run.stack}: no ${type} named ${name}; have ${ofType(run, type).map((r) => r.name).join(', ')}`);
  return found;
}

/**
 * Runs only the program's synchronous start (config reading and validation) for `stack`, outside a
 * Stack resource, and returns the error it rejects with. Resolves to undefined if it did not fail
 * (then the caller's assertion fails; resources it started are abandoned with the mocks).
 */
export async function startupError(
  stack: string,
  program: () => Promise<Record<string, unknown>>,
  configOverrides: Record<string, string>,
): Promise<Error | undefined> {
  const config = readStackConfig(stack);
  await pulumi.runtime.setMocks(
    {
      newResource: (args: pulumi.runtime.MockResourceArgs) => ({ id: `${args.name}-id`, state: args.inputs }),
      call: () => ({}),
    },
    config.project,
    stack,
    false,
  );
  pulumi.runtime.setAllConfig({ ...config.values, ...configOverrides }, config.secretKeys);
  try {
    await program();
    return undefined;
  } catch (err) {
    return err as Error;
  }
}
