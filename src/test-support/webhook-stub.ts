import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for the two alert targets, for tests (node:http on 127.0.0.1, an
 * OS-assigned port; nothing leaves the machine):
 *
 * - Telegram's Bot API, `POST /bot<token>/sendMessage`, in its documented wire format: every
 *   answer is `{"ok": true, "result": Message}` or `{"ok": false, "error_code": n,
 *   "description": "..."}` with `parameters.retry_after` on a 429. A wrong token answers 401
 *   Unauthorized, a path that is no method 404 Not Found, an unknown chat 400 "Bad Request: chat
 *   not found", an empty text 400 "message text is empty", a text over 4096 characters 400
 *   "message is too long", and with parse_mode HTML a bare `<` or `&` 400 "can't parse
 *   entities" (so an escaping bug fails a test the way it fails in production).
 * - A generic JSON receiver, `POST /hook`, that wants `Authorization: Bearer <token>` when a
 *   token is set and answers 200 `{"received": true}`.
 *
 * Each target takes a queue of scripted actions, one per request: a 5xx, a 429 with retry_after
 * (body, header or both), a hang (no answer until the stub closes), or a Telegram 400 chat not
 * found. Every request is recorded for assertions, credentials included (it is a test double).
 */
export type WebhookStubAction =
  | { readonly kind: 'ok' }
  | { readonly kind: 'server-error'; readonly status?: 500 | 502 | 503 | 504 }
  /** 429; `retryAfterSeconds` goes in Telegram's `parameters.retry_after` and/or a Retry-After header. */
  | { readonly kind: 'rate-limit'; readonly retryAfterSeconds: number; readonly in?: 'body' | 'header' | 'both' }
  | { readonly kind: 'hang' }
  | { readonly kind: 'chat-not-found' };

export interface WebhookStubRequest {
  readonly target: 'telegram' | 'json' | 'unknown';
  readonly method: string;
  /** The raw path, bot token included. */
  readonly path: string;
  readonly headers: IncomingMessage['headers'];
  /** The parsed JSON body (null when not JSON). */
  readonly body: unknown;
  status: number | null;
}

export interface WebhookStubOptions {
  /** The bot token the stub accepts; default a well-formed test token. */
  readonly botToken?: string;
  /** Chats the bot may post to; default ['424242']. */
  readonly chatIds?: readonly string[];
  /** When set, the JSON receiver wants `Authorization: Bearer <jsonToken>`. */
  readonly jsonToken?: string;
  /** Every error answer repeats the request path (bot token included), as some proxies do. */
  readonly echoPath?: boolean;
}

export interface WebhookStub {
  /** For KOBE_TELEGRAM_BASE_URL. */
  readonly telegramBaseUrl: string;
  /** For KOBE_ALERT_WEBHOOK_URL. */
  readonly jsonUrl: string;
  readonly botToken: string;
  readonly chatId: string;
  readonly requests: WebhookStubRequest[];
  /** Messages Telegram accepted, in order. */
  readonly messages: Array<{ readonly chatId: string; readonly text: string; readonly parseMode: string | null }>;
  /** JSON bodies the receiver accepted, in order. */
  readonly received: unknown[];
  /** Queue actions for the next requests to `target`, one per request. */
  script(target: 'telegram' | 'json', ...actions: WebhookStubAction[]): void;
  close(): Promise<void>;
}

export const STUB_BOT_TOKEN = '7345123456:AAEstubTOKENsecretPart_0123456789ab';
const TEXT_MAX = 4096;

/** Tags Telegram's HTML mode accepts. */
const TAG = /^<\/?(b|strong|i|em|u|ins|s|strike|del|code|pre|a|span|tg-spoiler|tg-emoji|blockquote)(\s[^<>]*)?>/;
const ENTITY = /^&(lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);/;

/** Telegram's "can't parse entities" check, reduced to the rules escaping must satisfy. */
export function telegramHtmlError(text: string): string | null {
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '<' && !TAG.test(text.slice(i))) return `Bad Request: can't parse entities: Unsupported start tag at byte offset ${i}`;
    if (c === '&' && !ENTITY.test(text.slice(i))) return `Bad Request: can't parse entities: Character entity expected at byte offset ${i}`;
  }
  return null;
}

