import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../app/context.js';
import { readiness } from '../../app/dashboard-data.js';
import { KOBE_VERSION } from '../../app/version.js';
import type { ServerMetrics } from '../http-metrics.js';

/** /health (the process answers), /ready (a job could run: database and data), /metrics (Prometheus). */
export function healthRoutes(app: FastifyInstance, spec: { db: string; dataDir: string | null }, metrics: ServerMetrics, ctx: AppContext): void {
  const startedMs = ctx.now().getTime();
  app.get('/health', async () => ({ status: 'ok', version: KOBE_VERSION, uptime_seconds: Math.round((ctx.now().getTime() - startedMs) / 1000) }));

  app.get('/ready', async (_request, reply) => {
    const checks = readiness(spec, ctx);
    const failed = checks.filter((c) => !c.ok);
    if (failed.length === 0) return { ready: true, checks };
    return reply.code(503).send({ ready: false, checks, error: { code: 'NOT_READY', message: failed.map((c) => c.detail).join('; ') } });
  });

  app.get('/metrics', async (_request, reply) => {
    reply.type(metrics.registry.contentType);
    return metrics.registry.metrics();
  });
}
