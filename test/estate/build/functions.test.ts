/**
 * Lambda functions (build/functions.ts): role, runtime, purpose (rotation when a secret's rotation
 * names it), and who may invoke it: the principals of the Permission resources whose `function` is it
 * (name, ARN, qualified ARN, `name:alias`, or a property edge when the value is not known).
 */
import { describe, expect, it } from 'vitest';
import { UNKNOWN } from '../../../diagrams/graph/types.ts';
import { EstateFixture } from '../../fixtures/estates.ts';
import { named } from '../helpers.ts';

const PERMISSION = 'aws:lambda/permission:Permission';

describe('Lambda functions', () => {
  it('role resolved by ARN, runtime, handler; aws-native functionName', () => {
    const f = new EstateFixture();
    const s = f.stack('dev');
    const role = s.role('fn-role');
    const fn = s.lambda('handler', role);
    const native = s.add('aws-native:lambda:Function', 'native', { functionName: 'native-fn', role: role.arn, runtime: 'python3.12', handler: 'app.main', environment: { variables: { MODE: 'x' } } }, { id: 'native-fn', arn: `arn:aws:lambda:${s.region}:${s.account}:function:native-fn` });
    const e = f.estate();
    expect(named(e.functions, 'handler')).toMatchObject({ urn: fn.urn, roleArn: role.arn, roleUrn: role.urn, runtime: 'nodejs20.x', handler: 'index.handler', purpose: 'other' });
    expect(named(e.functions, 'native-fn')).toMatchObject({ urn: native, roleUrn: role.urn, runtime: 'python3.12', handler: 'app.main' });
  });

  it('collects the principals of the permissions that target each function', () => {
    const f = new EstateFixture();
    const s = f.stack('dev');
    const role = s.role('r');
    const rot = s.lambda('mono-dev-rotation', role);
    const other = s.lambda('mono-dev-other', role);
    s.lambda('mono-dev-lonely', role);
    const permit = (name: string, fn: string, principal: string) => s.add(PERMISSION, name, { function: fn, principal, action: 'lambda:InvokeFunction' }, { id: name });
    permit('by-name', 'mono-dev-rotation', 'secretsmanager.amazonaws.com');
    permit('by-name-again', 'mono-dev-rotation', 'secretsmanager.amazonaws.com');
    permit('by-qualified-arn', `${rot.arn}:live`, 'events.amazonaws.com');
    permit('by-alias', 'mono-dev-other:live', 'sns.amazonaws.com');
    permit('by-arn', other.arn, 'apigateway.amazonaws.com');
    permit('elsewhere', 'not-in-the-estate', 'sqs.amazonaws.com');
    s.add(PERMISSION, 'by-edge', { function: UNKNOWN, principal: 's3.amazonaws.com' }, { outputs: {}, deps: { function: [rot.urn] } });
    const e = f.estate();
    const of = (name: string) => named(e.functions, name).invokePrincipals;
    expect(of('mono-dev-rotation')).toEqual(['events.amazonaws.com', 's3.amazonaws.com', 'secretsmanager.amazonaws.com']);
    expect(of('mono-dev-other')).toEqual(['apigateway.amazonaws.com', 'sns.amazonaws.com']);
    expect(of('mono-dev-lonely')).toEqual([]);
  });

  it('resolves a permission in another stack by ARN', () => {
    const f = new EstateFixture();
    const fn = f.stack('dev').lambda('mono-dev-rotation', f.stack('iam').role('r'));
    f.stack('ops').permission(fn, 'secretsmanager.amazonaws.com');
    expect(f.estate().functions[0]!.invokePrincipals).toEqual(['secretsmanager.amazonaws.com']);
  });

  it('purpose: rotation only when an enabled rotation names it', () => {
    const f = new EstateFixture();
    const s = f.stack('dev');
    const on = s.lambda('rotates', s.role('a'));
    s.secret('app/dev/db', { rotationDays: 30, rotationLambda: on });
    const off = s.lambda('named-but-off', s.role('b'));
    s.add('aws:secretsmanager/secret:Secret', 'legacy', { name: 'app/dev/legacy', rotationLambdaArn: off.arn, rotationEnabled: false }, { id: s.secretArn('app/dev/legacy'), arn: s.secretArn('app/dev/legacy') });
    const e = f.estate();
    expect(e.functions.map((x) => [x.name, x.purpose])).toEqual([['named-but-off', 'other'], ['rotates', 'rotation']]);
    expect(named(e.secrets, 'app/dev/legacy').rotation).toMatchObject({ enabled: false, functionUrn: off.urn });
  });
});
