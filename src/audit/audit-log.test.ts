import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fcOptions } from '../test-support/synthetic-bars.js';
import { requireFreshDist } from '../test-support/build-dist.js';
import {
  appendAudit,
  AUDIT_KINDS,
  type AuditRecord,
  auditLine,
  GENESIS_HASH,
  hashAuditRecord,
  inspectAuditBytes,
  readAudit,
  verifyAudit,
} from './audit-log.js';

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kobe-audit-'));
  file = join(dir, 'audit', 'audit.jsonl');
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const at = (i: number): string => new Date(Date.UTC(2024, 0, 2, 14, 30) + i * 60_000).toISOString();

/** n records of every kind, with non-ASCII text and fractions in `data`. */
function chain(path: string, n: number): AuditRecord[] {
  const out: AuditRecord[] = [];
  for (let i = 0; i < n; i++) {
    out.push(
      appendAudit(path, {
        kind: AUDIT_KINDS[i % AUDIT_KINDS.length],
        subject: `donchian-breakout@${i}`,
        data: { i, sharpe: i / 3, gate: { ok: i % 2 === 0, code: i % 2 === 0 ? null : 'MAX_DRAWDOWN' }, note: 'café ✓' },
        at: at(i),
      }),
    );
  }
  return out;
}

/** The file's lines without their newlines. */
const lines = (path: string): string[] => readFileSync(path, 'utf8').split('\n').slice(0, -1);
const writeLines = (path: string, ls: readonly string[]): void => writeFileSync(path, ls.map((l) => `${l}\n`).join(''));
/** A line with a hash that is correct for its own (forged) contents. */
const forged = (body: Omit<AuditRecord, 'hash'>): string => auditLine({ ...body, hash: hashAuditRecord(body) }).trimEnd();
const parse = (line: string): AuditRecord => JSON.parse(line) as AuditRecord;

function expectBroken(line: number, problem: RegExp, records = line - 1): void {
  const v = verifyAudit(file);
  expect(v).toEqual({ ok: false, line, problem: expect.stringMatching(problem), records });
}

