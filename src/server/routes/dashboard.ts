import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../app/context.js';
import { auditChainStatus, dailyOverview, productionRoster } from '../../app/dashboard-data.js';
import { runFolder, writeRunReport } from '../../app/report/run-report.js';
import { findRecordedRun, listRecordedRuns } from '../../app/runs.js';
import { readWebFile } from '../../app/web-assets.js';
import { sendError } from '../http-errors.js';

export interface DashboardSpec {
  readonly db: string;
  readonly outDir: string;
  readonly stateDir: string;
  readonly audit: string;
}

/** The dashboard's files under web/dashboard/, by the path they are served at. */
const PAGES: Readonly<Record<string, { file: string; type: string }>> = {
  '/': { file: 'dashboard/index.html', type: 'text/html; charset=utf-8' },
  '/dashboard/dashboard.css': { file: 'dashboard/dashboard.css', type: 'text/css; charset=utf-8' },
  '/dashboard/dashboard.js': { file: 'dashboard/dashboard.js', type: 'text/javascript; charset=utf-8' },
};

const RUN_ID = '^[A-Za-z0-9_-]{1,128}$';

/** The page, its data (runs, daily, roster, audit) and the run reports. */
export function dashboardRoutes(app: FastifyInstance, spec: DashboardSpec, ctx: AppContext): void {
  for (const [path, page] of Object.entries(PAGES)) {
    app.get(path, async (_request, reply) => reply.type(page.type).header('cache-control', 'no-store').send(readWebFile(page.file)));
  }

  app.get<{ Querystring: { limit: number } }>(
    '/api/runs',
    { schema: { querystring: { type: 'object', additionalProperties: false, properties: { limit: { type: 'integer', minimum: 1, maximum: 500, default: 20 } } } } },
    async (request) => {
      if (!existsSync(resolve(ctx.cwd, spec.db))) return { runs: [], note: `no database at ${spec.db} yet: the first backtest creates it` };
      return { runs: listRecordedRuns(spec.db, request.query.limit, ctx).map((r) => ({ ...r, report: `/reports/${r.runId}` })) };
    },
  );

  app.get('/api/daily', async () => dailyOverview({ db: spec.db, stateDir: spec.stateDir }, ctx));
  app.get('/api/roster', async () => ({ roster: productionRoster(spec.db, ctx) }));
  app.get('/api/audit', async () => auditChainStatus(spec.audit, ctx));

  app.get<{ Params: { runId: string } }>(
    '/reports/:runId',
    { schema: { params: { type: 'object', properties: { runId: { type: 'string', pattern: RUN_ID } }, required: ['runId'] } } },
    async (request, reply) => {
      const { runId } = request.params;
      if (!existsSync(resolve(ctx.cwd, spec.db))) return sendError(reply, 404, 'UNKNOWN_RUN', `no run ${runId}: no database at ${spec.db} yet`);
      const row = findRecordedRun(runId, spec.db, ctx);
      const file = join(runFolder(row.command, resolve(ctx.cwd, spec.outDir), row.runId), 'report.html');
      // A run without a report gets one on first view, written beside its artifacts as
      // `kobe report` would (a simulation is replayed for it, which takes a moment).
      const path = existsSync(file) ? file : (await writeRunReport({ runId: row.runId, db: spec.db, outDir: spec.outDir }, ctx)).file;
      return reply.type('text/html; charset=utf-8').send(readFileSync(path));
    },
  );
}
