/**
 * Entry of the CrossGuard policy pack: constructing the PolicyPack starts the analyzer's gRPC server
 * and prints its port for the Pulumi CLI. Loaded by ./index.cjs (see README.md); tests import
 * ./pack.ts instead, which has no side effects.
 */

import { PolicyPack } from '@pulumi/policy';
import { PACK_NAME, policyPackArgs } from './pack.ts';

new PolicyPack(PACK_NAME, policyPackArgs());
