import { describe, expect, it } from 'vitest';
import { registerSecrets } from '../core/redact.js';
import { memoryIo } from './io.js';
import { logger } from './render.js';

describe('logger', () => {
  it('redacts secrets from every line any command logs (queue and provider errors included)', () => {
    registerSecrets(['s3cr3t-queue-password-value']);
    const io = memoryIo('/tmp');
    const log = logger(io, false);
    log('queue: connect failed for postgres://kobe:hunter2-pass@db.example:5432/kobe');
    log('provider said 403 for https://api.polygon.io/v2/aggs?apiKey=ABCDEF123456&adjusted=true');
    log('worker 1: auth failed with s3cr3t-queue-password-value');
    const out = io.out();
    expect(out).not.toContain('hunter2-pass');
    expect(out).not.toContain('ABCDEF123456');
    expect(out).not.toContain('s3cr3t-queue-password-value');
    expect(out).toContain('db.example:5432');
    expect(out.split('\n').filter((l) => l !== '')).toHaveLength(3);
  });
});
