export { bsDeltaRaw, bsGreeks, bsPrice, bsPriceRaw, bsVegaRaw, CALENDAR_DAYS_PER_YEAR, checkOptionSpec } from './black-scholes.js';
export type { Greeks, OptionKind, OptionSpec } from './black-scholes.js';
export { impliedVol } from './implied-vol.js';
export type { ImpliedVolFailureCode, ImpliedVolInput, ImpliedVolOptions, ImpliedVolResult } from './implied-vol.js';
export {
  closeToCloseVol,
  CloseToCloseVolKernel,
  DEFAULT_ANNUALISATION,
  garmanKlassVol,
  GarmanKlassVolKernel,
  parkinsonVol,
  ParkinsonVolKernel,
  rogersSatchellVol,
  RogersSatchellVolKernel,
  yangZhangK,
  yangZhangVol,
  YangZhangVolKernel,
} from './vol-estimators.js';
export type { OhlcColumns } from './vol-estimators.js';
