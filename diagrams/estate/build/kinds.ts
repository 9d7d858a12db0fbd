/**
 * The resource types the estate builder reads, by kind: the AWS provider's token and, where the
 * resource exists there, the aws-native (Cloud Control) one. Everything else is counted in the
 * stack's coverage as not modelled.
 */

export const TYPES = {
  // Parameter Store
  parameter: ['aws:ssm/parameter:Parameter', 'aws-native:ssm:Parameter'],
  // Secrets Manager
  secret: ['aws:secretsmanager/secret:Secret', 'aws-native:secretsmanager:Secret'],
  secretVersion: ['aws:secretsmanager/secretVersion:SecretVersion'],
  secretRotation: ['aws:secretsmanager/secretRotation:SecretRotation', 'aws-native:secretsmanager:RotationSchedule'],
  secretPolicy: ['aws:secretsmanager/secretPolicy:SecretPolicy', 'aws-native:secretsmanager:ResourcePolicy'],
  // KMS
  key: ['aws:kms/key:Key', 'aws:kms/externalKey:ExternalKey', 'aws-native:kms:Key'],
  replicaKey: ['aws:kms/replicaKey:ReplicaKey', 'aws-native:kms:ReplicaKey'],
  alias: ['aws:kms/alias:Alias', 'aws-native:kms:Alias'],
  keyPolicy: ['aws:kms/keyPolicy:KeyPolicy'],
  grant: ['aws:kms/grant:Grant'],
  // IAM
  policy: ['aws:iam/policy:Policy', 'aws-native:iam:ManagedPolicy'],
  rolePolicy: ['aws:iam/rolePolicy:RolePolicy', 'aws-native:iam:RolePolicy'],
  userPolicy: ['aws:iam/userPolicy:UserPolicy', 'aws-native:iam:UserPolicy'],
  groupPolicy: ['aws:iam/groupPolicy:GroupPolicy', 'aws-native:iam:GroupPolicy'],
  rolePolicyAttachment: ['aws:iam/rolePolicyAttachment:RolePolicyAttachment'],
  userPolicyAttachment: ['aws:iam/userPolicyAttachment:UserPolicyAttachment'],
  groupPolicyAttachment: ['aws:iam/groupPolicyAttachment:GroupPolicyAttachment'],
  policyAttachment: ['aws:iam/policyAttachment:PolicyAttachment'],
  role: ['aws:iam/role:Role', 'aws-native:iam:Role'],
  user: ['aws:iam/user:User', 'aws-native:iam:User'],
  group: ['aws:iam/group:Group', 'aws-native:iam:Group'],
  groupMembership: ['aws:iam/groupMembership:GroupMembership'],
  userGroupMembership: ['aws:iam/userGroupMembership:UserGroupMembership', 'aws-native:iam:UserToGroupAddition'],
  instanceProfile: ['aws:iam/instanceProfile:InstanceProfile', 'aws-native:iam:InstanceProfile'],
  // Workloads that assume roles
  function: ['aws:lambda/function:Function', 'aws-native:lambda:Function'],
  permission: ['aws:lambda/permission:Permission', 'aws-native:lambda:Permission'],
  taskDefinition: ['aws:ecs/taskDefinition:TaskDefinition', 'aws-native:ecs:TaskDefinition'],
  ecsService: ['aws:ecs/service:Service', 'aws-native:ecs:Service'],
  podIdentity: ['aws:eks/podIdentityAssociation:PodIdentityAssociation', 'aws-native:eks:PodIdentityAssociation'],
  instance: ['aws:ec2/instance:Instance', 'aws-native:ec2:Instance'],
  // Audit and alerting
  trail: ['aws:cloudtrail/trail:Trail', 'aws-native:cloudtrail:Trail'],
  bucket: ['aws:s3/bucket:Bucket', 'aws:s3/bucketV2:BucketV2', 'aws-native:s3:Bucket'],
  bucketEncryption: [
    'aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration',
    'aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2',
  ],
  publicAccessBlock: ['aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock', 'aws:s3/bucketPublicAccessBlockV2:BucketPublicAccessBlockV2'],
  accountPublicAccessBlock: ['aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock'],
  alarm: ['aws:cloudwatch/metricAlarm:MetricAlarm', 'aws-native:cloudwatch:Alarm'],
  logMetricFilter: ['aws:cloudwatch/logMetricFilter:LogMetricFilter', 'aws-native:logs:MetricFilter'],
  eventRule: ['aws:cloudwatch/eventRule:EventRule', 'aws-native:events:Rule'],
  eventTarget: ['aws:cloudwatch/eventTarget:EventTarget'],
  topic: ['aws:sns/topic:Topic', 'aws-native:sns:Topic'],
  subscription: ['aws:sns/topicSubscription:TopicSubscription', 'aws-native:sns:Subscription'],
  stackReference: ['pulumi:pulumi:StackReference'],
} as const;

export type Kind = keyof typeof TYPES;

export const KIND_OF: ReadonlyMap<string, Kind> = (() => {
  const m = new Map<string, Kind>();
  for (const [k, types] of Object.entries(TYPES) as [Kind, readonly string[]][]) for (const t of types) m.set(t.toLowerCase(), k);
  return m;
})();

/** True for the aws-native token of a kind (its properties have Cloud Control names). */
export function isNative(type: string): boolean {
  return type.startsWith('aws-native:');
}

/** Database types whose master password the exposure scan reads, with the fields that hold it. */
export const DATABASE_PASSWORD_FIELDS: Readonly<Record<string, readonly string[]>> = {
  'aws:rds/instance:Instance': ['password', 'passwordWo'],
  'aws:rds/cluster:Cluster': ['masterPassword', 'masterPasswordWo'],
  'aws:docdb/cluster:Cluster': ['masterPassword'],
  'aws:redshift/cluster:Cluster': ['masterPassword'],
  'aws-native:rds:DBInstance': ['masterUserPassword'],
  'aws-native:rds:DBCluster': ['masterUserPassword'],
};

/**
 * `@pulumi/random` types whose values can serve as secrets, with the output fields that hold the
 * value and whether the provider marks them secret (encrypted in the state) or leaves them plain.
 */
export const RANDOM_SECRETS: Readonly<Record<string, { readonly fields: readonly string[]; readonly secretOutput: boolean }>> = {
  'random:index/randomPassword:RandomPassword': { fields: ['result'], secretOutput: true },
  'random:index/randomBytes:RandomBytes': { fields: ['base64', 'hex'], secretOutput: true },
  'random:index/randomString:RandomString': { fields: ['result'], secretOutput: false },
  'random:index/randomId:RandomId': { fields: ['hex', 'b64Std', 'b64Url', 'dec'], secretOutput: false },
};

export const KUBERNETES_SECRET = 'kubernetes:core/v1:Secret';

/** Types read for secrets held outside Secrets Manager and Parameter Store (besides kinds above). */
export const EXPOSURE_TYPES: readonly string[] = [...Object.keys(DATABASE_PASSWORD_FIELDS), KUBERNETES_SECRET, ...Object.keys(RANDOM_SECRETS)];

/** Whether the generator reads resources of this type. */
export function isModelledType(type: string): boolean {
  return KIND_OF.has(type.toLowerCase()) || EXPOSURE_TYPES.includes(type);
}
