import { reconcileOrders } from '../../orders/manage.js';
import type { DailyRun } from '../daily-run.js';
import { done, type StepResult } from './step.js';

/** The OMS against the broker; each difference is journalled (and left for a person: reconciliation reports, it never overwrites). */
export async function reconcileStep(run: DailyRun): Promise<StepResult> {
  run.at('eod');
  const differences = await reconcileOrders(run.orders(), run.ctx);
  for (const d of differences) run.journal('reconciliation-difference', 'reconcile', { ...d });
  return done({ differences: differences.map((d) => ({ ...d })) }, [differences.length === 0 ? 'OMS and broker agree' : `${differences.length} difference(s): ${differences.map((d) => d.kind).join(', ')}`]);
}
