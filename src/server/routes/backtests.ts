import type { FastifyInstance } from 'fastify';
import type { BacktestJobs } from '../../app/backtest-job/backtest-job.js';
import type { JobRequest } from '../../app/backtest-job/job-request.js';
import { ISO_WEEK_PATTERN } from '../../app/backtest-job/latest-doc.js';
import { sendError } from '../http-errors.js';

const DATE = { type: 'string', pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' } as const;

/** The POST body's shape; what the names and dates mean is checked by the job (decodeJobRequest). */
const RUN_BODY = {
  type: 'object',
  additionalProperties: false,
  properties: {
    strategies: { type: 'array', items: { type: 'string', minLength: 1, maxLength: 200 }, maxItems: 50 },
    start: DATE,
    end: DATE,
    params: { type: 'object', additionalProperties: { type: 'object', additionalProperties: { type: 'number' } } },
    tune: { type: 'boolean' },
    trainDays: { type: 'integer', minimum: 1 },
    testDays: { type: 'integer', minimum: 1 },
    minTrainTrades: { type: 'integer', minimum: 0 },
  },
} as const;

/** The backtest job API: thin over BacktestJobs. */
export function backtestRoutes(app: FastifyInstance, jobs: BacktestJobs): void {
  app.post<{ Body: JobRequest }>(
    '/api/backtests/run',
    {
      schema: { body: RUN_BODY },
      // A POST without a body means the defaults, as `{}` does.
      preValidation: async (request) => {
        if (request.body === undefined || request.body === null) request.body = {};
      },
    },
    async (request, reply) => reply.code(202).send(jobs.start(request.body)),
  );

  app.get('/api/backtests/status', async () => jobs.status());

  app.get('/api/backtests/latest', async (_request, reply) => {
    const latest = jobs.latest();
    if (latest === null) return sendError(reply, 404, 'NO_RUN_YET', 'no backtest has completed yet: POST /api/backtests/run starts one');
    return latest;
  });

  app.get('/api/backtests/archives', async () => ({ archives: jobs.archives() }));

  app.get<{ Params: { week: string } }>(
    '/api/backtests/archives/:week',
    { schema: { params: { type: 'object', properties: { week: { type: 'string', pattern: ISO_WEEK_PATTERN } }, required: ['week'] } } },
    async (request, reply) => {
      const doc = jobs.archive(request.params.week);
      if (doc === null) return sendError(reply, 404, 'NO_ARCHIVE', `no archive for week ${request.params.week}: GET /api/backtests/archives lists them`);
      return doc;
    },
  );
}
