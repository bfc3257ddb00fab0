import { closeSync, existsSync, fstatSync, fsyncSync, mkdirSync, openSync, readFileSync, readSync, writeSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { inputError, KobeError } from '../core/errors.js';
import { sha256Hex, stableStringify } from '../core/stable-json.js';
import { type FileLockOptions, withFileLock } from './file-lock.js';

/**
 * A tamper-evident audit trail: promotions, demotions, retirements, gate results and order
 * decisions, one JSON record per line (JSONL), each chained to the one before by its hash.
 *
 * Record (one line, keys sorted, no spaces: exactly `stableStringify(record)` + "\n"):
 *   { at, data, hash, kind, prevHash, seq, subject }
 * - `seq`: 1, 2, 3, ... equal to the line number.
 * - `at`: ISO 8601 time given by the caller (this module reads no clock).
 * - `kind`: what happened (`promotion`, `demotion`, `retirement`, `gate-result`, `order-decision`, ...).
 * - `subject`: what it happened to (a strategy id, an order id, ...).
 * - `data`: any JSON value (finite numbers only).
 * - `prevHash`: the previous record's `hash`; `GENESIS_HASH` (64 zeros) for the first.
 * - `hash`: sha256 hex of `stableStringify` of the record without `hash`.
 *
 * What verification proves, and what it cannot:
 * - Editing, deleting, inserting, reordering or duplicating records anywhere before the end,
 *   a half-written or truncated last line, any byte that is not the canonical serialisation, a
 *   wrong genesis: `verifyAudit` names the first bad line.
 * - Deleting whole records from the END leaves a valid, shorter chain: the chain cannot know
 *   what came after it. Keep the head (`headHash`, `records`) that `verifyAudit` or `appendAudit`
 *   reports somewhere else (a run manifest, a database, a commit) and pass it back as
 *   `expectHead`: verification then fails if that record is no longer in the chain.
 * - There is no secret key: someone who can write the file can append forged records or
 *   rewrite the whole chain consistently. Anchoring the head elsewhere is what detects that.
 */

export const GENESIS_HASH = '0'.repeat(64);

/** The kinds kobe writes; `kind` accepts any non-empty string. */
export const AUDIT_KINDS = ['promotion', 'demotion', 'retirement', 'gate-result', 'order-decision'] as const;

export interface AuditEntry {
  readonly kind: string;
  readonly subject: string;
  readonly data: unknown;
  /** ISO 8601 time, e.g. `2024-05-01T14:30:00.000Z`; the caller owns the clock. */
  readonly at: string;
}

export interface AuditRecord {
  readonly seq: number;
  readonly at: string;
  readonly kind: string;
  readonly subject: string;
  readonly data: unknown;
  readonly prevHash: string;
  readonly hash: string;
}

export type AuditVerifyResult =
  | { readonly ok: true; readonly records: number; readonly headHash: string }
  | { readonly ok: false; readonly line: number; readonly problem: string; readonly records: number };

export interface AuditInspection {
  /** The intact records before the first problem (all of them when there is none). */
  readonly records: readonly AuditRecord[];
  /** The first bad line (1-based) and what is wrong with it, or null when the chain is intact. */
  readonly problem: { readonly line: number; readonly problem: string } | null;
}

export interface AppendAuditOptions extends FileLockOptions {
  /** Bytes read per step when looking for the last line; default 4096 (doubles while no newline is found). */
  readonly tailChunkBytes?: number;
}

export interface VerifyAuditOptions {
  /** A head hash stored earlier: verification fails unless a record with this hash is in the chain. */
  readonly expectHead?: string;
}

const RECORD_KEYS = ['at', 'data', 'hash', 'kind', 'prevHash', 'seq', 'subject'] as const;
const HEX64 = /^[0-9a-f]{64}$/;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/;
const NEWLINE = 0x0a;

/** sha256 hex of the canonical JSON of the record without its `hash`. */
export function hashAuditRecord(record: Omit<AuditRecord, 'hash'>): string {
  const { seq, at, kind, subject, data, prevHash } = record;
  return sha256Hex(stableStringify({ seq, at, kind, subject, data, prevHash }));
}

/** The exact line (with its newline) a record is stored as. */
export function auditLine(record: AuditRecord): string {
  return `${stableStringify(record)}\n`;
}

/**
 * Appends one record and returns it. Holds `<path>.lock` while it re-reads the last record (only
 * the tail of the file) and writes, so concurrent writers in other processes queue up and the
 * chain stays linear. The line is written in one call and fsynced before the lock is released;
 * when the file (or its folder) is new, the directory entries are fsynced too.
 * Refuses to append after a damaged last line (AUDIT_TORN_TAIL, AUDIT_BAD_TAIL): a human decides.
 */
export function appendAudit(path: string, entry: AuditEntry, options: AppendAuditOptions = {}): AuditRecord {
  const data = validateEntry(entry);
  const dir = dirname(resolve(path));
  ensureDir(dir);
  return withFileLock(
    `${path}.lock`,
    () => {
      const created = !existsSync(path);
      const fd = openSync(path, 'a+');
      let record: AuditRecord;
      try {
        const tail = readTail(fd, path, options.tailChunkBytes ?? 4096);
        const body = { seq: tail.seq + 1, at: entry.at, kind: entry.kind, subject: entry.subject, data, prevHash: tail.hash };
        record = { ...body, hash: hashAuditRecord(body) };
        writeAll(fd, Buffer.from(auditLine(record), 'utf8'));
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      if (created) fsyncDir(dir);
      return record;
    },
    options,
  );
}

/** Every record of an intact log; throws AUDIT_TAMPERED naming the first bad line otherwise. */
export function readAudit(path: string): AuditRecord[] {
  const { records, problem } = inspectAudit(path);
  if (problem !== null) {
    throw new KobeError('AUDIT_TAMPERED', problem.problem, { file: path, line: problem.line, hint: 'the audit trail is broken; see kobe audit verify' });
  }
  return [...records];
}

/** Checks the whole chain; names the first bad line. Throws AUDIT_NOT_FOUND when the file is missing. */
export function verifyAudit(path: string, options: VerifyAuditOptions = {}): AuditVerifyResult {
  const { records, problem } = inspectAudit(path);
  if (problem !== null) return { ok: false, line: problem.line, problem: problem.problem, records: records.length };
  const headHash = records.length === 0 ? GENESIS_HASH : records[records.length - 1].hash;
  if (options.expectHead !== undefined && options.expectHead !== GENESIS_HASH && !records.some((r) => r.hash === options.expectHead)) {
    return {
      ok: false,
      line: records.length + 1,
      problem: `expected head ${options.expectHead} is not in the chain (${records.length} records, head ${headHash}): records were removed from the end or the log was rewritten`,
      records: records.length,
    };
  }
  return { ok: true, records: records.length, headHash };
}

/** The intact prefix of the log and its first problem, for callers that want to show both. */
export function inspectAudit(path: string): AuditInspection {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      throw inputError('AUDIT_NOT_FOUND', 'audit log not found', { file: path, hint: 'pass --file, or append a record first' });
    }
    throw new KobeError('AUDIT_READ_FAILED', `cannot read the audit log: ${(e as Error).message}`, { file: path, cause: e });
  }
  return inspectAuditBytes(bytes);
}

