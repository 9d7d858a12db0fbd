/**
 * Secrets Manager rotation Lambda (skeleton: the steps are being implemented).
 * Entry point bundled by esbuild (platform node, target node20).
 */
export type RotationStep = 'createSecret' | 'setSecret' | 'testSecret' | 'finishSecret';

export interface RotationEvent {
  readonly SecretId: string;
  readonly ClientRequestToken: string;
  readonly Step: RotationStep;
}

export async function handler(event: RotationEvent): Promise<void> {
  throw new Error(`rotation of ${event.SecretId}: step ${event.Step} is not implemented yet`);
}
