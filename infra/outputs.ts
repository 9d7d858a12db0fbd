/** Names of the shared stack's outputs that environment stacks read (besides the per-key names in catalogue KEYS). */
export const SHARED_OUTPUTS = {
  region: 'region',
  replicaRegion: 'replicaRegion',
  alertTopicArn: 'alertTopicArn',
  trailArn: 'trailArn',
  trailBucket: 'trailBucket',
} as const;
