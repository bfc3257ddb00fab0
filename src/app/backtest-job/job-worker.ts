import { existsSync, writeFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { sleepSync } from '../../audit/file-lock.js';
import { dayToIso } from '../../core/calendar.js';
import { isKobeError } from '../../core/errors.js';
import { redactSecrets, secretEnvValues } from '../../core/redact.js';
import { genomeStrategy } from '../../evolution/operators.js';
import { plainContext } from '../context.js';
import { decodeEngineConfig } from '../run-spec.js';
import { runWfJob } from '../wf-run.js';
import { strategyRow } from './latest-doc.js';
import type { JobMessage, JobWorkerData } from './job-protocol.js';

/**
 * The backtest job's thread: one `kobe wf` run (runWfJob, so it is recorded and its artifacts
 * written like any other), reporting as it goes. A walk-forward is seconds to minutes of
 * synchronous computing; on its own thread the server keeps answering meanwhile.
 */
const data = workerData as JobWorkerData;
const post = (m: JobMessage): void => parentPort!.postMessage(m);

async function run(): Promise<void> {
  const ctx = plainContext(data.cwd, data.env, {
    log: (line) => post({ type: 'log', line }),
    note: (line) => post({ type: 'log', line: `note: ${line}` }),
  });
  const strategies = data.legs.map((leg) => ({ strategy: genomeStrategy(leg.genome).strategy, baseParams: leg.params }));
  let finished = 0;
  const result = await runWfJob(
    { market: data.market, config: decodeEngineConfig(data.engine), strategies, tune: data.tune, windows: data.windows, outDir: data.outDir, db: data.db },
    ctx,
    {
      loaded: (run) => {
        const cal = run.ctx.panel.calendar;
        post({ type: 'loaded', window: { start: dayToIso(cal[run.from]), end: dayToIso(cal[run.to]) }, synthetic: run.source.synthetic });
      },
      onFold: (strategy, done, total) => post({ type: 'fold', strategy, done, total }),
      strategyDone: (name, wf) => {
        const leg = data.legs.find((l) => l.name === name)!;
        post({ type: 'strategy', name, row: strategyRow(wf, leg.params) });
        finished++;
        if (data.holdFile !== null && finished < data.legs.length) hold(data.holdFile);
      },
    },
  );
  post({ type: 'done', runId: result.manifest.runId });
}

/** The test hook (KOBE_TEST_HOLD_BACKTEST): says it is between strategies, then waits up to a minute for the file. */
function hold(file: string): void {
  writeFileSync(`${file}.reached`, '');
  for (let i = 0; i < 1200 && !existsSync(file); i++) sleepSync(50);
}

run().catch((e: unknown) => {
  const secrets = secretEnvValues(data.env);
  const error = isKobeError(e)
    ? { code: e.code, message: redactSecrets(e.describe(), secrets) }
    : { code: 'INTERNAL', message: redactSecrets(e instanceof Error ? e.message : String(e), secrets) };
  post({ type: 'failed', error });
});
