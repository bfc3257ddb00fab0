import type { Command } from 'commander';
import { dayToIso } from '../../core/calendar.js';
import { usageError } from '../../core/errors.js';
import { metricsToJson, type Metrics } from '../../backtest/metrics.js';
import { DEFAULT_OPTION_REPLAY, describeOptionReplay, MIN_PREMIUM_PER_SHARE, skipSummary, VOL_ESTIMATOR_NAMES, type OptionReplaySettings } from '../../options/option-replay.js';
import { decodeOptionReplay } from '../../app/run-spec.js';
import type { SimulateOptions } from '../../app/simulate-run.js';
import type { CliIo } from '../io.js';
import { flagName } from '../param-flags.js';
import { num, pct, table, usd } from '../render.js';

/** `kobe simulate --instrument option`: its flags, their decoding, its text and JSON. */

export interface OptionFlags {
  instrument: string;
  optionDelta: string;
  optionDte: string;
  optionVol: string;
  optionVolBars: string;
  optionRate: string;
  optionDividendYield: string;
  optionPremiumPct: string;
  optionCommission: string;
}

const D = DEFAULT_OPTION_REPLAY;
const OPTION_FLAG_KEYS = ['optionDelta', 'optionDte', 'optionVol', 'optionVolBars', 'optionRate', 'optionDividendYield', 'optionPremiumPct', 'optionCommission'] as const;

export function addOptionFlags(cmd: Command): Command {
  return cmd
    .option('--instrument <kind>', 'stock | option: option replays the stock trades as SYNTHETIC Black-Scholes-Merton calls (longs) and puts (shorts)', 'stock')
    .option('--option-delta <d>', '|delta| of the contract chosen at the signal close, in (0, 1)', String(D.targetAbsDelta))
    .option('--option-dte <days>', 'calendar days from the entry day to expiry', String(D.daysToExpiry))
    .option('--option-vol <estimator>', `volatility for pricing: ${VOL_ESTIMATOR_NAMES.join(' | ')}, over bars up to the signal`, D.volEstimator)
    .option('--option-vol-bars <n>', 'bars in the volatility window', String(D.volBars))
    .option('--option-rate <frac>', 'risk-free rate per year, a fraction, constant (0.02 = 2%)', String(D.rateFrac))
    .option('--option-dividend-yield <frac>', 'dividend yield per year, a fraction, constant', String(D.dividendYieldFrac))
    .option('--option-premium-pct <pct>', 'premium at risk per trade, % of the option account equity at the signal', String(D.premiumRiskFrac * 100))
    .option('--option-commission <usd>', 'commission per contract per side, USD', String(D.commissionPerContractUsd));
}

/** The option settings, or null for a stock run; option flags without `--instrument option` are a usage error. */
export function optionSettingsFromFlags(flags: OptionFlags, command: Command): OptionReplaySettings | null {
  if (flags.instrument !== 'stock' && flags.instrument !== 'option') {
    throw usageError('BAD_FLAG', `unknown instrument '${flags.instrument}'`, { flag: '--instrument', value: flags.instrument, hint: 'stock | option' });
  }
  if (flags.instrument === 'stock') {
    const given = command.options.find((o) => (OPTION_FLAG_KEYS as readonly string[]).includes(o.attributeName()) && command.getOptionValueSource(o.attributeName()) === 'cli');
    if (given !== undefined) {
      const flag = given.long!;
      throw usageError('BAD_FLAG', `${flag} applies to option runs only`, { flag, hint: 'add --instrument option' });
    }
    return null;
  }
  return decodeOptionReplay(
    {
      targetAbsDelta: flags.optionDelta,
      daysToExpiry: flags.optionDte,
      volEstimator: flags.optionVol,
      volBars: flags.optionVolBars,
      rateFrac: flags.optionRate,
      dividendYieldFrac: flags.optionDividendYield,
      premiumRiskPct: flags.optionPremiumPct,
      commissionPerContractUsd: flags.optionCommission,
    },
    flagName,
  );
}

function optionAssumptions(s: OptionReplaySettings) {
  return {
    model: 'Black-Scholes-Merton, European exercise',
    caveats: ['no volatility skew', 'no bid/ask spread (the stock fills carry the only slippage)', 'no early exercise', 'constant rate and dividend yield', 'expiry on any calendar day (entry + DTE), not on listed Fridays'],
    rateFrac: s.rateFrac,
    dividendYieldFrac: s.dividendYieldFrac,
    volSource: s.volEstimator,
    volBars: s.volBars,
    volRule: 'estimated at the signal close from bars up to the signal bar; the same volatility prices the entry, every close mark and the exit',
    targetAbsDelta: s.targetAbsDelta,
    strikeRule: 'the listed strike (US increments: $1 below $25, $2.50 to $200, $5 above) whose delta at the signal close is nearest the target; calls for longs, puts for shorts',
    daysToExpiry: s.daysToExpiry,
    expiryRule: 'entry day + daysToExpiry calendar days; a stock trade that outlives it settles the option at intrinsic value at the close of the last session on or before expiry, without a closing commission',
    premiumRiskPct: s.premiumRiskFrac * 100,
    sizingRule: 'whole contracts whose premium at the signal close plus the entry commission is at most premiumRiskPct of the option account equity at that close; cut to the cash at the entry fill',
    minPremiumPerShare: MIN_PREMIUM_PER_SHARE,
    commissionPerContractUsd: s.commissionPerContractUsd,
    pricesAt: "the engine's stock fill prices (slippage included) at entry and exit, the session close for marks and settlement",
  };
}