describe('appendAudit', () => {
  it('creates the folder and the file and chains records from the genesis hash', () => {
    const rs = chain(file, 3);
    expect(rs.map((r) => r.seq)).toEqual([1, 2, 3]);
    expect(rs[0].prevHash).toBe(GENESIS_HASH);
    expect(rs[1].prevHash).toBe(rs[0].hash);
    expect(rs[2].prevHash).toBe(rs[1].hash);
    for (const r of rs) expect(r.hash).toBe(hashAuditRecord(r));
    expect(lines(file)).toEqual(rs.map((r) => auditLine(r).trimEnd()));
    expect(readAudit(file)).toEqual(rs);
    expect(verifyAudit(file)).toEqual({ ok: true, records: 3, headHash: rs[2].hash });
    expect(existsSync(`${file}.lock`)).toBe(false);
  });

  it('writes one canonical line per record: sorted keys, no spaces, a trailing newline', () => {
    const r = appendAudit(file, { kind: 'promotion', subject: 'rsi2', data: { z: 1, a: [2, { y: true, b: null }] }, at: '2024-01-02T00:00:00Z' });
    const text = readFileSync(file, 'utf8');
    expect(text).toBe(
      `{"at":"2024-01-02T00:00:00Z","data":{"a":[2,{"b":null,"y":true}],"z":1},"hash":"${r.hash}","kind":"promotion","prevHash":"${GENESIS_HASH}","seq":1,"subject":"rsi2"}\n`,
    );
  });

  it('stores data as the JSON it will read back (undefined properties dropped, a copy)', () => {
    const data = { a: 1, gone: undefined, nested: { b: [1, 2] } };
    const r = appendAudit(file, { kind: 'gate-result', subject: 's', data, at: at(0) });
    data.nested.b.push(3);
    expect(r.data).toEqual({ a: 1, nested: { b: [1, 2] } });
    expect(readAudit(file)[0].data).toEqual(r.data);
  });

  it.each([
    [{ kind: '', subject: 's', data: 1, at: at(0) }, /kind must be a non-empty string/],
    [{ kind: 'promotion', subject: ' ', data: 1, at: at(0) }, /subject must be a non-empty string/],
    [{ kind: 'promotion', subject: 's', data: 1, at: '2024-01-02' }, /at must be an ISO 8601 time/],
    [{ kind: 'promotion', subject: 's', data: 1, at: '2024-13-45T99:00:00Z' }, /at must be an ISO 8601 time/],
    [{ kind: 'promotion', subject: 's', data: { x: [1, Number.NaN] }, at: at(0) }, /data\.x\[1\] must be a finite number, was NaN/],
    [{ kind: 'promotion', subject: 's', data: { when: new Date(0) }, at: at(0) }, /data\.when must be a plain object, was a Date/],
    [{ kind: 'promotion', subject: 's', data: undefined, at: at(0) }, /data must be JSON/],
    [{ kind: 'promotion', subject: 's', data: { n: 1n }, at: at(0) }, /data\.n must be JSON .* was bigint/],
  ])('rejects a bad entry before touching the file: %#', (entry, message) => {
    expect(() => appendAudit(file, entry as never)).toThrow(message);
    expect(existsSync(file)).toBe(false);
  });

  it('rejects circular data', () => {
    const data: Record<string, unknown> = {};
    data.self = data;
    expect(() => appendAudit(file, { kind: 'promotion', subject: 's', data, at: at(0) })).toThrow(/data\.self is circular/);
  });

  it('finds the last record when it is longer than the chunk read from the end', () => {
    const big = 'x'.repeat(20_000);
    appendAudit(file, { kind: 'order-decision', subject: 'a', data: { big }, at: at(0) });
    appendAudit(file, { kind: 'order-decision', subject: 'b', data: { big }, at: at(1) });
    const small = appendAudit(file, { kind: 'order-decision', subject: 'c', data: 1, at: at(2) }, { tailChunkBytes: 16 });
    expect(small.seq).toBe(3);
    const again = appendAudit(file, { kind: 'order-decision', subject: 'd', data: { big }, at: at(3) }, { tailChunkBytes: 1 });
    expect(again.seq).toBe(4);
    expect(verifyAudit(file)).toMatchObject({ ok: true, records: 4 });
  });

  it('reads only the tail: a damaged start does not stop an append (verify still reports it)', () => {
    chain(file, 2);
    writeFileSync(file, `not json at all\n${lines(file)[1]}\n`);
    expect(appendAudit(file, { kind: 'retirement', subject: 's', data: null, at: at(9) }).seq).toBe(3);
    expectBroken(1, /invalid JSON/, 0);
  });

  it('refuses to append after a half-written last line, and leaves the file as it was', () => {
    chain(file, 3);
    const size = readFileSync(file).length;
    truncateSync(file, size - 7);
    expect(() => appendAudit(file, { kind: 'promotion', subject: 's', data: 1, at: at(9) })).toThrow(/last line is incomplete/);
    expect(readFileSync(file).length).toBe(size - 7);
    expect(existsSync(`${file}.lock`)).toBe(false);
  });

  it('refuses to chain onto an edited last record', () => {
    chain(file, 3);
    const ls = lines(file);
    ls[2] = ls[2].replace('"sharpe":0.6666666666666666', '"sharpe":0.9');
    writeLines(file, ls);
    expect(() => appendAudit(file, { kind: 'promotion', subject: 's', data: 1, at: at(9) })).toThrow(/last record is damaged: hash does not match/);
  });
});

