import { usageError } from '../../core/errors.js';
import type { HttpOptions } from './http.js';
import { createPolygonProvider } from './polygon.js';
import type { BarProvider } from './provider.js';
import { createStooqProvider } from './stooq.js';
import { createYahooProvider } from './yahoo.js';

export const PROVIDER_NAMES = ['polygon', 'stooq', 'yahoo'] as const;
export type ProviderName = (typeof PROVIDER_NAMES)[number];

const nonEmpty = (v: string | undefined): string | undefined => (v !== undefined && v.trim().length > 0 ? v.trim() : undefined);

/**
 * A provider configured from environment variables: POLYGON_API_KEY and POLYGON_BASE_URL for
 * polygon, STOOQ_BASE_URL for stooq, YAHOO_BASE_URL for yahoo. A missing key or a bad URL is a
 * usage error.
 */
export function createProviderFromEnv(
  name: string,
  env: Readonly<Record<string, string | undefined>>,
  http?: HttpOptions,
): BarProvider {
  const checkUrl = (value: string | undefined, variable: string): string | undefined => {
    if (value === undefined) return undefined;
    try {
      const u = new URL(value);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('not http(s)');
      return value;
    } catch {
      throw usageError('BAD_CONFIG', `${variable} must be an http(s) URL, was '${value}'`, { flag: variable, value });
    }
  };
  switch (name) {
    case 'polygon': {
      const apiKey = nonEmpty(env.POLYGON_API_KEY);
      if (apiKey === undefined) {
        throw usageError('MISSING_API_KEY', 'POLYGON_API_KEY is not set', {
          hint: 'put POLYGON_API_KEY=... in .env or the environment (keys: https://polygon.io/dashboard/keys), or use the stooq provider',
        });
      }
      return createPolygonProvider({ apiKey, baseUrl: checkUrl(nonEmpty(env.POLYGON_BASE_URL), 'POLYGON_BASE_URL'), http });
    }
    case 'stooq':
      return createStooqProvider({ baseUrl: checkUrl(nonEmpty(env.STOOQ_BASE_URL), 'STOOQ_BASE_URL'), http });
    case 'yahoo':
      return createYahooProvider({ baseUrl: checkUrl(nonEmpty(env.YAHOO_BASE_URL), 'YAHOO_BASE_URL'), http });
    default:
      throw usageError('BAD_PROVIDER', `unknown provider '${name}'`, { param: 'provider', value: name, hint: `use one of: ${PROVIDER_NAMES.join(', ')}` });
  }
}
