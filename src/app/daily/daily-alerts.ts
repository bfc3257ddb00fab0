import { join, resolve } from 'node:path';
import { dispatchAlert } from '../../alerts/alert-outbox.js';
import type { Alert } from '../../alerts/alert.js';
import { alertConfigFromEnv } from '../../alerts/config.js';
import { redactSecrets } from '../../core/redact.js';
import type { DailyRun } from './daily-run.js';

/**
 * Sends one alert of the pipeline (the webhook the environment configures; none: only the
 * outbox `state/alerts.jsonl` records it). Never throws and never holds the run past the alert
 * layer's deadline: an alert that cannot go out is logged there, and the pipeline goes on.
 */
export async function dailyAlert(run: DailyRun, alert: Omit<Alert, 'at' | 'date'>): Promise<void> {
  let config = null;
  try {
    config = alertConfigFromEnv(run.ctx.env);
  } catch (e) {
    // A half-configured webhook must not stop trading: say so in the journal and keep the outbox.
    run.journal('alert-config-error', alert.kind, { message: redactSecrets(e instanceof Error ? e.message : String(e)) });
  }
  const full: Alert = { ...alert, at: run.nowIso(), date: run.tradingDate };
  const outcome = await dispatchAlert(full, config, { outboxFile: join(resolve(run.ctx.cwd, run.spec.stateDir), 'alerts.jsonl') });
  run.journal('alert', alert.kind, { title: alert.title, delivered: outcome.ok, ...('code' in outcome ? { code: outcome.code } : {}) });
}