/** `inspectAudit` on the file's bytes. */
export function inspectAuditBytes(bytes: Uint8Array): AuditInspection {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const records: AuditRecord[] = [];
  let prevHash = GENESIS_HASH;
  let start = 0;
  for (let line = 1; start < buf.length; line++) {
    const nl = buf.indexOf(NEWLINE, start);
    if (nl < 0) {
      return { records, problem: { line, problem: 'truncated or half-written last line (no newline at its end)' } };
    }
    const checked = checkLine(buf.subarray(start, nl));
    if (typeof checked === 'string') return { records, problem: { line, problem: checked } };
    const chain = checkLink(checked, line, prevHash);
    if (chain !== null) return { records, problem: { line, problem: chain } };
    records.push(checked);
    prevHash = checked.hash;
    start = nl + 1;
  }
  return { records, problem: null };
}

/** A record that is well-formed, canonical and consistent with its own hash, or what is wrong with the line. */
function checkLine(bytes: Buffer): AuditRecord | string {
  if (bytes.length === 0) return 'empty line';
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    return `invalid JSON: ${(e as Error).message}`;
  }
  const shaped = recordShape(value);
  if (typeof shaped === 'string') return `not an audit record: ${shaped}`;
  if (!bytes.equals(Buffer.from(stableStringify(shaped), 'utf8'))) {
    return 'not in canonical form (the line differs from its record re-serialised): edited by hand';
  }
  if (hashAuditRecord(shaped) !== shaped.hash) return `hash does not match the contents of record ${shaped.seq}: the record was edited`;
  return shaped;
}

