/**
 * Parameter Store (per environment): every parameter of the catalogue under `/mono-repo/<env>/`,
 * with its type, a description, the standard tier, and SecureStrings encrypted with the shared
 * `mono-repo-parameter-store-key`. Plain values come from stack config; SecureString values are
 * generated (@pulumi/random) or come from secret config, never from plain text.
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import * as random from '@pulumi/random';
import { PARAMETERS, parameterKey, parameterPath, type Environment, type ParameterSpec } from './catalogue.ts';
import { tags } from './naming.ts';

export interface ParameterCatalogueArgs {
  readonly env: Environment;
  /** The parameter-store key (ARN) from the shared stack. */
  readonly keyArn: pulumi.Input<string>;
  /** Plain values by relative path (`database/host`), lists for StringList. */
  readonly values: Readonly<Record<string, string | readonly string[]>>;
  /** Reads secret config for `secret-config` sources. */
  readonly secretConfig: (key: string) => pulumi.Output<string>;
  readonly protect: boolean;
}

export class ParameterCatalogue extends pulumi.ComponentResource {
  /** By relative path. */
  public readonly parameters: Readonly<Record<string, aws.ssm.Parameter>>;

  constructor(name: string, args: ParameterCatalogueArgs, opts?: pulumi.ComponentResourceOptions) {
    for (const p of PARAMETERS) {
      if (p.source.kind === 'config' && args.values[parameterKey(p)] === undefined) {
        throw new Error(`${name}: no value for ${parameterPath(args.env, parameterKey(p))} (config mono-repo:parameters)`);
      }
    }
    super('mono-repo:parameters:ParameterCatalogue', name, {}, opts);
    const slug = (p: ParameterSpec) => `${name}-${p.category}-${p.name}`;
    const plain = (rel: string): string => {
      const v = args.values[rel];
      if (typeof v !== 'string') throw new Error(`${name}: ${rel} must be a plain string`);
      return v;
    };

    const generated = new Map<string, pulumi.Output<string>>();
    const valueOf = (p: ParameterSpec): pulumi.Input<string> => {
      const rel = parameterKey(p);
      switch (p.source.kind) {
        case 'config': {
          const v = args.values[rel] as string | readonly string[];
          return typeof v === 'string' ? v : v.join(',');
        }
        case 'random-password': {
          const pw = new random.RandomPassword(`${slug(p)}-value`, { length: p.source.length, special: false, minLower: 2, minUpper: 2, minNumeric: 2 }, { parent: this });
          const result = pulumi.secret(pw.result);
          generated.set(rel, result);
          return result;
        }
        case 'secret-config':
          return pulumi.secret(args.secretConfig(p.source.configKey));
        case 'connection-string': {
          const password = generated.get('database/password');
          if (password === undefined) throw new Error(`${name}: ${rel} needs database/password to be declared before it`);
          const user = p.source.username;
          return pulumi.secret(pulumi.interpolate`postgresql://${user}:${password}@${plain('database/host')}:${plain('database/port')}/${plain('database/name')}?sslmode=require`);
        }
      }
    };

    const parameters: Record<string, aws.ssm.Parameter> = {};
    for (const p of PARAMETERS) {
      const rel = parameterKey(p);
      const path = parameterPath(args.env, rel);
      parameters[rel] = new aws.ssm.Parameter(
        slug(p),
        {
          name: path,
          type: p.type,
          tier: 'Standard',
          description: p.description,
          // `insecureValue` keeps plain configuration readable in state and previews; only SecureStrings are secret.
          ...(p.type === 'SecureString' ? { value: valueOf(p), keyId: args.keyArn } : { insecureValue: valueOf(p) }),
          tags: tags(args.env, p.service, p.category),
        },
        { parent: this, protect: args.protect },
      );
    }
    this.parameters = parameters;
    this.registerOutputs({ names: PARAMETERS.map((p) => parameterPath(args.env, parameterKey(p))) });
  }
}
