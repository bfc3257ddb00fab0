import Fastify, { LogController, type FastifyInstance } from 'fastify';
import { BacktestJobs, type BacktestJobConfig } from '../app/backtest-job/backtest-job.js';
import type { AppContext } from '../app/context.js';
import { redactSecrets } from '../core/redact.js';
import { registerBearerAuth, requireTokenFor } from './auth.js';
import { registerErrorHandlers } from './http-errors.js';
import { createServerMetrics } from './http-metrics.js';
import { backtestRoutes } from './routes/backtests.js';
import { dashboardRoutes } from './routes/dashboard.js';
import { healthRoutes } from './routes/health.js';

export interface ServerOptions {
  /** The address it will listen on: decides whether a token is required (see requireTokenFor). */
  readonly host: string;
  /** KOBE_API_TOKEN; null: none (loopback only). */
  readonly token: string | null;
  readonly job: BacktestJobConfig;
  /** The daily pipeline's state folder and the audit log, for the dashboard. */
  readonly stateDir: string;
  readonly audit: string;
  /** Where the JSON log lines go (default stdout). */
  readonly logStream?: { write(line: string): unknown };
  readonly logLevel?: string;
}

/**
 * `kobe serve` as a fastify instance, not listening yet (the caller listens, tests on port 0).
 * Routes are thin over src/app; every error is JSON; one log line per request (JSON, with the
 * Authorization header redacted); closing it stops a running job.
 */
export function buildServer(opts: ServerOptions, ctx: AppContext): FastifyInstance {
  requireTokenFor(opts.host, opts.token);
  const app = Fastify({
    logger: {
      level: opts.logLevel ?? 'info',
      stream: opts.logStream ?? process.stdout,
      redact: { paths: ['req.headers.authorization', 'headers.authorization', 'authorization'], censor: '[REDACTED]' },
    },
    // The onResponse hook writes the one line per request (route, status, duration).
    logController: new LogController({ disableRequestLogging: true }),
    // Unknown fields in a body are an error the caller hears about, not silently dropped.
    ajv: { customOptions: { removeAdditional: false } },
  });
  const jobCtx: AppContext = {
    ...ctx,
    log: (line) => app.log.info({ component: 'backtest' }, redactSecrets(line)),
    note: (line) => app.log.warn({ component: 'backtest' }, redactSecrets(line)),
  };
  const metrics = createServerMetrics(() => jobs.lastSuccessAt(), ctx.now);
  const jobs = new BacktestJobs(opts.job, jobCtx, { finished: metrics.jobFinished });

  registerErrorHandlers(app);
  if (opts.token !== null) registerBearerAuth(app, opts.token);
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const status = String(reply.statusCode);
    metrics.requestAnswered({ method: request.method, route, status }, reply.elapsedTime / 1000);
    request.log.info({ method: request.method, route, url: redactSecrets(request.url), status: reply.statusCode, duration_ms: Math.round(reply.elapsedTime * 100) / 100 }, 'request');
  });
  app.addHook('onClose', async () => {
    await jobs.close();
  });

  healthRoutes(app, { db: opts.job.db, dataDir: opts.job.defaults.market.dataDir }, metrics, ctx);
  backtestRoutes(app, jobs);
  dashboardRoutes(app, { db: opts.job.db, outDir: opts.job.outDir, stateDir: opts.stateDir, audit: opts.audit }, ctx);
  return app;
}
