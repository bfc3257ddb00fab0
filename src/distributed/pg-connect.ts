import pg from 'pg';
import { KobeError, isKobeError, usageError } from '../core/errors.js';

/**
 * The PostgreSQL edge of the distributed queue: validates a `--queue` URL once, opens pools with
 * a connect timeout (an unreachable host fails in seconds instead of hanging), and turns driver
 * errors into KobeErrors that say what to check. Passwords never appear in messages.
 */

export interface PgTarget {
  readonly url: string;
  /** The URL with the password masked, for messages. */
  readonly display: string;
  readonly host: string;
  readonly port: string;
  readonly database: string;
  readonly user: string;
}

const URL_HINT = 'use postgres://USER:PASSWORD@HOST:5432/DATABASE (percent-encode special characters in the password)';
const CONNECT_TIMEOUT_MS = 10_000;

/** Masks the password of a URL that may not even parse. */
export const redactUrl = (url: string): string => url.replace(/(\/\/[^:/@]*:)[^@/]*@/, '$1***@');

export function parseQueueUrl(url: string): PgTarget {
  if (typeof url !== 'string' || url.trim() === '') {
    throw usageError('QUEUE_BAD_URL', 'the queue URL is empty', { flag: '--queue', value: url, hint: URL_HINT });
  }
  const display = redactUrl(url);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw usageError('QUEUE_BAD_URL', `the queue URL is not a valid URL, was ${display}`, {
      flag: '--queue',
      value: display,
      hint: URL_HINT,
    });
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw usageError('QUEUE_BAD_URL', `the queue URL must start with postgres:// or postgresql://, was ${display}`, {
      flag: '--queue',
      value: display,
      hint: URL_HINT,
    });
  }
  let user: string;
  let database: string;
  try {
    // pg decodes these too; a stray `%` would otherwise surface later as a URIError.
    user = decodeURIComponent(parsed.username);
    decodeURIComponent(parsed.password);
    database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  } catch {
    throw usageError('QUEUE_BAD_URL', `the queue URL has a malformed %-escape, was ${display}`, {
      flag: '--queue',
      value: display,
      hint: URL_HINT,
    });
  }
  return {
    url,
    display,
    host: parsed.hostname || 'localhost',
    port: parsed.port || '5432',
    database: database || user || '(default)',
    user: user || '(default)',
  };
}

export function openPool(target: PgTarget, opts: { max: number; applicationName: string; onError: (e: Error) => void }): pg.Pool {
  const pool = new pg.Pool({
    connectionString: target.url,
    max: opts.max,
    application_name: opts.applicationName,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    keepAlive: true,
  });
  // An idle client losing its server emits 'error' on the pool; unhandled, that kills the process.
  pool.on('error', opts.onError);
  return pool;
}

const errorCode = (e: unknown): string | undefined => {
  if (typeof e !== 'object' || e === null) return undefined;
  const rec = e as { code?: unknown; errors?: unknown };
  if (typeof rec.code === 'string') return rec.code;
  // Node's happy-eyeballs connect reports an AggregateError whose parts carry the code.
  if (Array.isArray(rec.errors)) return errorCode(rec.errors[0]);
  return undefined;
};

export const errorMessage = (e: unknown): string => {
  if (e instanceof Error) return e.message || e.name;
  if (typeof e === 'string') return e;
  try {
    return JSON.stringify(e) ?? String(e);
  } catch {
    return String(e);
  }
};

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
const TRANSIENT_MESSAGES = /timeout expired|connection terminated|connection timeout|terminating connection|the database system is (starting up|shutting down)/i;

/**
 * True for errors a retry may cure: the network, a restarting server, an administrator killing
 * the session. A worker or a waiting coordinator rides these out for a while instead of dying.
 */
export function isTransientDbError(e: unknown): boolean {
  if (isKobeError(e)) return false;
  const code = errorCode(e);
  if (code !== undefined) {
    if (NETWORK_CODES.has(code)) return true;
    if (code.startsWith('08')) return true; // connection_exception class
    if (code === '57P01' || code === '57P02' || code === '57P03') return true; // admin shutdown, crash, cannot connect now
  }
  return TRANSIENT_MESSAGES.test(errorMessage(e));
}

/** A driver or pg-boss error as a KobeError with a hint; KobeErrors pass through unchanged. */
export function connectionError(e: unknown, target: PgTarget, doing: string): KobeError {
  if (isKobeError(e)) return e;
  const code = errorCode(e);
  const msg = errorMessage(e);
  const where = `${target.host}:${target.port}`;
  const base = { flag: '--queue', value: target.display, cause: e };
  if (code === 'ECONNREFUSED' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH') {
    return new KobeError('QUEUE_DB_UNREACHABLE', `cannot reach PostgreSQL at ${where} while ${doing} (${code})`, {
      ...base,
      hint: 'is the server running and listening on that host and port? check the host and port in --queue, and any firewall',
    });
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return new KobeError('QUEUE_DB_UNREACHABLE', `cannot resolve the PostgreSQL host ${target.host} while ${doing} (${code})`, {
      ...base,
      hint: 'check the host name in --queue',
    });
  }
  if (code === '28P01' || code === '28000' || /password|SASL|SCRAM/i.test(msg)) {
    return new KobeError('QUEUE_DB_AUTH', `PostgreSQL refused user ${target.user} at ${where} while ${doing}: ${msg}`, {
      ...base,
      hint: 'check the user and password in --queue, and that pg_hba.conf allows this client',
    });
  }
  if (code === '3D000') {
    return new KobeError('QUEUE_DB_MISSING', `database ${target.database} does not exist at ${where}`, {
      ...base,
      hint: `create it first (createdb -h ${target.host} -p ${target.port} ${target.database}) or name an existing one in --queue`,
    });
  }
  if (code === '42501') {
    return new KobeError('QUEUE_DB_PERMISSION', `PostgreSQL user ${target.user} lacks a privilege needed while ${doing}: ${msg}`, {
      ...base,
      hint: 'the queue creates its own schema and tables on first use: grant CREATE on the database, or let an owner run it once',
    });
  }
  if (isTransientDbError(e)) {
    return new KobeError('QUEUE_DB_UNREACHABLE', `the connection to PostgreSQL at ${where} failed while ${doing}: ${msg}`, {
      ...base,
      hint: 'check that the server is up and reachable from this machine; jobs in flight are retried after their lease expires',
    });
  }
  return new KobeError('QUEUE_DB_ERROR', `PostgreSQL error at ${where} while ${doing}: ${msg}${code ? ` (${code})` : ''}`, base);
}
