import { resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { EngineConfig } from '../../backtest/config.js';
import { KobeError } from '../../core/errors.js';
import type { AppContext } from '../context.js';
import { encodeEngineConfig } from '../run-spec.js';
import { JobFiles, type ArchiveListing, type PartialDoc } from './job-files.js';
import type { JobMessage, JobWorkerData } from './job-protocol.js';
import { decodeJobRequest, type JobDefaults, type JobPlan, type JobRequest } from './job-request.js';
import type { ErrorDoc, JobWindow, LatestDoc, StrategyRow } from './latest-doc.js';

/**
 * `kobe serve`'s backtest job: one walk-forward run at a time on a thread of its own, its
 * progress kept here for the status endpoint and published as files (see JobFiles). The state
 * is this process's: a partial file left by a killed server is an interrupted run, not a
 * running one.
 */
export interface BacktestJobConfig {
  readonly defaults: JobDefaults;
  readonly engine: EngineConfig;
  /** Artifact folder and SQLite store of the runs, as `kobe wf` takes them (relative to ctx.cwd). */
  readonly outDir: string;
  readonly db: string;
  /** Where latest.json, its partial and error files and the weekly archives live. */
  readonly jobsDir: string;
}

export interface BacktestJobEvents {
  /** A run ended; `seconds` from start to its last file written. */
  readonly finished?: (outcome: 'completed' | 'error', seconds: number) => void;
}

export type JobState = 'idle' | 'running' | 'completed' | 'error';

export interface JobProgress {
  readonly folds_done: number;
  /** Null until the first split is known. */
  readonly folds_total: number | null;
  readonly current: string | null;
  readonly strategies_done: number;
  readonly strategies_total: number;
  readonly finished: Readonly<Record<string, StrategyRow>>;
}

export interface JobStatus {
  readonly state: JobState;
  readonly started_at?: string;
  readonly finished_at?: string;
  readonly window?: JobWindow;
  readonly strategies?: readonly string[];
  readonly run_id?: string;
  readonly progress?: JobProgress;
  readonly message?: string;
  /** When latest.json was generated; null: there is no complete run (a page need not ask for it). */
  readonly latest_generated_at: string | null;
}

export interface StartAnswer {
  readonly state: 'running';
  readonly started_at: string;
  /** As asked for (null: the data's first or last session); status and latest give the sessions used. */
  readonly window: JobWindow;
  readonly strategies: readonly string[];
  readonly notes: readonly string[];
}

interface Running {
  readonly plan: JobPlan;
  readonly worker: Worker;
  readonly startedAt: Date;
  readonly t0: number;
  window: JobWindow;
  synthetic: boolean | null;
  foldsDone: Map<string, number>;
  foldsPerStrategy: number | null;
  current: string | null;
  finished: Record<string, StrategyRow>;
  ended: boolean;
  settled: () => void;
}

/** Worker threads run compiled JavaScript: from the TypeScript sources (tests) the built copy in dist/. */
function workerUrl(): URL {
  const here = import.meta.url;
  return here.endsWith('.ts') ? new URL('../../../dist/app/backtest-job/job-worker.js', here) : new URL('./job-worker.js', here);
}

export class BacktestJobs {
  readonly files: JobFiles;
  private running: Running | null = null;
  private idleWaiters: (() => void)[] = [];
  private last: Omit<JobStatus, 'latest_generated_at'>;

  constructor(
    private readonly config: BacktestJobConfig,
    private readonly ctx: AppContext,
    private readonly events: BacktestJobEvents = {},
  ) {
    this.files = new JobFiles(resolve(ctx.cwd, config.jobsDir));
    this.last = this.statusFromFiles();
  }

  /** Starts a run; a usage error (400) for a bad request, JOB_RUNNING (409) while one runs. */
  start(body: JobRequest): StartAnswer {
    if (this.running !== null) {
      throw new KobeError('JOB_RUNNING', `a backtest started at ${this.running.startedAt.toISOString()} is still running; one runs at a time`, { hint: 'poll /api/backtests/status until it is completed or error' });
    }
    const plan = decodeJobRequest(body, this.config.defaults, resolve(this.ctx.cwd, this.config.db));
    const startedAt = this.ctx.now();
    const holdFile = this.ctx.env.KOBE_TEST_HOLD_BACKTEST;
    const data: JobWorkerData = {
      cwd: this.ctx.cwd,
      env: { ...this.ctx.env },
      market: plan.market,
      engine: encodeEngineConfig(this.config.engine),
      legs: plan.legs.map((l) => ({ name: l.name, genome: l.genome, params: l.params })),
      tune: plan.tune,
      windows: plan.windows,
      outDir: this.config.outDir,
      db: this.config.db,
      holdFile: holdFile === undefined || holdFile === '' ? null : holdFile,
    };
    const run: Running = {
      plan,
      worker: new Worker(workerUrl(), { workerData: data }),
      startedAt,
      t0: performance.now(),
      window: plan.window,
      synthetic: null,
      foldsDone: new Map(),
      foldsPerStrategy: null,
      current: null,
      finished: {},
      ended: false,
      settled: () => undefined,
    };
    this.running = run;
    for (const note of plan.notes) this.ctx.log(`backtest: ${note}`);
    this.ctx.log(`backtest started: ${plan.legs.map((l) => l.name).join(', ')}`);
    this.writePartial(run);
    run.worker.on('message', (m: JobMessage) => this.onMessage(run, m));
    run.worker.on('error', (e) => this.fail(run, { code: 'JOB_CRASHED', message: `the backtest thread failed: ${e.message}` }));
    run.worker.on('exit', (code) => {
      if (!run.ended) this.fail(run, { code: 'JOB_CRASHED', message: `the backtest thread stopped (exit code ${code}) before the run finished` });
      run.settled();
    });
    return { state: 'running', started_at: startedAt.toISOString(), window: plan.window, strategies: plan.legs.map((l) => l.name), notes: plan.notes };
  }

  status(): JobStatus {
    return { ...this.ownStatus(), latest_generated_at: this.latest()?.generated_at ?? null };
  }

  private ownStatus(): Omit<JobStatus, 'latest_generated_at'> {
    const run = this.running;
    if (run === null) return this.last;
    const foldsDone = [...run.foldsDone.values()].reduce((a, b) => a + b, 0);
    return {
      state: 'running',
      started_at: run.startedAt.toISOString(),
      window: run.window,
      strategies: run.plan.legs.map((l) => l.name),
      progress: {
        folds_done: foldsDone,
        folds_total: run.foldsPerStrategy === null ? null : run.foldsPerStrategy * run.plan.legs.length,
        current: run.current,
        strategies_done: Object.keys(run.finished).length,
        strategies_total: run.plan.legs.length,
        finished: { ...run.finished },
      },
    };
  }

  latest(): LatestDoc | null {
    return this.files.readLatest();
  }

  archives(): ArchiveListing[] {
    return this.files.archives();
  }

  archive(week: string): LatestDoc | null {
    return this.files.archive(week);
  }

  /** When the last complete run was generated; null without one. */
  lastSuccessAt(): Date | null {
    const latest = this.latest();
    return latest === null ? null : new Date(latest.generated_at);
  }

  /** Resolves once no run is going (at once when none is). */
  whenIdle(): Promise<void> {
    if (this.running === null) return Promise.resolve();
    return new Promise((res) => this.idleWaiters.push(res));
  }

  /** Stops a running job (the server is closing): it ends as an error saying so. */
  async close(): Promise<void> {
    const run = this.running;
    if (run === null) return;
    const exited = new Promise<void>((res) => {
      run.settled = res;
    });
    this.fail(run, { code: 'INTERRUPTED', message: 'the server stopped while the backtest was running' });
    await run.worker.terminate();
    await exited;
  }

  private onMessage(run: Running, m: JobMessage): void {
    if (run.ended) return;
    switch (m.type) {
      case 'log':
        this.ctx.log(`backtest: ${m.line}`);
        return;
      case 'loaded':
        run.window = m.window;
        run.synthetic = m.synthetic;
        this.writePartial(run);
        return;
      case 'fold':
        run.current = m.strategy;
        run.foldsDone.set(m.strategy, m.done);
        run.foldsPerStrategy = m.total;
        return;
      case 'strategy':
        run.finished[m.name] = m.row;
        run.current = null;
        this.writePartial(run);
        this.ctx.log(`backtest: ${m.name} done, ${m.row.metrics.trades} trades, sharpe ${m.row.metrics.sharpe ?? 'n/a'}`);
        return;
      case 'done':
        this.complete(run, m.runId);
        return;
      case 'failed':
        this.fail(run, m.error);
        return;
    }
  }

  private partialDoc(run: Running): PartialDoc {
    return {
      state: 'running',
      updated_at: this.ctx.now().toISOString(),
      started_at: run.startedAt.toISOString(),
      run_id: null,
      synthetic: run.synthetic,
      window: run.window,
      train_days: run.plan.windows.trainDays,
      test_days: run.plan.windows.testDays,
      tune: run.plan.tune,
      strategies: { ...run.finished },
    };
  }

  private writePartial(run: Running): void {
    try {
      this.files.writePartial(this.partialDoc(run));
    } catch (e) {
      this.fail(run, { code: 'JOB_FILE_IO', message: `cannot write ${this.files.partialPath}: ${(e as Error).message}` });
    }
  }

  private complete(run: Running, runId: string): void {
    const { state: _state, updated_at: _updated, ...rest } = this.partialDoc(run);
    const doc: LatestDoc = { generated_at: this.ctx.now().toISOString(), ...rest, run_id: runId };
    try {
      this.files.publish(doc);
    } catch (e) {
      this.fail(run, { code: 'JOB_FILE_IO', message: `cannot publish ${this.files.latestPath}: ${(e as Error).message}` });
      return;
    }
    this.end(run, { state: 'completed', started_at: doc.started_at, finished_at: doc.generated_at, window: doc.window, strategies: Object.keys(doc.strategies), run_id: runId }, 'completed');
    this.ctx.log(`backtest completed: run ${runId}`);
  }

  private fail(run: Running, error: { code: string; message: string }): void {
    if (run.ended) return;
    const doc: ErrorDoc = { failed_at: this.ctx.now().toISOString(), started_at: run.startedAt.toISOString(), window: run.window, error, strategies: { ...run.finished } };
    let message = error.message;
    try {
      this.files.writeError(doc);
    } catch (e) {
      message += ` (and ${this.files.errorPath} could not be written: ${(e as Error).message})`;
    }
    this.end(run, { state: 'error', started_at: doc.started_at, finished_at: doc.failed_at, window: doc.window, strategies: run.plan.legs.map((l) => l.name), message }, 'error');
    this.ctx.log(`backtest failed: ${error.code}: ${message}`);
  }

  private end(run: Running, status: Omit<JobStatus, 'latest_generated_at'>, outcome: 'completed' | 'error'): void {
    run.ended = true;
    this.running = null;
    this.last = status;
    this.events.finished?.(outcome, (performance.now() - run.t0) / 1000);
    // The thread has said its last word; it exits by itself once the run returns.
    void run.worker.unref();
    for (const w of this.idleWaiters.splice(0)) w();
  }

  /**
   * The state a fresh process starts in: the newer of the last complete run and the last
   * failure; a partial file left behind says a run was interrupted, never that one is running.
   */
  private statusFromFiles(): Omit<JobStatus, 'latest_generated_at'> {
    const latest = this.files.readLatest();
    const error = this.files.readError();
    const partial = this.files.readPartial();
    const interrupted = partial === null ? undefined : `the run started at ${partial.started_at} did not finish (the server stopped); its partial results are in ${this.files.partialPath}`;
    if (error !== null && (latest === null || error.failed_at > latest.generated_at)) {
      return { state: 'error', started_at: error.started_at, finished_at: error.failed_at, window: error.window, strategies: Object.keys(error.strategies), message: error.error.message };
    }
    if (latest !== null) {
      return { state: 'completed', started_at: latest.started_at, finished_at: latest.generated_at, window: latest.window, strategies: Object.keys(latest.strategies), run_id: latest.run_id ?? undefined, ...(interrupted === undefined ? {} : { message: interrupted }) };
    }
    return { state: 'idle', ...(interrupted === undefined ? {} : { message: interrupted }) };
  }
}
