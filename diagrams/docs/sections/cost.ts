/** Cost estimate of the stack: Parameter Store, Secrets Manager and KMS, with its assumptions. */

import { md } from '../escape.ts';
import { usd } from '../format.ts';
import { table, type CostSection } from '../model.ts';
import type { PageContext } from './context.ts';

export const COST_SCOPE = 'The estimate covers Parameter Store, Secrets Manager and KMS only; other services of the stack are not estimated.';

export function costSection(c: PageContext): CostSection {
  const cost = c.input.cost;
  return {
    hasCost: cost !== undefined && cost.lines.length > 0,
    costTable: table(
      ['Item', 'Quantity', 'Unit price (USD/month)', 'Monthly (USD)', 'Note'],
      (cost?.lines ?? []).map((l) => [md(l.item), String(l.quantity), usd(l.unitPrice), usd(l.monthly), md(l.note ?? '')]),
    ),
    costTotal: usd(cost?.total ?? 0),
    costPricesAsOf: md(cost?.pricesAsOf ?? ''),
    costScope: COST_SCOPE,
    costAssumptions: (cost?.assumptions ?? []).map(md),
    noCost: 'No Parameter Store, Secrets Manager or KMS resources to bill in this stack (the estimate does not cover other services).',
  };
}
