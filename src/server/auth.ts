import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { usageError } from '../core/errors.js';
import { sendError } from './http-errors.js';

/** Names of this machine only: binding one of them reaches nobody else, so no token is needed. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (h === 'localhost' || h === '::1') return true;
  return isIP(h) === 4 && h.startsWith('127.');
}

/** The one rule for binding: loopback is free, anything else needs KOBE_API_TOKEN (a usage error naming it otherwise). */
export function requireTokenFor(host: string, token: string | null): void {
  if (token === null && !isLoopbackHost(host)) {
    throw usageError('TOKEN_REQUIRED', `binding ${host} (not loopback) requires KOBE_API_TOKEN in the environment or .env; every request must then send Authorization: Bearer <token>`, {
      param: 'host',
      value: host,
      hint: 'set KOBE_API_TOKEN, or bind 127.0.0.1 (the default)',
    });
  }
}

/** Paths anyone may ask: the process is up. */
const OPEN_PATHS = new Set(['/health']);

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/**
 * With a token, every route but /health wants `Authorization: Bearer <token>`. The comparison is
 * over fixed-length digests, so neither its time nor an early length check says anything about
 * the token.
 */
export function registerBearerAuth(app: FastifyInstance, token: string): void {
  const want = digest(token);
  app.addHook('onRequest', async (request, reply) => {
    if (OPEN_PATHS.has(request.url.split('?')[0])) return;
    const header = request.headers.authorization ?? '';
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (m !== null && timingSafeEqual(digest(m[1]), want)) return;
    reply.header('www-authenticate', 'Bearer realm="kobe"');
    return sendError(reply, 401, 'UNAUTHORIZED', header === '' ? 'this server needs Authorization: Bearer <KOBE_API_TOKEN>' : 'the bearer token is not this server\'s');
  });
}
