import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { DEFAULT_ENGINE_CONFIG } from '../backtest/config.js';
import { plainContext } from '../app/context.js';
import { decodeMarketSpec, type MarketSpec } from '../app/market-spec.js';
import { buildServer, type ServerOptions } from '../server/build-server.js';

/**
 * `kobe serve` for tests: a real server on a free loopback port in a temp folder, on the demo
 * market with a small window (a whole job takes about a second), its JSON log lines captured.
 */
export interface TestServer {
  readonly url: string;
  readonly dir: string;
  readonly app: FastifyInstance;
  readonly logs: () => string;
  get(path: string, headers?: Record<string, string>): Promise<{ status: number; body: any; text: string; headers: Headers }>;
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any; text: string }>;
  /** Polls the job status until `done(status)`, at most `timeoutMs`. */
  waitForStatus(done: (s: any) => boolean, timeoutMs?: number): Promise<any>;
  close(): Promise<void>;
}

export interface TestServerOptions {
  readonly dir?: string;
  readonly market?: Record<string, unknown>;
  readonly env?: Record<string, string>;
  readonly host?: string;
  readonly token?: string | null;
  /** Listen on this address (default 127.0.0.1). */
  readonly listenHost?: string;
}

/** The demo market from 2022 to mid-2023: 2 x 4 splits of 126/63 sessions. */
export const SMALL_WINDOW = { start: '2022-01-01', end: '2023-06-30' };

export async function startTestServer(o: TestServerOptions = {}): Promise<TestServer> {
  const dir = o.dir ?? mkdtempSync(join(tmpdir(), 'kobe-serve-'));
  let logText = '';
  const market: MarketSpec = decodeMarketSpec({ ...SMALL_WINDOW, ...(o.market ?? {}) });
  const opts: ServerOptions = {
    host: o.host ?? '127.0.0.1',
    token: o.token ?? null,
    job: {
      defaults: { market, windows: { trainDays: 126, testDays: 63, minTrainTrades: 10 }, tune: true },
      engine: DEFAULT_ENGINE_CONFIG,
      outDir: 'wf_outputs',
      db: 'kobe.db',
      jobsDir: 'state/backtests',
    },
    stateDir: 'state',
    audit: 'audit/audit.jsonl',
    logStream: { write: (line: string) => (logText += line) },
  };
  const app = buildServer(opts, plainContext(dir, o.env ?? {}));
  await app.listen({ host: o.listenHost ?? '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  const url = `http://127.0.0.1:${address.port}`;
  const read = async (r: Response) => {
    const text = await r.text();
    let body: unknown = null;
    try {
      body = JSON.parse(text);
    } catch {
      body = null;
    }
    return { status: r.status, body, text, headers: r.headers };
  };
  const server: TestServer = {
    url,
    dir,
    app,
    logs: () => logText,
    get: async (path, headers = {}) => read(await fetch(url + path, { headers })),
    post: async (path, body, headers = {}) => read(await fetch(url + path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) })),
    waitForStatus: async (done, timeoutMs = 30_000) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const s = (await server.get('/api/backtests/status', o.token ? { authorization: `Bearer ${o.token}` } : {})).body;
        if (done(s)) return s;
        if (Date.now() > deadline) throw new Error(`job status never reached the expected state; last: ${JSON.stringify(s)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    close: async () => {
      await app.close();
    },
  };
  return server;
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
