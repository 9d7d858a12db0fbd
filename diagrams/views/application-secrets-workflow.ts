import type { View, ViewInput } from './types.ts';
export function applicationSecretsWorkflow(input: ViewInput): View {
  return { name: 'application_secrets_workflow', title: input.stack, purpose: '', d2: 'todo: "application_secrets_workflow"\n' };
}
