import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { isKobeError } from '../../core/errors.js';
import { decodeModel } from '../../confidence/model-codec.js';
import { modelId } from '../../store/model-store.js';
import { EXIT } from '../exit-codes.js';
import { memoryIo } from '../io.js';
import { withParamFlag } from '../param-flags.js';
import { registerScanTrain } from './scan-train.js';

const dir = mkdtempSync(join(tmpdir(), 'kobe-scan-train-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * `kobe scan train ...` on a program holding only `scan` (the lead attaches train under the real
 * scan command at merge). Errors are mapped to exit codes the way main() maps them.
 */
async function kobe(args: string[]) {
  const io = memoryIo(dir);
  let code: number = EXIT.ok;
  const program = new Command('kobe').exitOverride().configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });
  const scan = program.command('scan').exitOverride();
  registerScanTrain(scan, io, (c) => {
    code = c;
  });
  for (const sub of scan.commands) sub.exitOverride().configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });
  try {
    await program.parseAsync(args, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) code = EXIT.usage;
    else if (isKobeError(e)) {
      io.stderr.write(`error: ${withParamFlag(e).describe()}\n`);
      code = e.kind === 'runtime' ? EXIT.runtime : EXIT.usage;
    } else throw e;
  }
  return { code, out: io.out(), err: io.err() };
}

describe('kobe scan train (command line)', () => {
  it('trains on the demo market: --json report with held-out scores, reliability, coefficients; files written', async () => {
    const r = await kobe(['scan', 'train', '--cap', '30', '--calibration', 'isotonic', '--json']);
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.ok).toBe(true);
    expect(j.synthetic).toBe(true);
    expect(j.activation.activated).toBe(true);
    expect(j.model.calibration.kind).toBe('isotonic');
    expect(j.model.metrics.reliability).toHaveLength(10);
    expect(j.model.featureNames).toHaveLength(j.model.coefficients.length);
    expect(j.folds.heldOut).toBe(j.model.metrics.n);
    for (const k of ['brier', 'logLoss', 'baseRateBrier', 'baseRateLogLoss', 'brierSkill', 'auc']) expect(Number.isFinite(j.model.metrics[k].value)).toBe(true);
    const active = decodeModel(readFileSync(join(dir, 'state', 'models', 'active.json'), 'utf8'));
    expect(modelId(active)).toBe(j.id);
    expect(j.trainedThrough).toBe(j.model.trainingWindow.heldOutTo);
    expect(r.err).toMatch(/held-out \(\d+ trades/);
    expect(r.err).toMatch(/Brier [\d.]+ against [\d.]+ for the base rate/);
  });

  it('cut dates by flag; a calibrate end before the fit end is a usage error (exit 2)', async () => {
    const bad = await kobe(['scan', 'train', '--cap', '10', '--fit-end', '2019-01-01', '--calibrate-end', '2018-01-01', '--db', 'other.db', '--state-dir', 'other']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--calibrate-end: .*must be after --fit-end/);
    const ok = await kobe(['scan', 'train', '--cap', '20', '--fit-end', '2018-12-31', '--calibrate-end', '2020-12-31', '--db', 'other.db', '--state-dir', 'other', '--json']);
    expect(ok.code, ok.err).toBe(0);
    const w = JSON.parse(ok.out).model.trainingWindow;
    expect(w.calibrateFrom).toBe('2019-01-01');
    expect(w.heldOutFrom).toBe('2021-01-01');
    expect(w.fitTo <= '2018-12-31').toBe(true);
    expect(w.calibrateTo <= '2020-12-31').toBe(true);
  });

  it('a damaged active.json is a clear error, exit 2, nothing written', async () => {
    const active = join(dir, 'state', 'models', 'active.json');
    writeFileSync(active, '{"format": "kobe-confidence-model", "vers');
    const files = readdirSync(join(dir, 'state', 'models')).sort();
    const r = await kobe(['scan', 'train', '--cap', '10']);
    expect(r.code).toBe(2);
    expect(r.err).toContain(active);
    expect(r.err).toMatch(/BAD_MODEL_FILE/);
    expect(readdirSync(join(dir, 'state', 'models')).sort()).toEqual(files);
  });

  it('an unknown calibration is a usage error', async () => {
    const r = await kobe(['scan', 'train', '--calibration', 'beta']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--calibration/);
  });
});
