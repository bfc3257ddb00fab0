export type { BarProvider, FetchOutcome, ProviderAttempt } from './provider.js';
export type { HttpOptions } from './http.js';
export { createPolygonProvider, POLYGON_DEFAULT_BASE_URL } from './polygon.js';
export { createStooqProvider, STOOQ_DEFAULT_BASE_URL } from './stooq.js';
export { createYahooProvider, YAHOO_DEFAULT_BASE_URL } from './yahoo.js';
export { downloadSymbols, type DownloadOptions, type DownloadResult } from './fetch-to-dir.js';
export { createProviderFromEnv, PROVIDER_NAMES, type ProviderName } from './from-env.js';
export {
  chainProviders,
  createProviderChain,
  parseProviderNames,
  type ProviderChain,
  ProviderChainError,
  type SkippedProvider,
} from './chain.js';