/** The text a Telegram client shows: tags dropped, entities decoded. */
export function telegramPlainText(html: string): string {
  return html
    .replace(/<[^>]*>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');
}

export async function startWebhookStub(options: WebhookStubOptions = {}): Promise<WebhookStub> {
  const botToken = options.botToken ?? STUB_BOT_TOKEN;
  const chatIds = options.chatIds ?? ['424242'];
  const scripts = { telegram: [] as WebhookStubAction[], json: [] as WebhookStubAction[] };
  const requests: WebhookStubRequest[] = [];
  const messages: WebhookStub['messages'] = [];
  const received: unknown[] = [];
  let messageId = 100;

  const send = (res: ServerResponse, record: WebhookStubRequest, status: number, body: Record<string, unknown>, headers: Record<string, string> = {}) => {
    record.status = status;
    const value = options.echoPath === true && status >= 400 ? { ...body, description: `${String(body.description ?? body.error ?? '')} (request ${record.path})` } : body;
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(value));
  };
  const telegramError = (res: ServerResponse, record: WebhookStubRequest, status: number, description: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}) =>
    send(res, record, status, { ok: false, error_code: status, description, ...extra }, headers);

  /** A scripted action for the request, or null to answer normally. Returns true when answered (or held). */
  const scripted = (target: 'telegram' | 'json', res: ServerResponse, record: WebhookStubRequest): boolean => {
    const action = scripts[target].shift();
    if (action === undefined || action.kind === 'ok') return false;
    switch (action.kind) {
      case 'hang':
        record.status = null;
        return true;
      case 'server-error': {
        const status = action.status ?? 500;
        if (target === 'telegram') telegramError(res, record, status, 'Internal Server Error');
        else send(res, record, status, { error: 'internal error' });
        return true;
      }
      case 'rate-limit': {
        const where = action.in ?? 'body';
        const headers: Record<string, string> = where === 'body' ? {} : { 'retry-after': String(action.retryAfterSeconds) };
        if (target === 'telegram') {
          const params = where === 'header' ? {} : { parameters: { retry_after: action.retryAfterSeconds } };
          telegramError(res, record, 429, `Too Many Requests: retry after ${action.retryAfterSeconds}`, params, headers);
        } else {
          send(res, record, 429, { error: 'rate limited' }, headers);
        }
        return true;
      }
      case 'chat-not-found':
        telegramError(res, record, 400, 'Bad Request: chat not found');
        return true;
    }
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: unknown = null;
      try {
        body = raw === '' ? null : (JSON.parse(raw) as unknown);
      } catch {
        body = null;
      }
      const path = req.url ?? '/';
      const isTelegram = path.startsWith('/bot');
      const record: WebhookStubRequest = { target: isTelegram ? 'telegram' : path === '/hook' ? 'json' : 'unknown', method: req.method ?? '', path, headers: req.headers, body, status: null };
      requests.push(record);

      if (record.target === 'telegram') {
        const m = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(path);
        if (m === null) return telegramError(res, record, 404, 'Not Found');
        if (decodeURIComponent(m[1]) !== botToken) return telegramError(res, record, 401, 'Unauthorized');
        if (m[2].toLowerCase() !== 'sendmessage') return telegramError(res, record, 404, 'Not Found');
        if (scripted('telegram', res, record)) return;
        if (req.method !== 'POST' || body === null || typeof body !== 'object') return telegramError(res, record, 400, 'Bad Request: message text is empty');
        const b = body as { chat_id?: unknown; text?: unknown; parse_mode?: unknown };
        const chatId = b.chat_id === undefined || b.chat_id === null ? '' : String(b.chat_id);
        if (chatId === '') return telegramError(res, record, 400, 'Bad Request: chat_id is empty');
        const text = typeof b.text === 'string' ? b.text : '';
        if (text.trim() === '') return telegramError(res, record, 400, 'Bad Request: message text is empty');
        const parseMode = typeof b.parse_mode === 'string' ? b.parse_mode : null;
        if (parseMode !== null && parseMode.toLowerCase() === 'html') {
          const bad = telegramHtmlError(text);
          if (bad !== null) return telegramError(res, record, 400, bad);
        }
        const shown = parseMode?.toLowerCase() === 'html' ? telegramPlainText(text) : text;
        if (shown.length > TEXT_MAX) return telegramError(res, record, 400, 'Bad Request: message is too long');
        if (!chatIds.includes(chatId)) return telegramError(res, record, 400, 'Bad Request: chat not found');
        messages.push({ chatId, text, parseMode });
        messageId += 1;
        return send(res, record, 200, {
          ok: true,
          result: {
            message_id: messageId,
            from: { id: Number(botToken.split(':')[0]), is_bot: true, first_name: 'kobe stub', username: 'kobe_stub_bot' },
            chat: { id: Number(chatId), type: 'private', first_name: 'Trader' },
            date: Math.floor(Date.now() / 1000),
            text: shown,
          },
        });
      }

      if (record.target === 'json') {
        if (options.jsonToken !== undefined && req.headers.authorization !== `Bearer ${options.jsonToken}`) {
          return send(res, record, 401, { error: 'unauthorized' });
        }
        if (scripted('json', res, record)) return;
        if (req.method !== 'POST' || body === null) return send(res, record, 400, { error: 'expected a JSON body' });
        received.push(body);
        return send(res, record, 200, { received: true });
      }

      return send(res, record, 404, { error: 'no such route' });
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const base = `http://127.0.0.1:${port}`;

  return {
    telegramBaseUrl: base,
    jsonUrl: `${base}/hook`,
    botToken,
    chatId: chatIds[0],
    requests,
    messages,
    received,
    script: (target, ...actions) => {
      scripts[target].push(...actions);
    },
    close: () =>
      new Promise<void>((resolve) => {
        // Held (hanging) requests would keep close() waiting forever.
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
