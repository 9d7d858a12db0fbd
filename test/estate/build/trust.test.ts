/** A role's trust from its trust policy (build/trust.ts), and from its tags when the policy cannot be read. */
import { describe, expect, it } from 'vitest';
import { trustOf } from '../../../diagrams/estate/build/trust.ts';
import { parsePolicyDocument } from '../../../diagrams/estate/iam/policy.ts';
import { REDACTED, UNKNOWN } from '../../../diagrams/graph/types.ts';
import { ACCOUNT, doc, OTHER_ACCOUNT, type Statement } from '../../fixtures/estates.ts';

const OIDC = `arn:aws:iam::${ACCOUNT}:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC`;
const assume = (principal: Record<string, unknown>, extra: Statement = {}): Statement => ({ Effect: 'Allow', Principal: principal, Action: 'sts:AssumeRole', ...extra });
const trust = (statements: Statement[], profile = false) => trustOf(parsePolicyDocument(doc(...statements)), ACCOUNT, profile);

describe('trust', () => {
  it('an EKS service account through IRSA: provider, namespace and service account from the sub condition', () => {
    const t = trust([assume({ Federated: OIDC }, { Action: 'sts:AssumeRoleWithWebIdentity', Condition: { StringEquals: { 'oidc.eks.eu-west-1.amazonaws.com/id/ABC:sub': 'system:serviceaccount:risk:risk-api' } } })]);
    expect(t).toMatchObject({ kind: 'eks-pod', principals: [`Federated:${OIDC}`], eks: { oidcProvider: 'oidc.eks.eu-west-1.amazonaws.com/id/ABC', namespace: 'risk', serviceAccount: 'risk-api' } });
  });

  it('EKS Pod Identity, CI builds (GitHub OIDC, CodeBuild), Lambda, EC2, another service', () => {
    expect(trust([assume({ Service: 'pods.eks.amazonaws.com' })]).kind).toBe('eks-pod');
    expect(trust([assume({ Federated: `arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com` })]).kind).toBe('ci-build');
    expect(trust([assume({ Service: 'codebuild.amazonaws.com' })]).kind).toBe('ci-build');
    expect(trust([assume({ Service: ['lambda.amazonaws.com', 'edgelambda.amazonaws.com'] })]).kind).toBe('lambda');
    expect(trust([assume({ Service: 'ec2.amazonaws.com' })]).kind).toBe('ec2');
    expect(trust([assume({ Service: 'ecs-tasks.amazonaws.com' })]).kind).toBe('service');
  });

  it('a role in an instance profile is assumed by EC2 whatever its policy names', () => {
    expect(trust([assume({ AWS: `arn:aws:iam::${ACCOUNT}:root` })], true).kind).toBe('ec2');
  });

  it('another account: with or without an external id; the own account is not cross-account', () => {
    expect(trust([assume({ AWS: `arn:aws:iam::${OTHER_ACCOUNT}:root` }, { Condition: { StringEquals: { 'sts:ExternalId': 'x' } } })]).crossAccount).toEqual({ accountId: OTHER_ACCOUNT, requiresExternalId: true });
    expect(trust([assume({ AWS: OTHER_ACCOUNT })]).crossAccount).toEqual({ accountId: OTHER_ACCOUNT, requiresExternalId: false });
    expect(trust([assume({ AWS: `arn:aws:iam::${ACCOUNT}:root` })]).kind).toBe('other');
  });

  it('Deny statements name no one who may assume it', () => {
    expect(trust([{ Effect: 'Deny', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }])).toMatchObject({ kind: 'other', principals: [] });
  });

  it('an unreadable or redacted policy: the TrustKind, TrustedAccount, Namespace and ServiceAccount tags', () => {
    const unknown = parsePolicyDocument(UNKNOWN);
    expect(trustOf(unknown, ACCOUNT, false).kind).toBe('other');
    expect(trustOf(unknown, ACCOUNT, true).kind).toBe('ec2');
    expect(trustOf(unknown, ACCOUNT, false, { TrustKind: 'eks-pod', Namespace: 'ns', ServiceAccount: 'sa' }).eks).toEqual({ oidcProvider: 'unknown', namespace: 'ns', serviceAccount: 'sa' });
    const redacted = trustOf(parsePolicyDocument(REDACTED), ACCOUNT, false, { TrustKind: 'cross-account', TrustedAccount: OTHER_ACCOUNT }, true);
    expect(redacted).toMatchObject({ kind: 'cross-account', crossAccount: { accountId: OTHER_ACCOUNT, requiresExternalId: true } });
    expect(trustOf(unknown, ACCOUNT, false, { TrustKind: 'nonsense' }).kind).toBe('other');
  });
});
