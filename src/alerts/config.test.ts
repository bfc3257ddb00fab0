import { describe, expect, it } from 'vitest';
import { KobeError } from '../core/errors.js';
import { redactSecrets } from '../core/redact.js';
import { alertConfigFromEnv, alertSecrets, alertWanted, DEFAULT_TELEGRAM_BASE_URL } from './config.js';

const TOKEN = '7345000001:AAFconfigTESTsecret_abcdefghijklmn';
const telegramEnv = { KOBE_ALERT_KIND: 'telegram', TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_CHAT_ID: '-1001234567890' };

function thrown(f: () => unknown): KobeError {
  try {
    f();
  } catch (e) {
    if (e instanceof KobeError) return e;
    throw e;
  }
  throw new Error('expected a KobeError');
}

/** Everything a user or a log could see of an error. */
const shown = (e: KobeError) => `${e.describe()} ${JSON.stringify(e.toJSON())} ${String(e.value)}`;

describe('alertConfigFromEnv', () => {
  it('is null (alerts off) without KOBE_ALERT_KIND, or with off/none', () => {
    expect(alertConfigFromEnv({})).toBeNull();
    expect(alertConfigFromEnv({ KOBE_ALERT_KIND: '  ', TELEGRAM_BOT_TOKEN: TOKEN })).toBeNull();
    expect(alertConfigFromEnv({ KOBE_ALERT_KIND: 'off' })).toBeNull();
    expect(alertConfigFromEnv({ KOBE_ALERT_KIND: 'NONE' })).toBeNull();
  });

  it('reads a Telegram config with its defaults', () => {
    expect(alertConfigFromEnv(telegramEnv)).toEqual({
      kind: 'telegram',
      botToken: TOKEN,
      chatId: '-1001234567890',
      baseUrl: DEFAULT_TELEGRAM_BASE_URL,
      deadlineMs: 10_000,
      attemptTimeoutMs: 4_000,
      events: null,
    });
    const c = alertConfigFromEnv({ ...telegramEnv, TELEGRAM_CHAT_ID: '@kobe_alerts', KOBE_TELEGRAM_BASE_URL: 'http://127.0.0.1:9/', KOBE_ALERT_TIMEOUT_MS: '2500' });
    expect(c).toMatchObject({ chatId: '@kobe_alerts', baseUrl: 'http://127.0.0.1:9', deadlineMs: 2500, attemptTimeoutMs: 2500 });
  });

  it('names each missing Telegram variable, as a usage error', () => {
    const e = thrown(() => alertConfigFromEnv({ KOBE_ALERT_KIND: 'telegram' }));
    expect(e.kind).toBe('usage');
    expect(e.code).toBe('ALERT_CONFIG_MISSING');
    expect(e.message).toContain('TELEGRAM_BOT_TOKEN and TELEGRAM_CHAT_ID');
    const only = thrown(() => alertConfigFromEnv({ KOBE_ALERT_KIND: 'telegram', TELEGRAM_BOT_TOKEN: TOKEN }));
    expect(only.param).toBe('TELEGRAM_CHAT_ID');
    expect(only.message).not.toContain('TELEGRAM_BOT_TOKEN and');
    expect(shown(only)).not.toContain(TOKEN);
  });

  it('rejects a malformed token naming the variable, never quoting the value', () => {
    const bad = 'not-a-token-but-a-secret-anyway';
    const e = thrown(() => alertConfigFromEnv({ ...telegramEnv, TELEGRAM_BOT_TOKEN: bad }));
    expect(e.code).toBe('ALERT_CONFIG_INVALID');
    expect(e.param).toBe('TELEGRAM_BOT_TOKEN');
    expect(shown(e)).not.toContain(bad);
  });

  it('rejects a chat id that is neither a number nor an @channel', () => {
    expect(thrown(() => alertConfigFromEnv({ ...telegramEnv, TELEGRAM_CHAT_ID: 'my chat' })).param).toBe('TELEGRAM_CHAT_ID');
  });

  it('rejects an unknown kind, a bad base URL and a bad time-out, naming each variable', () => {
    expect(thrown(() => alertConfigFromEnv({ KOBE_ALERT_KIND: 'slack' })).message).toMatch(/^KOBE_ALERT_KIND must be telegram or json, was slack/);
    expect(thrown(() => alertConfigFromEnv({ ...telegramEnv, KOBE_TELEGRAM_BASE_URL: 'ftp://x' })).param).toBe('KOBE_TELEGRAM_BASE_URL');
    for (const v of ['abc', '0', '-5', '1.5', '999999']) {
      const e = thrown(() => alertConfigFromEnv({ ...telegramEnv, KOBE_ALERT_TIMEOUT_MS: v }));
      expect(e.param).toBe('KOBE_ALERT_TIMEOUT_MS');
      expect(e.kind).toBe('usage');
    }
  });

  it('reads a JSON webhook config, the bearer token optional', () => {
    expect(alertConfigFromEnv({ KOBE_ALERT_KIND: 'json', KOBE_ALERT_WEBHOOK_URL: 'https://hooks.example.com/a/b' })).toMatchObject({
      kind: 'json',
      url: 'https://hooks.example.com/a/b',
      bearerToken: null,
    });
    expect(alertConfigFromEnv({ KOBE_ALERT_KIND: 'JSON', KOBE_ALERT_WEBHOOK_URL: 'http://127.0.0.1:1/hook', KOBE_ALERT_WEBHOOK_TOKEN: 'bearer-xyz-123' })).toMatchObject({
      bearerToken: 'bearer-xyz-123',
    });
  });

  it('names KOBE_ALERT_WEBHOOK_URL when it is missing or malformed, never quoting it (webhook URLs carry secrets)', () => {
    expect(thrown(() => alertConfigFromEnv({ KOBE_ALERT_KIND: 'json' })).param).toBe('KOBE_ALERT_WEBHOOK_URL');
    const url = 'hooks.example.com/services/T000/B000/SECRETxyz123';
    const e = thrown(() => alertConfigFromEnv({ KOBE_ALERT_KIND: 'json', KOBE_ALERT_WEBHOOK_URL: url }));
    expect(e.param).toBe('KOBE_ALERT_WEBHOOK_URL');
    expect(shown(e)).not.toContain('SECRETxyz123');
  });

  it('filters events by KOBE_ALERT_EVENTS and names the variable for an unknown kind', () => {
    const c = alertConfigFromEnv({ ...telegramEnv, KOBE_ALERT_EVENTS: 'pipeline-failure, kill-switch,kill-switch' });
    expect(c?.events).toEqual(['pipeline-failure', 'kill-switch']);
    expect(c !== null && alertWanted(c, 'kill-switch')).toBe(true);
    expect(c !== null && alertWanted(c, 'trade-of-day')).toBe(false);
    expect(alertConfigFromEnv({ ...telegramEnv, KOBE_ALERT_EVENTS: 'all' })?.events).toBeNull();
    const e = thrown(() => alertConfigFromEnv({ ...telegramEnv, KOBE_ALERT_EVENTS: 'pipeline-failure,trade' }));
    expect(e.param).toBe('KOBE_ALERT_EVENTS');
    expect(e.message).toContain('trade');
    expect(thrown(() => alertConfigFromEnv({ ...telegramEnv, KOBE_ALERT_EVENTS: ',' })).param).toBe('KOBE_ALERT_EVENTS');
  });

  it('registers the secrets it reads, so later messages cannot carry them', () => {
    const token = '7345000002:AAFregisteredSECRET_zyxwvu';
    alertConfigFromEnv({ ...telegramEnv, TELEGRAM_BOT_TOKEN: token });
    expect(redactSecrets(`POST /bot${token}/sendMessage`)).not.toContain('AAFregisteredSECRET_zyxwvu');
    const c = alertConfigFromEnv(telegramEnv);
    expect(c === null ? [] : alertSecrets(c)).toEqual([TOKEN, 'AAFconfigTESTsecret_abcdefghijklmn']);
  });
});
