import { usageError } from '../core/errors.js';
import { registerSecrets } from '../core/redact.js';
import { ALERT_KINDS, type AlertKind, isAlertKind } from './alert.js';

/**
 * Where alerts go, read once from the environment (the app loads `.env` into it first).
 *
 *   KOBE_ALERT_KIND           telegram | json; unset, empty or `off`: alerts are off (null)
 *   TELEGRAM_BOT_TOKEN        telegram: the bot's token (`123456:ABC...`), a secret
 *   TELEGRAM_CHAT_ID          telegram: the chat (a number, negative for groups, or @channel)
 *   KOBE_TELEGRAM_BASE_URL    telegram: the Bot API server; default https://api.telegram.org
 *   KOBE_ALERT_WEBHOOK_URL    json: where to POST; treated as a secret (many webhook URLs carry one)
 *   KOBE_ALERT_WEBHOOK_TOKEN  json, optional: sent as `Authorization: Bearer <token>`
 *   KOBE_ALERT_TIMEOUT_MS     optional: the most one alert may take, every retry included (default 10000)
 *   KOBE_ALERT_EVENTS         optional: comma list of the kinds to send (default all)
 *
 * Every secret is registered with core/redact.ts at once. A missing or malformed variable is a
 * usage error naming the variable, never quoting a secret's value.
 */
export interface AlertConfigCommon {
  /** The most one alert may take, all attempts and waits included, ms. */
  readonly deadlineMs: number;
  /** The most one HTTP attempt may take, ms (never more than deadlineMs). */
  readonly attemptTimeoutMs: number;
  /** The kinds to send; null sends all. */
  readonly events: readonly AlertKind[] | null;
}

export interface TelegramAlertConfig extends AlertConfigCommon {
  readonly kind: 'telegram';
  readonly botToken: string;
  readonly chatId: string;
  /** Without a trailing slash. */
  readonly baseUrl: string;
}

export interface JsonAlertConfig extends AlertConfigCommon {
  readonly kind: 'json';
  readonly url: string;
  readonly bearerToken: string | null;
}

export type AlertConfig = TelegramAlertConfig | JsonAlertConfig;

export const DEFAULT_ALERT_DEADLINE_MS = 10_000;
/** One attempt's share: a hung server costs at most this, leaving time for a retry. */
export const DEFAULT_ATTEMPT_TIMEOUT_MS = 4_000;
export const DEFAULT_TELEGRAM_BASE_URL = 'https://api.telegram.org';
/** Longest KOBE_ALERT_TIMEOUT_MS: an alert must not hold the pipeline for minutes. */
const MAX_DEADLINE_MS = 120_000;

/** Telegram bot tokens are `<bot id>:<secret>` (BotFather's format). */
const BOT_TOKEN = /^\d+:[A-Za-z0-9_-]+$/;
/** A numeric chat id (groups and channels are negative) or a public channel's @username. */
const CHAT_ID = /^(-?\d+|@[A-Za-z][A-Za-z0-9_]{3,})$/;

type Env = Readonly<Record<string, string | undefined>>;

const read = (env: Env, name: string): string => env[name]?.trim() ?? '';

const missing = (names: string[], kind: string) =>
  usageError('ALERT_CONFIG_MISSING', `${kind} alerts need ${names.join(' and ')} in the environment`, {
    param: names[0],
    value: names.join(', '),
    hint: `set ${names.join(' and ')} (or put them in .env), or unset KOBE_ALERT_KIND to turn alerts off`,
  });

/** Malformed variable; `shown` is the value when it is safe to quote, else omitted. */
const invalid = (name: string, message: string, hint: string, shown?: string) =>
  usageError('ALERT_CONFIG_INVALID', `${name} ${message}`, { param: name, ...(shown === undefined ? {} : { value: shown }), hint });

function httpUrl(env: Env, name: string, secret: boolean): string {
  const raw = read(env, name);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalid(name, 'is not a URL', 'give a full http:// or https:// URL', secret ? undefined : raw);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw invalid(name, `must be an http or https URL, not ${url.protocol}`, 'give a full http:// or https:// URL', secret ? undefined : raw);
  }
  return raw.replace(/\/+$/, '');
}