/** Whether `record`, found on `line`, follows the record whose hash is `prevHash`. */
function checkLink(record: AuditRecord, line: number, prevHash: string): string | null {
  if (record.seq !== line) {
    return record.seq < line
      ? `seq ${record.seq} where ${line} was expected: a duplicated, inserted or reordered record`
      : `seq jumps from ${line - 1} to ${record.seq}: a deleted or reordered record`;
  }
  if (line === 1) {
    return record.prevHash === GENESIS_HASH ? null : `wrong genesis: the first record's prevHash must be ${GENESIS_HASH}, was ${record.prevHash}`;
  }
  return record.prevHash === prevHash
    ? null
    : `prevHash does not match the hash of record ${line - 1} on line ${line - 1}: a deleted, inserted or reordered record`;
}

function recordShape(value: unknown): AuditRecord | string {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'not a JSON object';
  const o = value as Record<string, unknown>;
  for (const k of RECORD_KEYS) if (!(k in o)) return `missing field '${k}'`;
  for (const k of Object.keys(o)) if (!(RECORD_KEYS as readonly string[]).includes(k)) return `unexpected field '${k}'`;
  if (!Number.isSafeInteger(o.seq) || (o.seq as number) < 1) return `seq must be a positive integer, was ${JSON.stringify(o.seq)}`;
  if (typeof o.at !== 'string' || !isIsoTime(o.at)) return `at must be an ISO time, was ${JSON.stringify(o.at)}`;
  if (typeof o.kind !== 'string' || o.kind === '') return `kind must be a non-empty string, was ${JSON.stringify(o.kind)}`;
  if (typeof o.subject !== 'string' || o.subject === '') return `subject must be a non-empty string, was ${JSON.stringify(o.subject)}`;
  if (typeof o.prevHash !== 'string' || !HEX64.test(o.prevHash)) return 'prevHash must be 64 lowercase hex digits';
  if (typeof o.hash !== 'string' || !HEX64.test(o.hash)) return 'hash must be 64 lowercase hex digits';
  return { seq: o.seq as number, at: o.at, kind: o.kind, subject: o.subject, data: o.data, prevHash: o.prevHash, hash: o.hash };
}

const isIsoTime = (s: string): boolean => ISO_TIME.test(s) && !Number.isNaN(Date.parse(s));

/** Validates the entry once, at the edge; returns `data` as the JSON it will be stored as. */
function validateEntry(entry: AuditEntry): unknown {
  if (entry === null || typeof entry !== 'object') throw inputError('AUDIT_BAD_ENTRY', 'an audit entry must be an object', { value: entry });
  if (typeof entry.kind !== 'string' || entry.kind.trim() === '') {
    throw inputError('AUDIT_BAD_ENTRY', `kind must be a non-empty string, was ${JSON.stringify(entry.kind)}`, { value: entry.kind });
  }
  if (typeof entry.subject !== 'string' || entry.subject.trim() === '') {
    throw inputError('AUDIT_BAD_ENTRY', `subject must be a non-empty string, was ${JSON.stringify(entry.subject)}`, { value: entry.subject });
  }
  if (typeof entry.at !== 'string' || !isIsoTime(entry.at)) {
    throw inputError('AUDIT_BAD_ENTRY', `at must be an ISO 8601 time, was ${JSON.stringify(entry.at)}`, {
      value: entry.at,
      hint: 'e.g. new Date().toISOString() at the edge that owns the clock',
    });
  }
  assertJson(entry.data, 'data', new Set());
  return JSON.parse(stableStringify(entry.data));
}

