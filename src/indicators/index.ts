export type { StreamingKernel } from './kernel.js';
export { MAX_PERIOD } from './params.js';
export { sma, SmaKernel } from './sma.js';
export { ema, EmaKernel } from './ema.js';
export { rsi, RsiKernel } from './rsi.js';
export { atr, AtrKernel } from './atr.js';
export { ibs, IbsKernel } from './ibs.js';
export { donchianHigh, DonchianHighKernel, donchianLow, DonchianLowKernel } from './donchian.js';
export { rollingStd, RollingStdKernel } from './rolling-std.js';
export { realisedVol, RealisedVolKernel, TRADING_DAYS_PER_YEAR } from './realised-vol.js';
export { avgDollarVolume, AvgDollarVolumeKernel } from './avg-dollar-volume.js';
export { stochK, StochKKernel, stochD, StochDKernel } from './stochastic.js';
export {
  ichimokuTenkan,
  IchimokuTenkanKernel,
  ichimokuKijun,
  IchimokuKijunKernel,
  ichimokuSenkouA,
  IchimokuSenkouAKernel,
  ichimokuSenkouB,
  IchimokuSenkouBKernel,
} from './ichimoku.js';
export { rollingVwap, RollingVwapKernel } from './rolling-vwap.js';
export { plainRollingMean } from './plain-loop.js';
export { INDICATORS, findIndicator } from './registry.js';
export type { BarWindow, IndicatorDescriptor, ParamSpec, SeriesName } from './registry.js';