describe('verifyAudit', () => {
  it('an empty file is an intact chain of 0 records at the genesis hash', () => {
    writeFileSync(join(dir, 'empty.jsonl'), '');
    expect(verifyAudit(join(dir, 'empty.jsonl'))).toEqual({ ok: true, records: 0, headHash: GENESIS_HASH });
  });

  it('throws AUDIT_NOT_FOUND for a missing file', () => {
    expect(() => verifyAudit(join(dir, 'nope.jsonl'))).toThrow(expect.objectContaining({ code: 'AUDIT_NOT_FOUND', kind: 'input' }));
  });

  describe('names the first bad line when', () => {
    beforeEach(() => {
      chain(file, 5);
    });

    it('a field is edited (hash mismatch on that line)', () => {
      const ls = lines(file);
      ls[2] = ls[2].replace('"subject":"donchian-breakout@2"', '"subject":"donchian-breakout@7"');
      writeLines(file, ls);
      expectBroken(3, /^hash does not match the contents of record 3: the record was edited$/);
      expect(() => readAudit(file)).toThrow(expect.objectContaining({ code: 'AUDIT_TAMPERED', line: 3 }));
    });

    it('a field is edited and its hash recomputed (the next line no longer links)', () => {
      const ls = lines(file);
      const r = parse(ls[2]);
      ls[2] = forged({ ...r, data: { rewritten: true } });
      writeLines(file, ls);
      expectBroken(4, /^prevHash does not match the hash of record 3 on line 3/);
    });

    it('a middle line is deleted', () => {
      const ls = lines(file);
      ls.splice(2, 1);
      writeLines(file, ls);
      expectBroken(3, /^seq jumps from 2 to 4: a deleted or reordered record$/);
    });

    it('the first line is deleted', () => {
      writeLines(file, lines(file).slice(1));
      expectBroken(1, /^seq jumps from 0 to 2/);
    });

    it('a record is cut mid-line (truncated or half-written last line)', () => {
      const size = readFileSync(file).length;
      truncateSync(file, size - 20);
      expectBroken(5, /^truncated or half-written last line/);
    });

    it('only the final newline is missing', () => {
      truncateSync(file, readFileSync(file).length - 1);
      expectBroken(5, /^truncated or half-written last line/);
    });

    it('a forged line with a valid hash of its own is inserted (the displaced original no longer fits)', () => {
      const ls = lines(file);
      const r2 = parse(ls[1]);
      ls.splice(2, 0, forged({ seq: 3, at: at(2), kind: 'promotion', subject: 'forged', data: { sharpe: 9 }, prevHash: r2.hash }));
      writeLines(file, ls);
      expectBroken(4, /^seq 3 where 4 was expected: a duplicated, inserted or reordered record$/);
    });

    it('a forged line that does not continue the chain is inserted', () => {
      const ls = lines(file);
      ls.splice(2, 0, forged({ seq: 3, at: at(2), kind: 'promotion', subject: 'forged', data: {}, prevHash: 'a'.repeat(64) }));
      writeLines(file, ls);
      expectBroken(3, /^prevHash does not match the hash of record 2 on line 2/);
    });

    it('two lines are swapped', () => {
      const ls = lines(file);
      [ls[1], ls[2]] = [ls[2], ls[1]];
      writeLines(file, ls);
      expectBroken(2, /^seq jumps from 1 to 3/);
    });

    it('prevHash is changed (without and with a recomputed hash)', () => {
      const ls = lines(file);
      const r = parse(ls[3]);
      ls[3] = auditLine({ ...r, prevHash: 'b'.repeat(64) }).trimEnd();
      writeLines(file, ls);
      expectBroken(4, /^hash does not match/);
      ls[3] = forged({ ...r, prevHash: 'b'.repeat(64) });
      writeLines(file, ls);
      expectBroken(4, /^prevHash does not match the hash of record 3 on line 3/);
    });

    it('a line is duplicated', () => {
      const ls = lines(file);
      ls.splice(3, 0, ls[2]);
      writeLines(file, ls);
      expectBroken(4, /^seq 3 where 4 was expected/);
    });

    it('the last line is duplicated', () => {
      const ls = lines(file);
      writeLines(file, [...ls, ls[4]]);
      expectBroken(6, /^seq 5 where 6 was expected/);
    });

    it('a line is not JSON', () => {
      const ls = lines(file);
      ls[1] = ls[1].slice(0, -1);
      writeLines(file, ls);
      expectBroken(2, /^invalid JSON/);
    });

    it('a line is the same record in another serialisation (keys reordered)', () => {
      const ls = lines(file);
      const { hash, ...rest } = parse(ls[1]);
      ls[1] = JSON.stringify({ hash, ...rest });
      writeLines(file, ls);
      expectBroken(2, /^not in canonical form/);
    });

    it('an empty line or a field too many appears', () => {
      const ls = lines(file);
      writeLines(file, [...ls.slice(0, 2), '', ...ls.slice(2)]);
      expectBroken(3, /^empty line$/);
      const r = parse(ls[1]);
      const body = { ...r, extra: 1 } as Omit<AuditRecord, 'hash'>;
      ls[1] = auditLine({ ...body, hash: hashAuditRecord(r) } as AuditRecord).trimEnd();
      writeLines(file, ls);
      expectBroken(2, /^not an audit record: unexpected field 'extra'$/);
    });

    it('the chain starts from a wrong genesis (every hash consistent)', () => {
      const ls = lines(file);
      let prevHash = 'c'.repeat(64);
      const rebuilt = ls.map((l) => {
        const { hash: _old, ...r } = parse(l);
        const line = forged({ ...r, prevHash });
        prevHash = parse(line).hash;
        return line;
      });
      writeLines(file, rebuilt);
      expectBroken(1, /^wrong genesis: the first record's prevHash must be 0{64}, was c{64}$/);
    });
  });

  describe('records cut from the end at a line boundary', () => {
    it('leave a valid shorter chain: only a head stored elsewhere detects it', () => {
      const rs = chain(file, 5);
      writeLines(file, lines(file).slice(0, 4));
      // The chain alone cannot tell: it is a valid prefix, with its own head and count.
      expect(verifyAudit(file)).toEqual({ ok: true, records: 4, headHash: rs[3].hash });
      // The head a caller stored after the 5th append is gone.
      expect(verifyAudit(file, { expectHead: rs[4].hash })).toEqual({
        ok: false,
        line: 5,
        problem: expect.stringMatching(/^expected head [0-9a-f]{64} is not in the chain \(4 records, head [0-9a-f]{64}\): records were removed from the end/),
        records: 4,
      });
      // A head stored earlier is still in the chain, and the log may have grown since.
      expect(verifyAudit(file, { expectHead: rs[2].hash })).toMatchObject({ ok: true, records: 4 });
      expect(verifyAudit(file, { expectHead: GENESIS_HASH })).toMatchObject({ ok: true });
    });
  });

  it('detects any single-byte change to a random chain, or the file is byte-identical', () => {
    const entry = fc.record({
      kind: fc.constantFrom(...AUDIT_KINDS),
      subject: fc.string({ minLength: 1, maxLength: 12 }).filter((s) => s.trim() !== ''),
      data: fc.jsonValue({ maxDepth: 2 }),
    });
    let run = 0;
    fc.assert(
      fc.property(fc.array(entry, { minLength: 1, maxLength: 5 }), fc.nat(), fc.integer({ min: 0, max: 255 }), (entries, where, byte) => {
        const path = join(dir, `p${run++}.jsonl`);
        entries.forEach((e, i) => appendAudit(path, { ...e, at: at(i) }));
        const original = readFileSync(path);
        expect(verifyAudit(path)).toMatchObject({ ok: true, records: entries.length });
        const changed = Buffer.from(original);
        changed[where % changed.length] = byte;
        writeFileSync(path, changed);
        const v = verifyAudit(path);
        if (changed.equals(original)) expect(v.ok).toBe(true);
        else expect(v.ok).toBe(false);
        expect(inspectAuditBytes(changed).problem === null).toBe(v.ok);
      }),
      fcOptions(200),
    );
  });
});

describe('the lock', () => {
  const deadPid = (): number => {
    const child = spawnSync(process.execPath, ['-e', '']);
    return child.pid as number;
  };

  it('breaks a stale lock whose pid is no longer running', () => {
    chain(file, 1);
    const pid = deadPid();
    writeFileSync(`${file}.lock`, JSON.stringify({ pid, host: hostname(), token: 'dead' }));
    const r = appendAudit(file, { kind: 'demotion', subject: 's', data: 1, at: at(1) }, { timeoutMs: 2_000 });
    expect(r.seq).toBe(2);
    expect(existsSync(`${file}.lock`)).toBe(false);
    expect(existsSync(`${file}.lock.break`)).toBe(false);
    expect(verifyAudit(file)).toMatchObject({ ok: true, records: 2 });
  });

  it('waits for a live holder and gives up with AUDIT_LOCK_TIMEOUT naming it', () => {
    chain(file, 1);
    writeFileSync(`${file}.lock`, JSON.stringify({ pid: process.pid, host: hostname(), token: 'someone-else' }));
    expect(() => appendAudit(file, { kind: 'demotion', subject: 's', data: 1, at: at(1) }, { timeoutMs: 100 })).toThrow(
      expect.objectContaining({ code: 'AUDIT_LOCK_TIMEOUT', message: expect.stringContaining(`held by pid ${process.pid}`) }),
    );
    expect(existsSync(`${file}.lock`)).toBe(true);
    expect(verifyAudit(file)).toMatchObject({ ok: true, records: 1 });
  });

  it('never breaks a lock held on another host (its pid means nothing here)', () => {
    chain(file, 1);
    writeFileSync(`${file}.lock`, JSON.stringify({ pid: deadPid(), host: `not-${hostname()}`, token: 't' }));
    expect(() => appendAudit(file, { kind: 'demotion', subject: 's', data: 1, at: at(1) }, { timeoutMs: 100 })).toThrow(/AUDIT_LOCK_TIMEOUT|held by/);
  });

  it('breaks a lock left empty (its writer died before filling it) once it is old, not before', () => {
    chain(file, 1);
    writeFileSync(`${file}.lock`, '');
    expect(() => appendAudit(file, { kind: 'demotion', subject: 's', data: 1, at: at(1) }, { timeoutMs: 100 })).toThrow(/held by an unknown process/);
    const old = new Date(Date.now() - 60_000);
    utimesSync(`${file}.lock`, old, old);
    expect(appendAudit(file, { kind: 'demotion', subject: 's', data: 1, at: at(1) }, { timeoutMs: 1_000 }).seq).toBe(2);
  });

  it('two processes appending 200 records each at once leave one intact chain of 400', async () => {
    requireFreshDist();
    const script = fileURLToPath(new URL('../test-support/audit-writer.mjs', import.meta.url));
    const startAt = String(Date.now() + 700);
    // Both writers check in at a barrier before appending, so they overlap however late either starts.
    const barrier = mkdtempSync(join(tmpdir(), 'kobe-audit-barrier-'));
    const runWriter = (id: string) =>
      new Promise<{ code: number | null; out: string; err: string }>((done) => {
        const child = spawn(process.execPath, [script, file, id, '200', startAt, barrier, '2'], { stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        let err = '';
        child.stdout.on('data', (d: Buffer) => (out += d.toString()));
        child.stderr.on('data', (d: Buffer) => (err += d.toString()));
        child.on('close', (code) => done({ code, out, err }));
      });
    const results = await Promise.all([runWriter('A'), runWriter('B')]);
    rmSync(barrier, { recursive: true, force: true });
    for (const r of results) {
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      expect(JSON.parse(r.out)).toMatchObject({ appended: 200 });
    }
    const v = verifyAudit(file);
    expect(v).toMatchObject({ ok: true, records: 400 });
    const rs = readAudit(file);
    expect(rs.map((r) => r.seq)).toEqual(Array.from({ length: 400 }, (_, i) => i + 1));
    for (const w of ['A', 'B']) {
      const mine = rs.filter((r) => (r.data as { writer: string }).writer === w).map((r) => (r.data as { i: number }).i);
      expect(mine).toEqual(Array.from({ length: 200 }, (_, i) => i));
    }
    // The writers really overlapped: their records interleave.
    const firstB = rs.findIndex((r) => r.subject.startsWith('B-'));
    const firstA = rs.findIndex((r) => r.subject.startsWith('A-'));
    const lastA = rs.findLastIndex((r) => r.subject.startsWith('A-'));
    const lastB = rs.findLastIndex((r) => r.subject.startsWith('B-'));
    expect(firstB < lastA && firstA < lastB).toBe(true);
    expect(existsSync(`${file}.lock`)).toBe(false);
  });
});
