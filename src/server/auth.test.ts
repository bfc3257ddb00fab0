import { afterAll, describe, expect, it } from 'vitest';
import { isKobeError } from '../core/errors.js';
import { removeDir, startTestServer, type TestServer } from '../test-support/serve-harness.js';
import { isLoopbackHost, requireTokenFor } from './auth.js';

/** The bearer token: required off loopback, checked on every route but /health, never logged. */
const TOKEN = 'tok-3f9a1c77e2b54d0c9a8e';
const started: TestServer[] = [];
afterAll(async () => {
  for (const s of started) {
    await s.close();
    removeDir(s.dir);
  }
});

describe('binding', () => {
  it('loopback names need no token; any other address does', () => {
    for (const h of ['127.0.0.1', '127.0.0.2', '::1', '[::1]', 'localhost', 'LOCALHOST']) expect(isLoopbackHost(h), h).toBe(true);
    for (const h of ['0.0.0.0', '::', '192.168.1.10', 'example.com', '10.0.0.1', '127.example.com']) expect(isLoopbackHost(h), h).toBe(false);
    expect(() => requireTokenFor('127.0.0.1', null)).not.toThrow();
    expect(() => requireTokenFor('0.0.0.0', TOKEN)).not.toThrow();
    try {
      requireTokenFor('0.0.0.0', null);
      expect.unreachable();
    } catch (e) {
      expect(isKobeError(e) && e.code).toBe('TOKEN_REQUIRED');
      expect((e as Error).message).toContain('KOBE_API_TOKEN');
    }
  });

  it('the server refuses to be built for a non-loopback host without a token', async () => {
    await expect(startTestServer({ host: '0.0.0.0' })).rejects.toThrow(/requires KOBE_API_TOKEN/);
  });
});

describe('with a token', () => {
  it('a request without the header gets 401 JSON, a wrong token 401, the right one 200; /health is open; the token is never logged', async () => {
    const s = await startTestServer({ host: '0.0.0.0', token: TOKEN, listenHost: '0.0.0.0' });
    started.push(s);
    const bare = await s.get('/api/backtests/status');
    expect(bare.status).toBe(401);
    expect(bare.body.error.code).toBe('UNAUTHORIZED');
    expect(bare.headers.get('www-authenticate')).toContain('Bearer');
    for (const path of ['/', '/metrics', '/ready', '/api/runs', '/dashboard/dashboard.js', '/api/backtests/latest']) {
      expect((await s.get(path)).status, path).toBe(401);
    }
    const post = await s.post('/api/backtests/run', {});
    expect(post.status).toBe(401);
    expect((await s.get('/api/backtests/status', { authorization: `Bearer ${TOKEN}x` })).status).toBe(401);
    expect((await s.get('/api/backtests/status', { authorization: TOKEN })).status).toBe(401);
    expect((await s.get('/api/backtests/status', { authorization: 'Bearer' })).status).toBe(401);

    const ok = await s.get('/api/backtests/status', { authorization: `Bearer ${TOKEN}` });
    expect(ok.status).toBe(200);
    expect(ok.body.state).toBe('idle');
    expect((await s.get('/health')).status).toBe(200);
    const page = await s.get('/', { authorization: `Bearer ${TOKEN}` });
    expect(page.status).toBe(200);
    expect(page.text).toContain('id="backtest"');
    const run = await s.post('/api/backtests/run', {}, { authorization: `Bearer ${TOKEN}` });
    expect(run.status).toBe(202);
    await s.waitForStatus((x) => x.state === 'completed');

    const logs = s.logs();
    expect(logs).toMatch(/"status":401/);
    expect(logs).toMatch(/"status":202/);
    expect(logs).not.toContain(TOKEN);
    expect(logs).not.toContain(TOKEN.slice(4));
  });
});
