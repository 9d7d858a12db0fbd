/**
 * LambdaFunction.invokePrincipals: the principals of the aws:lambda/permission:Permission resources
 * whose `function` is the function (name, ARN, qualified ARN, `name:alias`, or a property edge when
 * the value is unknown), sorted and distinct; empty without any.
 */
import { describe, expect, it } from 'vitest';
import { buildEstate } from '../../diagrams/estate/build.ts';
import { UNKNOWN } from '../../diagrams/graph/types.ts';
import { ACCOUNT, REGION, StackBuilder } from './helpers.ts';

const fnArn = (name: string) => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`;
const PERMISSION = 'aws:lambda/permission:Permission';

describe('Lambda invoke principals', () => {
  it('collects the principals of the permissions that target each function', () => {
    const b = new StackBuilder('dev');
    const rot = b.deployed('aws:lambda/function:Function', 'rotation', { name: 'mono-dev-rotation', arn: fnArn('mono-dev-rotation') });
    b.deployed('aws:lambda/function:Function', 'other', { name: 'mono-dev-other', arn: fnArn('mono-dev-other') });
    b.deployed('aws:lambda/function:Function', 'lonely', { name: 'mono-dev-lonely', arn: fnArn('mono-dev-lonely') });
    b.deployed(PERMISSION, 'by-name', { function: 'mono-dev-rotation', principal: 'secretsmanager.amazonaws.com', action: 'lambda:InvokeFunction' });
    b.deployed(PERMISSION, 'by-name-again', { function: 'mono-dev-rotation', principal: 'secretsmanager.amazonaws.com' });
    b.deployed(PERMISSION, 'by-qualified-arn', { function: `${fnArn('mono-dev-rotation')}:live`, principal: 'events.amazonaws.com' });
    b.deployed(PERMISSION, 'by-alias', { function: 'mono-dev-other:live', principal: 'sns.amazonaws.com' });
    b.deployed(PERMISSION, 'by-arn', { function: fnArn('mono-dev-other'), principal: 'apigateway.amazonaws.com' });
    // A preview: the function name is not known yet, the property edge says which function it is.
    b.add(PERMISSION, 'by-edge', { inputs: { function: UNKNOWN, principal: 's3.amazonaws.com' }, deps: { function: [rot] } });
    b.deployed(PERMISSION, 'elsewhere', { function: 'not-in-the-estate', principal: 'sqs.amazonaws.com' });
    const e = buildEstate([b.graph()]);
    const of = (name: string) => e.functions.find((f) => f.name === name)!.invokePrincipals;
    expect(of('mono-dev-rotation')).toEqual(['events.amazonaws.com', 's3.amazonaws.com', 'secretsmanager.amazonaws.com']);
    expect(of('mono-dev-other')).toEqual(['apigateway.amazonaws.com', 'sns.amazonaws.com']);
    expect(of('mono-dev-lonely')).toEqual([]);
  });

  it('resolves a permission in another stack by ARN', () => {
    const a = new StackBuilder('dev');
    a.deployed('aws:lambda/function:Function', 'rotation', { name: 'mono-dev-rotation', arn: fnArn('mono-dev-rotation') });
    const b = new StackBuilder('ops');
    b.deployed(PERMISSION, 'cross', { function: fnArn('mono-dev-rotation'), principal: 'secretsmanager.amazonaws.com' });
    expect(buildEstate([a.graph(), b.graph()]).functions[0]!.invokePrincipals).toEqual(['secretsmanager.amazonaws.com']);
  });
});
