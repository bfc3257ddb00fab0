import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendAudit, type AuditRecord } from '../../audit/audit-log.js';
import { isKobeError } from '../../core/errors.js';
import { type CliIo, memoryIo } from '../io.js';
import { DEFAULT_AUDIT_FILE, registerAudit, runAuditVerify } from './audit.js';

/** The `audit` command on a bare program, with main's error mapping: what `main` does once it is wired. */
async function runAudit(argv: string[], io: CliIo): Promise<number> {
  let code = 0;
  const out = { writeOut: (s: string) => io.stdout.write(s), writeErr: (s: string) => io.stderr.write(s) };
  const program = new Command('kobe').exitOverride().configureOutput(out);
  registerAudit(program, io, (c) => {
    code = c;
  });
  for (const cmd of program.commands) {
    cmd.exitOverride().configureOutput(out);
    for (const sub of cmd.commands) sub.exitOverride().configureOutput(out);
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) return 2;
    if (isKobeError(e)) {
      io.stderr.write(`error: ${e.describe()}\n`);
      return e.kind === 'runtime' ? 1 : 2;
    }
    throw e;
  }
}

// The same cases also run through `main`, which must have `audit` among its commands.
const mainModule = await import('../main.js');
const wired = (await mainModule.buildProgram(memoryIo(tmpdir()), () => undefined)).commands.some((c) => c.name() === 'audit');
const runners: [string, (argv: string[], io: CliIo) => Promise<number>][] = [['registerAudit', runAudit]];
if (wired) runners.push(['main', (argv, io) => mainModule.main(argv, io)]);

let cwd: string;
let records: AuditRecord[];
beforeEach(() => {
  cwd = mkdtempSync(join(tmpdir(), 'kobe-audit-cli-'));
  records = [0, 1, 2].map((i) =>
    appendAudit(join(cwd, DEFAULT_AUDIT_FILE), {
      kind: i === 2 ? 'order-decision' : 'promotion',
      subject: `rsi2-v${i}`,
      data: { i, gate: 'MAX_DRAWDOWN' },
      at: `2024-03-0${i + 1}T21:00:00.000Z`,
    }),
  );
});
afterEach(() => {
  rmSync(cwd, { recursive: true, force: true });
});

const logPath = () => join(cwd, DEFAULT_AUDIT_FILE);
function editLine(n: number, from: string, to: string): void {
  const ls = readFileSync(logPath(), 'utf8').split('\n');
  ls[n - 1] = ls[n - 1].replace(from, to);
  writeFileSync(logPath(), ls.join('\n'));
}

