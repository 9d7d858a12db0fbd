/**
 * Official AWS architecture icons (package `aws-icons`), inlined as data: URIs so rendering works
 * offline (the WASM D2 build does not fetch icon URLs). Read once and cached. Views put icons in
 * D2 `vars` once per diagram and refer to them with `${icon_x}`, on a few key nodes only.
 */

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { GeneratorError } from '../errors.ts';

export const ICON_FILES = {
  ssm: 'AWSSystemsManager.svg',
  secretsmanager: 'AWSSecretsManager.svg',
  kms: 'AWSKeyManagementService.svg',
  iam: 'AWSIdentityandAccessManagement.svg',
  lambda: 'AWSLambda.svg',
  cloudtrail: 'AWSCloudTrail.svg',
  cloudwatch: 'AmazonCloudWatch.svg',
  eks: 'AmazonElasticKubernetesService.svg',
  ec2: 'AmazonEC2.svg',
  sns: 'AmazonSimpleNotificationService.svg',
  eventbridge: 'AmazonEventBridge.svg',
  codebuild: 'AWSCodeBuild.svg',
} as const;

export type IconName = keyof typeof ICON_FILES;

const cache = new Map<IconName, string>();
let iconDir: string | undefined;

function dir(): string {
  if (iconDir) return iconDir;
  const require = createRequire(import.meta.url);
  let pkg: string;
  try {
    pkg = require.resolve('aws-icons/package.json');
  } catch {
    throw new GeneratorError('environment', 'the aws-icons package is not installed', {
      subject: 'aws-icons',
      expected: 'node_modules/aws-icons (run npm ci)',
    });
  }
  iconDir = join(dirname(pkg), 'icons', 'architecture-service');
  return iconDir;
}

/** The icon as a `data:image/svg+xml;base64,...` URI. */
export function iconDataUri(name: IconName): string {
  const hit = cache.get(name);
  if (hit) return hit;
  const file = join(dir(), ICON_FILES[name]);
  let svg: Buffer;
  try {
    svg = readFileSync(file);
  } catch {
    throw new GeneratorError('environment', `AWS icon not found: ${ICON_FILES[name]}`, {
      subject: file,
      expected: 'the aws-icons package version pinned in package.json',
    });
  }
  const uri = `data:image/svg+xml;base64,${svg.toString('base64')}`;
  cache.set(name, uri);
  return uri;
}

/** The D2 variable name for an icon (`icon_kms`), used as `icon: ${icon_kms}`. */
export function iconVar(name: IconName): string {
  return `icon_${name}`;
}
