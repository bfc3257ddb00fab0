import { resolve } from 'node:path';
import type { Command } from 'commander';
import { type AuditInspection, GENESIS_HASH, inspectAudit, verifyAudit } from '../../audit/audit-log.js';
import { isKobeError, type KobeError, usageError } from '../../core/errors.js';
import { stableStringify } from '../../core/stable-json.js';
import { EXIT } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { logger, makeChalk, table } from '../render.js';

/** Where kobe keeps its audit trail, relative to the working folder. */
export const DEFAULT_AUDIT_FILE = 'audit/audit.jsonl';

export interface AuditVerifyOptions {
  /** The log as the user named it; relative paths resolve against `io.cwd`. */
  readonly file: string;
  readonly json: boolean;
  /** A head hash stored earlier; the chain must still contain it (detects truncation at a line boundary). */
  readonly expectHead?: string;
}

export interface AuditShowOptions {
  readonly file: string;
  readonly json: boolean;
  /** How many of the last records to print. */
  readonly tail: number;
}

export function registerAudit(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const audit = program
    .command('audit')
    .description('check and read the tamper-evident audit trail of promotions, demotions, retirements, gate results and order decisions');
  audit
    .command('verify')
    .description('check the hash chain; exit 0 intact, 1 tampered (the first bad line is named as file:line: problem), 2 no such file')
    .option('--file <path>', 'audit log (JSONL)', DEFAULT_AUDIT_FILE)
    .option('--expect-head <hash>', 'a head hash stored earlier: fail unless that record is still in the chain (catches records cut from the end)')
    .option('--json', 'machine-readable result on stdout')
    .action((flags: { file: string; expectHead?: string; json?: boolean }) => {
      if (flags.expectHead !== undefined && !/^[0-9a-f]{64}$/.test(flags.expectHead)) {
        throw usageError('BAD_FLAG', `--expect-head must be 64 lowercase hex digits, was '${flags.expectHead}'`, { flag: '--expect-head' });
      }
      setExit(runAuditVerify({ file: flags.file, json: flags.json === true, expectHead: flags.expectHead }, io));
    });
  audit
    .command('show')
    .description('print the last records of the audit trail (and the first bad line, if the chain is broken)')
    .option('--file <path>', 'audit log (JSONL)', DEFAULT_AUDIT_FILE)
    .option('--tail <n>', 'how many of the last records to print', '20')
    .option('--json', 'machine-readable result on stdout')
    .action((flags: { file: string; tail: string; json?: boolean }) => {
      if (!/^\d+$/.test(flags.tail) || Number(flags.tail) < 1) {
        throw usageError('BAD_FLAG', `--tail must be a positive integer, was '${flags.tail}'`, { flag: '--tail' });
      }
      setExit(runAuditShow({ file: flags.file, json: flags.json === true, tail: Number(flags.tail) }, io));
    });
}

/** `kobe audit verify`: returns the exit code. */
export function runAuditVerify(opts: AuditVerifyOptions, io: CliIo): number {
  const log = logger(io, opts.json);
  const c = makeChalk(io, opts.json ? 'stderr' : 'stdout');
  let result: ReturnType<typeof verifyAudit>;
  try {
    result = verifyAudit(resolve(io.cwd, opts.file), { expectHead: opts.expectHead });
  } catch (e) {
    if (isNotFound(e)) return notFound(e, opts, io);
    throw e;
  }
  if (opts.json) {
    io.stdout.write(`${JSON.stringify({ file: opts.file, ...result }, null, 2)}\n`);
  } else if (result.ok) {
    log(`${opts.file}: ${c.green('intact')}, ${result.records} records, head ${result.headHash}`);
  } else {
    log(`${opts.file}:${result.line}: ${result.problem}`);
    log(`${c.red('audit trail broken')}: ${result.records} intact records before line ${result.line}`);
  }
  return result.ok ? EXIT.ok : EXIT.runtime;
}

/** `kobe audit show`: returns the exit code (1 when the chain is broken: the intact records before the break are still shown). */
export function runAuditShow(opts: AuditShowOptions, io: CliIo): number {
  const log = logger(io, opts.json);
  const c = makeChalk(io, opts.json ? 'stderr' : 'stdout');
  let seen: AuditInspection;
  try {
    seen = inspectAudit(resolve(io.cwd, opts.file));
  } catch (e) {
    if (isNotFound(e)) return notFound(e, opts, io);
    throw e;
  }
  const { records, problem } = seen;
  const shown = records.slice(Math.max(0, records.length - opts.tail));
  const headHash = records.length === 0 ? GENESIS_HASH : records[records.length - 1].hash;
  if (opts.json) {
    io.stdout.write(`${JSON.stringify({ file: opts.file, ok: problem === null, records: records.length, headHash, problem, shown }, null, 2)}\n`);
  } else {
    log(`${opts.file}: ${records.length} ${problem === null ? '' : 'intact '}records, showing the last ${shown.length}`);
    if (shown.length > 0) {
      log(table(['seq', 'at', 'kind', 'subject', 'data', 'hash'], shown.map((r) => [r.seq, r.at, r.kind, r.subject, clip(stableStringify(r.data), 60), r.hash.slice(0, 12)]), io));
    }
    if (problem !== null) {
      log(`${opts.file}:${problem.line}: ${problem.problem}`);
      log(c.red('audit trail broken: run kobe audit verify'));
    }
  }
  return problem === null ? EXIT.ok : EXIT.runtime;
}

const isNotFound = (e: unknown): e is KobeError => isKobeError(e) && e.code === 'AUDIT_NOT_FOUND';

function notFound(e: KobeError, opts: { file: string; json: boolean }, io: CliIo): number {
  const c = makeChalk(io, 'stderr');
  // Name the file as the user did, not as resolved against the working folder.
  const shown = { ...e.toJSON(), file: opts.file };
  io.stderr.write(`${c.red('error:')} ${opts.file}: ${e.message} [${e.code}]${e.hint ? `\n  hint: ${e.hint}` : ''}\n`);
  if (opts.json) io.stdout.write(`${JSON.stringify({ file: opts.file, ok: false, error: shown }, null, 2)}\n`);
  return EXIT.usage;
}

const clip = (s: string, n: number): string => (s.length <= n ? s : `${s.slice(0, n - 1)}…`);