describe.each(runners)('kobe audit via %s', (_name, run) => {
  describe('verify', () => {
    it('exits 0 on an intact log (default file under the cwd) and reports count and head', async () => {
      const io = memoryIo(cwd);
      expect(await run(['audit', 'verify'], io)).toBe(0);
      expect(io.out()).toBe(`audit/audit.jsonl: intact, 3 records, head ${records[2].hash}\n`);
      expect(io.err()).toBe('');
    });

    it('--json prints one document', async () => {
      const io = memoryIo(cwd);
      expect(await run(['audit', 'verify', '--json'], io)).toBe(0);
      expect(JSON.parse(io.out())).toEqual({ file: 'audit/audit.jsonl', ok: true, records: 3, headHash: records[2].hash });
    });

    it('exits 1 on a tampered log and names the first bad line as file:line: problem', async () => {
      editLine(2, '"subject":"rsi2-v1"', '"subject":"rsi2-v9"');
      const io = memoryIo(cwd);
      expect(await run(['audit', 'verify'], io)).toBe(1);
      expect(io.out()).toMatch(/^audit\/audit\.jsonl:2: hash does not match the contents of record 2: the record was edited\n/);
      expect(io.out()).toContain('audit trail broken: 1 intact records before line 2');

      const json = memoryIo(cwd);
      expect(await run(['audit', 'verify', '--json'], json)).toBe(1);
      expect(JSON.parse(json.out())).toEqual({ file: 'audit/audit.jsonl', ok: false, line: 2, problem: expect.stringMatching(/^hash does not match/), records: 1 });
    });

    it('--file names another log, relative to the cwd', async () => {
      mkdirSync(join(cwd, 'elsewhere'));
      writeFileSync(join(cwd, 'elsewhere', 'a.jsonl'), readFileSync(logPath()).subarray(0, 40));
      const io = memoryIo(cwd);
      expect(await run(['audit', 'verify', '--file', 'elsewhere/a.jsonl'], io)).toBe(1);
      expect(io.out()).toMatch(/^elsewhere\/a\.jsonl:1: truncated or half-written last line/);
    });

    it('exits 2 when the file does not exist', async () => {
      const io = memoryIo(cwd);
      expect(await run(['audit', 'verify', '--file', 'missing.jsonl'], io)).toBe(2);
      expect(io.err()).toContain('missing.jsonl: audit log not found [AUDIT_NOT_FOUND]');
      const json = memoryIo(cwd);
      expect(await run(['audit', 'verify', '--file', 'missing.jsonl', '--json'], json)).toBe(2);
      expect(JSON.parse(json.out())).toMatchObject({ file: 'missing.jsonl', ok: false, error: { code: 'AUDIT_NOT_FOUND', file: 'missing.jsonl' } });
    });

    it('--expect-head catches records cut from the end at a line boundary', async () => {
      const ls = readFileSync(logPath(), 'utf8').split('\n');
      writeFileSync(logPath(), `${ls.slice(0, 2).join('\n')}\n`);
      const plain = memoryIo(cwd);
      expect(await run(['audit', 'verify'], plain)).toBe(0);
      expect(plain.out()).toContain('intact, 2 records');
      const io = memoryIo(cwd);
      expect(await run(['audit', 'verify', '--expect-head', records[2].hash], io)).toBe(1);
      expect(io.out()).toMatch(/^audit\/audit\.jsonl:3: expected head [0-9a-f]{64} is not in the chain/);
      expect(await run(['audit', 'verify', '--expect-head', records[1].hash], memoryIo(cwd))).toBe(0);
      expect(await run(['audit', 'verify', '--expect-head', 'abc'], memoryIo(cwd))).toBe(2);
    });
  });

  describe('show', () => {
    it('prints the last N records', async () => {
      const io = memoryIo(cwd);
      expect(await run(['audit', 'show', '--tail', '2'], io)).toBe(0);
      expect(io.out()).toContain('audit/audit.jsonl: 3 records, showing the last 2');
      expect(io.out()).toContain('rsi2-v1');
      expect(io.out()).toContain('rsi2-v2');
      expect(io.out()).not.toContain('rsi2-v0');
      expect(io.out()).toContain(records[2].hash.slice(0, 12));
    });

    it('--json lists the shown records in full', async () => {
      const io = memoryIo(cwd);
      expect(await run(['audit', 'show', '--json', '--tail', '1'], io)).toBe(0);
      expect(JSON.parse(io.out())).toEqual({ file: 'audit/audit.jsonl', ok: true, records: 3, headHash: records[2].hash, problem: null, shown: [records[2]] });
    });

    it('on a broken chain shows the intact records, names the bad line and exits 1', async () => {
      editLine(3, '"i":2', '"i":3');
      const io = memoryIo(cwd);
      expect(await run(['audit', 'show'], io)).toBe(1);
      expect(io.out()).toContain('2 intact records, showing the last 2');
      expect(io.out()).toContain('audit/audit.jsonl:3: hash does not match');
      const json = memoryIo(cwd);
      expect(await run(['audit', 'show', '--json'], json)).toBe(1);
      expect(JSON.parse(json.out())).toMatchObject({ ok: false, records: 2, problem: { line: 3 }, shown: records.slice(0, 2) });
    });

    it('exits 2 on a bad --tail or a missing file', async () => {
      expect(await run(['audit', 'show', '--tail', '0'], memoryIo(cwd))).toBe(2);
      expect(await run(['audit', 'show', '--tail', 'x'], memoryIo(cwd))).toBe(2);
      expect(await run(['audit', 'show', '--file', 'nope.jsonl'], memoryIo(cwd))).toBe(2);
    });
  });
});

describe('runAuditVerify', () => {
  it('is callable without commander and returns the exit code', () => {
    const io = memoryIo(cwd);
    expect(runAuditVerify({ file: DEFAULT_AUDIT_FILE, json: false }, io)).toBe(0);
    expect(runAuditVerify({ file: 'nope.jsonl', json: false }, memoryIo(cwd))).toBe(2);
  });
});

it('main registers the audit command', () => {
  expect(wired).toBe(true);
});
