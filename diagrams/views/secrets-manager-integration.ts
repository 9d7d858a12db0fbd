import type { View, ViewInput } from './types.ts';
export function secretsManagerIntegration(input: ViewInput): View {
  return { name: 'secrets_manager_integration', title: input.stack, purpose: '', d2: 'todo: "secrets_manager_integration"\n' };
}
