import type { View, ViewInput } from './types.ts';
export function securityComplianceControls(input: ViewInput): View {
  return { name: 'security_compliance_controls', title: input.stack, purpose: '', d2: 'todo: "security_compliance_controls"\n' };
}
