import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { isKobeError, type KobeError } from '../core/errors.js';
import { redactSecrets } from '../core/redact.js';

/** Every error the server answers is `{error: {code, message}}` (plus `hint` when there is one). */
export function sendError(reply: FastifyReply, status: number, code: string, message: string, extra: Record<string, unknown> = {}): FastifyReply {
  return reply.code(status).type('application/json; charset=utf-8').send({ error: { code, message: redactSecrets(message), ...extra } });
}

/** Codes that are not "bad input" (400) or "failed" (500). */
const STATUS_BY_CODE: Readonly<Record<string, number>> = {
  JOB_RUNNING: 409,
  UNKNOWN_RUN: 404,
  RUN_FOLDER_MISSING: 404,
};

function statusOf(e: KobeError): number {
  return STATUS_BY_CODE[e.code] ?? (e.kind === 'runtime' ? 500 : 400);
}

/** Validation failures, typed errors and anything else, each as JSON with its status; 404 likewise. */
export function registerErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((e: FastifyError | KobeError | Error, request, reply) => {
    if (isKobeError(e)) {
      const status = statusOf(e);
      if (status >= 500) request.log.error({ code: e.code, err: redactSecrets(e.describe()) }, 'request failed');
      return sendError(reply, status, e.code, e.param === undefined ? e.message : `${e.param}: ${e.message}`, e.hint === undefined ? {} : { hint: e.hint });
    }
    const fe = e as FastifyError;
    if (fe.validation !== undefined) {
      return sendError(reply, 400, 'BAD_REQUEST', `${fe.validationContext ?? 'request'}${fe.message.replace(/^(body|querystring|params)/, '')}`);
    }
    if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
      return sendError(reply, fe.statusCode, fe.statusCode === 400 ? 'BAD_REQUEST' : (fe.code ?? 'BAD_REQUEST'), fe.message);
    }
    request.log.error({ err: redactSecrets(e.stack ?? e.message) }, 'internal error');
    return sendError(reply, 500, 'INTERNAL', e.message);
  });
  app.setNotFoundHandler((request, reply) => sendError(reply, 404, 'NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`));
}
