/** Monitoring for the end-of-day report: drift of live trades against the backtest, anomalies in today's bars. */
export * from './drift.js';
export * from './anomalies.js';
export { binomialCountBand, binomialPmf, type CountBand } from './binomial.js';
export { locationScale, MAD_TO_SIGMA, MEAN_AD_TO_SIGMA, type LocationScale, type ScaleMethod } from './location-scale.js';
