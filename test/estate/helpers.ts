/** Hand-built ResourceGraphs for the estate tests, through E3's buildGraph (the real normaliser). */
import { buildGraph, type RawResource } from '../../diagrams/graph/graph.ts';
import type { ResourceGraph } from '../../diagrams/graph/types.ts';

export const ACCOUNT = '111122223333';
export const REGION = 'eu-west-1';

export interface RowSpec {
  readonly inputs?: Record<string, unknown>;
  readonly outputs?: Record<string, unknown>;
  readonly id?: string;
  /** property -> URNs (propertyDependencies). */
  readonly deps?: Record<string, string[]>;
  readonly protect?: boolean;
}

export class StackBuilder {
  readonly rows: RawResource[] = [];
  constructor(
    readonly stack: string,
    readonly project = 'proj',
  ) {}

  urn(type: string, name: string): string {
    return `urn:pulumi:${this.stack}::${this.project}::${type}::${name}`;
  }

  add(type: string, name: string, spec: RowSpec = {}): string {
    const urn = this.urn(type, name);
    const pd = spec.deps ?? {};
    this.rows.push({
      urn,
      type,
      custom: true,
      ...(spec.id !== undefined ? { id: spec.id } : {}),
      inputs: spec.inputs ?? {},
      outputs: spec.outputs ?? {},
      propertyDependencies: pd,
      dependencies: [...new Set(Object.values(pd).flat())],
      protect: spec.protect === true,
    });
    return urn;
  }

  /** Inputs and outputs the same (a deployed resource). */
  deployed(type: string, name: string, props: Record<string, unknown>, extra: Omit<RowSpec, 'inputs' | 'outputs'> = {}): string {
    return this.add(type, name, { ...extra, inputs: props, outputs: props });
  }

  graph(): ResourceGraph {
    return buildGraph({ project: this.project, stack: this.stack, source: { kind: 'state', location: `test:${this.stack}`, format: 'test' }, resources: this.rows });
  }
}

export const paramArn = (path: string): string => `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter${path}`;
export const secretArn = (name: string, suffix = 'AbCdEf'): string => `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${name}-${suffix}`;
export const roleArn = (name: string): string => `arn:aws:iam::${ACCOUNT}:role/${name}`;

export function policyJson(...statements: Record<string, unknown>[]): string {
  return JSON.stringify({ Version: '2012-10-17', Statement: statements });
}

export const LAMBDA_TRUST = policyJson({ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' });
