import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { redactDeep } from '../core/redact.js';
import { sha256Hex, stableStringify } from '../core/stable-json.js';
import type { Alert } from './alert.js';
import { type AlertConfig, alertSecrets, alertWanted } from './config.js';
import { type AlertDelivery, type SendAlertDeps, sendAlert } from './webhook.js';

/**
 * The alerts log (`state/alerts.jsonl`): every alert is appended before it is sent and its
 * outcome after, one JSON object a line, so an alert is never lost silently. A webhook that was
 * down, alerts turned off, a crash between the two lines: the log still holds the alert, and
 * `pendingAlerts` finds the ones never delivered. No daemon: the caller awaits `dispatchAlert`,
 * which sendAlert's deadline bounds.
 *
 *   {"type":"alert","id":"…","recordedAt":"…","alert":{…}}
 *   {"type":"delivery","id":"…","recordedAt":"…","target":"telegram","delivery":{"ok":true,"attempts":2,"status":200}}
 */
export const ALERTS_FILE = 'alerts.jsonl';

/** Not sent on purpose: alerts are off (no config) or the kind is filtered out by KOBE_ALERT_EVENTS. */
export interface AlertSkipped {
  readonly ok: true;
  readonly attempts: 0;
  readonly skipped: 'alerts-off' | 'event-filtered';
}

export type AlertDispatch = AlertDelivery | AlertSkipped;

export type OutboxRecord =
  | { readonly type: 'alert'; readonly id: string; readonly recordedAt: string; readonly alert: Alert }
  | { readonly type: 'delivery'; readonly id: string; readonly recordedAt: string; readonly target: AlertConfig['kind'] | null; readonly delivery: AlertDispatch };

export interface DispatchOptions extends SendAlertDeps {
  /** The JSONL log, e.g. `<stateDir>/alerts.jsonl`; its folder is created if missing. */
  readonly outboxFile: string;
  /** Wall clock for `recordedAt`, epoch ms; default Date.now. */
  readonly wallClock?: () => number;
}

/** The outcome, plus why the log could not be written (the alert was still sent). */
export type DispatchResult = AlertDispatch & { readonly outboxError?: string };

/** An alert's id: a hash of its content, so the same alert logged twice has one id. */
export const alertId = (alert: Alert): string => sha256Hex(stableStringify(alert)).slice(0, 16);

/**
 * Logs `alert`, sends it (unless alerts are off or its kind is filtered), logs the outcome.
 * Never throws: a log that cannot be written (full disk, read-only state folder) is reported in
 * `outboxError` and does not stop the send. Secrets are redacted before anything is written.
 */
export async function dispatchAlert(alert: Alert, config: AlertConfig | null, options: DispatchOptions): Promise<DispatchResult> {
  const wallClock = options.wallClock ?? Date.now;
  const secrets = config === null ? [] : alertSecrets(config);
  const safe = redactDeep(alert, secrets);
  const id = alertId(safe);
  const errors: string[] = [];
  const append = (record: OutboxRecord) => {
    try {
      mkdirSync(dirname(options.outboxFile), { recursive: true });
      appendFileSync(options.outboxFile, `${JSON.stringify(redactDeep(record, secrets))}\n`);
    } catch (e) {
      errors.push(`cannot append to ${options.outboxFile}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
    }
  };
  const stamp = () => {
    try {
      return new Date(wallClock()).toISOString();
    } catch {
      return new Date().toISOString();
    }
  };

  append({ type: 'alert', id, recordedAt: stamp(), alert: safe });
  let outcome: AlertDispatch;
  if (config === null) outcome = { ok: true, attempts: 0, skipped: 'alerts-off' };
  else if (!alertWanted(config, safe.kind)) outcome = { ok: true, attempts: 0, skipped: 'event-filtered' };
  else outcome = await sendAlert(safe, config, options);
  append({ type: 'delivery', id, recordedAt: stamp(), target: config?.kind ?? null, delivery: outcome });
  return errors.length === 0 ? outcome : { ...outcome, outboxError: errors[0] };
}

/**
 * The records of an alerts log, oldest first; [] when it does not exist. A line that is not
 * JSON (a write torn by a crash) is skipped: the log is a record, not a source of failures.
 */
export function readOutbox(file: string): OutboxRecord[] {
  if (!existsSync(file)) return [];
  const out: OutboxRecord[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    try {
      const r = JSON.parse(line) as OutboxRecord;
      if (r !== null && typeof r === 'object' && (r.type === 'alert' || r.type === 'delivery') && typeof r.id === 'string') out.push(r);
    } catch {
      // torn line
    }
  }
  return out;
}

/**
 * Alerts whose last recorded outcome is a failure, or that have no outcome at all (the process
 * died while sending): what a later run, or a person, should look at or send again. Skipped
 * alerts are not pending (not sending them was the configuration's choice).
 */
export function pendingAlerts(records: readonly OutboxRecord[]): Array<{ readonly id: string; readonly alert: Alert; readonly lastDelivery: AlertDispatch | null }> {
  const alerts = new Map<string, Alert>();
  const last = new Map<string, AlertDispatch>();
  for (const r of records) {
    if (r.type === 'alert') alerts.set(r.id, r.alert);
    else last.set(r.id, r.delivery);
  }
  const out: Array<{ id: string; alert: Alert; lastDelivery: AlertDispatch | null }> = [];
  for (const [id, alert] of alerts) {
    const d = last.get(id) ?? null;
    if (d === null || !d.ok) out.push({ id, alert, lastDelivery: d });
  }
  return out;
}
