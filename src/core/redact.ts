/**
 * Secrets out of every message, log line and artifact, in one place.
 *
 * What is redacted (replaced by REDACTED):
 * - URL query parameters that carry credentials: apiKey, api_key, apikey, key, token,
 *   access_token, secret, password, passwd, signature, sig (any case), and JSON / header style
 *   `"apiKey": "..."`, `apiKey: ...` pairs with the same names;
 * - `Authorization: ...` values (Bearer, Basic, token) and Alpaca's `APCA-API-KEY-ID` /
 *   `APCA-API-SECRET-KEY` headers;
 * - passwords in URLs (`https://user:password@host` keeps the user name);
 * - the literal values of secrets the process knows: values of secret environment variables
 *   (POLYGON_API_KEY, APCA_API_SECRET_KEY, any *_API_KEY, *_SECRET, *_TOKEN, *_PASSWORD ...)
 *   registered with registerSecrets, and the `secrets` passed to redactSecrets.
 *
 * Apply it where text from outside (a provider's error body, a request URL) becomes an error,
 * and where the CLI prints errors: a key echoed by an error page then never reaches stderr or
 * a `--json` report. Pure string work; the one piece of state is the set of registered literal
 * values, which only grows (a secret seen once stays redacted for the life of the process).
 */

export const REDACTED = '[REDACTED]';

/** Secret environment variables by name; values shorter than MIN_SECRET_CHARS are ignored. */
export const SECRET_ENV_NAME = /(^|_)(API_?KEY|KEY_ID|SECRET(_KEY)?|TOKEN|PASSWORD|PASSWD|PASS)$/i;
const MIN_SECRET_CHARS = 6;

const PARAM_NAMES = 'api[_-]?key|apikey|key|token|access[_-]?token|secret|password|passwd|signature|sig|client[_-]?secret';
/** `?apiKey=v` / `&token=v` in URLs (the value ends at &, #, whitespace, a quote or <>). */
const QUERY_PARAM = new RegExp(`([?&;](?:${PARAM_NAMES})=)[^&#\\s"'<>]*`, 'gi');
/** `"apiKey": "v"` (JSON) and `apiKey: v` / `apiKey=v` in free text. */
const JSON_PAIR = new RegExp(`("(?:${PARAM_NAMES})"\\s*:\\s*")[^"]*(")`, 'gi');
const HEADERS = /((?:authorization|proxy-authorization|apca-api-key-id|apca-api-secret-key|x-api-key)\s*[:=]\s*)(?:(?:bearer|basic|token)\s+)?[^\s,;"']+/gi;
/** scheme://user:password@ */
const URL_PASSWORD = /([a-z][a-z0-9+.-]*:\/\/[^\s:/@"'<>]+:)[^\s@/"'<>]+(@)/gi;

const known = new Set<string>();

/** Remembers literal secret values (e.g. an API key read from .env) for every later redaction. */
export function registerSecrets(values: Iterable<string | undefined | null>): void {
  for (const v of values) {
    const s = v?.trim();
    if (s !== undefined && s.length >= MIN_SECRET_CHARS) known.add(s);
  }
}

/** The values of the secret variables in `env` (by SECRET_ENV_NAME). */
export function secretEnvValues(env: Readonly<Record<string, string | undefined>>): string[] {
  const out: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && SECRET_ENV_NAME.test(name) && value.trim().length >= MIN_SECRET_CHARS) out.push(value.trim());
  }
  return out;
}

/** `text` with every secret (see the module comment) replaced by REDACTED. */
export function redactSecrets(text: string, secrets: Iterable<string> = []): string {
  let out = text;
  const literals = [...known, ...[...secrets].filter((s) => s.length >= MIN_SECRET_CHARS)];
  // Longest first, so a secret that contains another is replaced whole.
  literals.sort((a, b) => b.length - a.length);
  for (const s of literals) if (out.includes(s)) out = out.split(s).join(REDACTED);
  // The same value URL-encoded (a key with + or / travels as %2B, %2F).
  for (const s of literals) {
    const enc = encodeURIComponent(s);
    if (enc !== s && out.includes(enc)) out = out.split(enc).join(REDACTED);
  }
  return out
    .replace(QUERY_PARAM, `$1${REDACTED}`)
    .replace(JSON_PAIR, `$1${REDACTED}$2`)
    .replace(HEADERS, `$1${REDACTED}`)
    .replace(URL_PASSWORD, `$1${REDACTED}$2`);
}

/** A JSON-like value with every string in it redacted (for `--json` error objects). */
export function redactDeep<T>(value: T, secrets: Iterable<string> = []): T {
  const list = [...secrets];
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return redactSecrets(v, list);
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(value) as T;
}
