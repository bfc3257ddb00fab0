import type Database from 'better-sqlite3';
import { databaseFailure, openDatabase, type OpenDatabaseOptions } from './open-database.js';

/**
 * The `scans` table: one row per scanned date (a rerun for the same date replaces it), with the
 * hash of the inputs that produced it, the picks and the trade of the day as JSON.
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS scans (
  scan_date TEXT PRIMARY KEY,
  inputs_hash TEXT NOT NULL,
  scanned_at TEXT NOT NULL,
  signals INTEGER NOT NULL,
  picks_json TEXT NOT NULL,
  trade_json TEXT NOT NULL,
  summary_json TEXT NOT NULL
);
`;

export interface ScanRow {
  readonly scanDate: string;
  readonly inputsHash: string;
  readonly scannedAt: string;
  readonly signals: number;
  readonly picksJson: string;
  readonly tradeJson: string;
  readonly summaryJson: string;
}

export class ScanStore {
  private readonly db: Database.Database;

  constructor(private readonly path: string, options: OpenDatabaseOptions = {}) {
    this.db = openDatabase(path, options);
    this.db.exec(SCHEMA);
  }

  /** Records a scan; `beforeCommit` runs inside the transaction (if it throws, nothing is recorded). */
  record(row: ScanRow, beforeCommit?: () => void): void {
    try {
      this.db.transaction(() => {
        this.db
          .prepare('INSERT OR REPLACE INTO scans (scan_date, inputs_hash, scanned_at, signals, picks_json, trade_json, summary_json) VALUES (?, ?, ?, ?, ?, ?, ?)')
          .run(row.scanDate, row.inputsHash, row.scannedAt, row.signals, row.picksJson, row.tradeJson, row.summaryJson);
        beforeCommit?.();
      })();
    } catch (e) {
      throw databaseFailure(this.path, 'recording the scan', e);
    }
  }

  get(scanDate: string): ScanRow | null {
    return toRow(this.db.prepare('SELECT * FROM scans WHERE scan_date = ?').get(scanDate) as Record<string, string | number> | undefined);
  }

  /** The scan of the latest date; null when there is none. */
  newest(): ScanRow | null {
    return toRow(this.db.prepare('SELECT * FROM scans ORDER BY scan_date DESC LIMIT 1').get() as Record<string, string | number> | undefined);
  }

  count(): number {
    return Number((this.db.prepare('SELECT count(*) AS n FROM scans').get() as { n: number }).n);
  }

  close(): void {
    this.db.close();
  }
}

function toRow(r: Record<string, string | number> | undefined): ScanRow | null {
  if (r === undefined) return null;
  return {
    scanDate: String(r.scan_date),
    inputsHash: String(r.inputs_hash),
    scannedAt: String(r.scanned_at),
    signals: Number(r.signals),
    picksJson: String(r.picks_json),
    tradeJson: String(r.trade_json),
    summaryJson: String(r.summary_json),
  };
}