function deadlineOf(env: Env): number {
  const raw = read(env, 'KOBE_ALERT_TIMEOUT_MS');
  if (raw === '') return DEFAULT_ALERT_DEADLINE_MS;
  const ms = Number(raw);
  if (!/^\d+$/.test(raw) || !(ms >= 100 && ms <= MAX_DEADLINE_MS)) {
    throw invalid('KOBE_ALERT_TIMEOUT_MS', `must be a whole number of milliseconds from 100 to ${MAX_DEADLINE_MS}, was ${raw}`, 'e.g. 10000 (ten seconds)', raw);
  }
  return ms;
}

function eventsOf(env: Env): readonly AlertKind[] | null {
  const raw = read(env, 'KOBE_ALERT_EVENTS');
  if (raw === '' || raw === 'all') return null;
  const names = raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const bad = names.filter((s) => !isAlertKind(s));
  if (bad.length > 0 || names.length === 0) {
    throw invalid('KOBE_ALERT_EVENTS', `names unknown alert kinds: ${bad.join(', ') || '(none given)'}`, `use a comma list of ${ALERT_KINDS.join(', ')}`, raw);
  }
  return [...new Set(names as AlertKind[])];
}

/** The alert configuration in `env`, or null when alerts are off (KOBE_ALERT_KIND unset). */
export function alertConfigFromEnv(env: Env): AlertConfig | null {
  const kind = read(env, 'KOBE_ALERT_KIND').toLowerCase();
  if (kind === '' || kind === 'off' || kind === 'none') return null;
  if (kind !== 'telegram' && kind !== 'json') {
    throw invalid('KOBE_ALERT_KIND', `must be telegram or json, was ${clipKind(kind)}`, 'set KOBE_ALERT_KIND=telegram or json, or unset it to turn alerts off', clipKind(kind));
  }
  const deadlineMs = deadlineOf(env);
  const common: AlertConfigCommon = { deadlineMs, attemptTimeoutMs: Math.min(DEFAULT_ATTEMPT_TIMEOUT_MS, deadlineMs), events: eventsOf(env) };

  if (kind === 'telegram') {
    const botToken = read(env, 'TELEGRAM_BOT_TOKEN');
    const chatId = read(env, 'TELEGRAM_CHAT_ID');
    registerSecrets([botToken, botToken.slice(botToken.indexOf(':') + 1)]);
    const absent = [botToken === '' ? 'TELEGRAM_BOT_TOKEN' : null, chatId === '' ? 'TELEGRAM_CHAT_ID' : null].filter((x): x is string => x !== null);
    if (absent.length > 0) throw missing(absent, 'Telegram');
    if (!BOT_TOKEN.test(botToken)) throw invalid('TELEGRAM_BOT_TOKEN', 'is not a bot token (digits, a colon, then letters, digits, _ or -)', 'copy the token BotFather gave you; it is never printed');
    if (!CHAT_ID.test(chatId)) throw invalid('TELEGRAM_CHAT_ID', 'must be a numeric chat id (negative for groups) or a public @channel name', 'ask the bot for updates (getUpdates) to see the chat id');
    const baseUrl = read(env, 'KOBE_TELEGRAM_BASE_URL') === '' ? DEFAULT_TELEGRAM_BASE_URL : httpUrl(env, 'KOBE_TELEGRAM_BASE_URL', false);
    return { kind: 'telegram', botToken, chatId, baseUrl, ...common };
  }

  const url = read(env, 'KOBE_ALERT_WEBHOOK_URL');
  const bearer = read(env, 'KOBE_ALERT_WEBHOOK_TOKEN');
  registerSecrets([url, bearer]);
  if (url === '') throw missing(['KOBE_ALERT_WEBHOOK_URL'], 'JSON webhook');
  return { kind: 'json', url: httpUrl(env, 'KOBE_ALERT_WEBHOOK_URL', true), bearerToken: bearer === '' ? null : bearer, ...common };
}

const clipKind = (s: string): string => (s.length > 20 ? `${s.slice(0, 20)}...` : s);

/** The literal secrets of a config, for redactSecrets (a config built in code was never registered). */
export function alertSecrets(config: AlertConfig): string[] {
  if (config.kind === 'json') return [config.url, ...(config.bearerToken === null ? [] : [config.bearerToken])];
  // The part after the colon is the secret itself; an error page may quote it alone.
  const secretPart = config.botToken.slice(config.botToken.indexOf(':') + 1);
  return [config.botToken, secretPart];
}

/** Whether alerts of `kind` are sent under `config`. */
export const alertWanted = (config: AlertConfig, kind: AlertKind): boolean => config.events === null || config.events.includes(kind);