/** Off target by more than this much delta at the signal: the strike grid was too coarse for the stock's volatility. */
const DELTA_MISS = 0.1;
const offTarget = (o: SimulateOptions) => o.replay.trades.filter((t) => Math.abs(Math.abs(t.signalDelta) - o.settings.targetAbsDelta) > DELTA_MISS).length;

export function optionsJson(o: SimulateOptions) {
  const r = o.replay;
  return {
    synthetic: true,
    assumptions: optionAssumptions(o.settings),
    offTargetDelta: { toleranceAbs: DELTA_MISS, trades: offTarget(o) },
    finalEquityUsd: r.finalEquity,
    feesPaidUsd: r.feesPaidUsd,
    metrics: metricsToJson(o.metrics),
    skipCounts: r.skipCounts,
    skips: r.skips.map((x) => ({ symbol: x.symbol, strategy: x.strategy, side: x.side, signalDate: dayToIso(x.signalDay), code: x.code, detail: x.detail })),
    trades: r.trades.map((t) => ({
      symbol: t.symbol,
      strategy: t.strategy,
      side: t.side,
      type: t.kind,
      strike: t.strike,
      expiryDate: dayToIso(t.expiryDay),
      signalDate: dayToIso(t.signalDay),
      entryDate: dayToIso(t.entryDay),
      exitDate: dayToIso(t.exitDay),
      entrySpot: t.entrySpot,
      exitSpot: t.exitSpot,
      volFrac: t.volFrac,
      signalDelta: t.signalDelta,
      moneynessAtEntry: t.moneynessAtEntry,
      entryPremium: t.entryPrice,
      exitPremium: t.exitPrice,
      contracts: t.contracts,
      premiumPaidUsd: t.initialRiskUsd,
      pnl: t.pnl,
      fees: t.fees,
      exitReason: t.exitReason,
      settledAtExpiry: t.settledAtExpiry,
      barsHeld: t.barsHeld,
      stockPnl: t.stockPnlUsd,
      greeksAtEntry: t.greeksAtEntry,
      positionGreeksAtEntry: t.positionGreeksAtEntry,
    })),
    equityCurve: Array.from(r.days, (d, i) => ({ date: dayToIso(d), equity: r.equity[i], cash: r.cash[i], exposureFrac: r.exposureFrac[i] })),
  };
}

/** The text block: the header, skips, the trades table and the metrics beside the stock run's. */
export function optionLines(o: SimulateOptions, stock: Metrics, stockFinalEquityUsd: number, showTrades: number, io: CliIo): string[] {
  const r = o.replay;
  const out = [describeOptionReplay(o.settings)];
  const skipped = skipSummary(r.skipCounts);
  const s = o.settings;
  out.push(
    `    ${r.trades.length} option trades (${s.targetAbsDelta} delta, ${s.daysToExpiry} days, ${pct(s.premiumRiskFrac)} of equity in premium, ${usd(s.commissionPerContractUsd)} per contract per side)` +
      `${skipped.length > 0 ? `; stock trades not traded as options: ${skipped.join(', ')}` : ''}; ${r.trades.filter((t) => t.settledAtExpiry).length} settled at intrinsic value at expiry`,
  );
  const miss = offTarget(o);
  if (miss > 0) out.push(`    ${miss} contract(s) chosen more than ${DELTA_MISS} delta from the target: the listed strike grid ($1 below $25, $2.50 to $200, $5 above) is coarse for a low-volatility stock`);
  if (showTrades > 0 && r.trades.length > 0) {
    const shown = r.trades.slice(0, showTrades);
    out.push(
      table(
        ['symbol', 'type', 'strike', 'expiry', 'entry', 'premium', 'exit', 'premium', 'contracts', 'pnl', 'delta'],
        shown.map((t) => [t.symbol, t.kind, t.strike.toFixed(2), dayToIso(t.expiryDay), dayToIso(t.entryDay), t.entryPrice.toFixed(2), dayToIso(t.exitDay), t.exitPrice.toFixed(2), t.contracts, t.pnl.toFixed(2), t.greeksAtEntry.delta.toFixed(3)]),
        io,
        { compact: true },
      ),
    );
    if (r.trades.length > shown.length) out.push(`    ... ${r.trades.length - shown.length} more (all of them in --json)`);
  }
  const m = o.metrics;
  const row = (label: string, f: (x: Metrics) => { value: number | null }, fmt: (v: number | null) => string): string[] => [label, fmt(f(stock).value), fmt(f(m).value)];
  out.push(
    table(
      ['metric', 'stock', 'option (synthetic)'],
      [
        ['trades', String(stock.trades), String(m.trades)],
        ['final equity', usd(stockFinalEquityUsd), usd(r.finalEquity)],
        row('total return', (x) => x.totalReturnFrac, pct),
        row('CAGR', (x) => x.cagrFrac, pct),
        row('Sharpe', (x) => x.sharpe, num),
        row('max drawdown', (x) => x.maxDrawdownFrac, pct),
        row('win rate', (x) => x.winRate, (v) => pct(v, 1)),
        row('expectancy per trade', (x) => x.expectancyUsd, usd),
        row('expectancy (R)', (x) => x.expectancyR, num),
        row('profit factor', (x) => x.profitFactor, num),
        row('fees', (x) => x.feesPaidUsd, usd),
      ],
      io,
      { compact: true },
    ),
  );
  out.push('    option R: the premium paid is the risk of an option trade');
  return out;
}
