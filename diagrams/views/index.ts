/**
 * The four views, by diagram name. Each is a pure function of (estate, stack, findings) -> D2 text.
 */

import { applicationSecretsWorkflow } from './application-secrets-workflow.ts';
import { parameterStoreHierarchy } from './parameter-store-hierarchy.ts';
import { secretsManagerIntegration } from './secrets-manager-integration.ts';
import { securityComplianceControls } from './security-compliance-controls.ts';
import type { DiagramName, ViewFn } from './types.ts';

export const VIEWS: Readonly<Record<DiagramName, ViewFn>> = Object.freeze({
  parameter_store_hierarchy: parameterStoreHierarchy,
  secrets_manager_integration: secretsManagerIntegration,
  application_secrets_workflow: applicationSecretsWorkflow,
  security_compliance_controls: securityComplianceControls,
});

export { DIAGRAMS } from './types.ts';
export type { DiagramName, View, ViewFn, ViewInput } from './types.ts';