function assertJson(v: unknown, where: string, seen: Set<object>): void {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw inputError('AUDIT_BAD_ENTRY', `${where} must be a finite number, was ${v}`, { value: v, hint: 'use null for a missing value' });
    return;
  }
  if (typeof v !== 'object') {
    throw inputError('AUDIT_BAD_ENTRY', `${where} must be JSON (null, boolean, number, string, array, plain object), was ${typeof v}`, { value: v });
  }
  if (seen.has(v)) throw inputError('AUDIT_BAD_ENTRY', `${where} is circular`);
  seen.add(v);
  if (Array.isArray(v)) {
    v.forEach((x, i) => assertJson(x, `${where}[${i}]`, seen));
  } else {
    const proto = Object.getPrototypeOf(v) as unknown;
    if (proto !== Object.prototype && proto !== null) {
      throw inputError('AUDIT_BAD_ENTRY', `${where} must be a plain object, was a ${(v as object).constructor?.name ?? 'non-plain object'}`, {
        hint: 'convert dates to ISO strings and typed arrays to arrays first',
      });
    }
    for (const [k, x] of Object.entries(v)) if (x !== undefined) assertJson(x, `${where}.${k}`, seen);
  }
  seen.delete(v);
}

/**
 * seq and hash of the last record, reading backwards from the end in growing chunks until the
 * newline before the last line is found: a large log costs a few KB, not a full read.
 */
function readTail(fd: number, path: string, chunkBytes: number): { seq: number; hash: string } {
  const size = fstatSync(fd).size;
  if (size === 0) return { seq: 0, hash: GENESIS_HASH };
  const last = Buffer.alloc(1);
  readFully(fd, last, size - 1);
  if (last[0] !== NEWLINE) {
    throw new KobeError('AUDIT_TORN_TAIL', 'the last line is incomplete (no newline at its end): a write was interrupted or the file was truncated', {
      file: path,
      hint: `run kobe audit verify --file ${path}; remove the last line only if it is a half-written record`,
    });
  }
  const pieces: Buffer[] = [];
  let end = size - 1; // exclusive end of what is still unread of the last line
  let chunk = Math.max(1, chunkBytes);
  while (end > 0) {
    const from = Math.max(0, end - chunk);
    const buf = Buffer.alloc(end - from);
    readFully(fd, buf, from);
    const nl = buf.lastIndexOf(NEWLINE);
    if (nl >= 0) {
      pieces.unshift(buf.subarray(nl + 1));
      break;
    }
    pieces.unshift(buf);
    end = from;
    chunk = Math.min(chunk * 2, 1 << 24);
  }
  const checked = checkLine(Buffer.concat(pieces));
  if (typeof checked === 'string') {
    throw new KobeError('AUDIT_BAD_TAIL', `the last record is damaged: ${checked}`, { file: path, hint: `run kobe audit verify --file ${path}` });
  }
  return { seq: checked.seq, hash: checked.hash };
}

function readFully(fd: number, buf: Buffer, position: number): void {
  let done = 0;
  while (done < buf.length) {
    const n = readSync(fd, buf, done, buf.length - done, position + done);
    if (n === 0) throw new KobeError('AUDIT_READ_FAILED', 'the audit log shrank while it was being read');
    done += n;
  }
}

function writeAll(fd: number, buf: Buffer): void {
  let done = 0;
  while (done < buf.length) done += writeSync(fd, buf, done, buf.length - done);
}

/** Creates `dir` if needed and fsyncs every directory whose entries that changed. */
function ensureDir(dir: string): void {
  const first = mkdirSync(dir, { recursive: true });
  if (first === undefined) return;
  const changed: string[] = [];
  for (let d = dir; d !== first; d = dirname(d)) changed.push(d);
  changed.push(first, dirname(first));
  for (const d of changed) fsyncDir(d);
}

/** Makes a new directory entry durable. Windows cannot open a directory for fsync; it is skipped there. */
function fsyncDir(dir: string): void {
  if (process.platform === 'win32') return;
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
