/**
 * Promotion gates as values (nautilus' OrderDeniedReason): each gate reports its code, the
 * measured value and the threshold, pass or fail. Every gate is evaluated and every failure
 * reported, not just the first, so a trader sees the whole picture at once.
 */
export interface GateResult {
  readonly code: string;
  readonly ok: boolean;
  /** null when the measure could not be computed (which fails the gate). */
  readonly measured: number | null;
  readonly threshold: number;
  readonly comparison: '>' | '>=' | '<=' | '==';
  /** The measure is a count (trades, splits): shown as an integer, never as 403.000. */
  readonly count: boolean;
  readonly detail: string;
}

export interface GateThresholds {
  readonly minOosSharpe: number;
  readonly minProfitFactor: number;
  readonly minTrades: number;
  /** Deflated Sharpe Ratio: probability the true Sharpe beats the best of `trials` lucky ones. */
  readonly minDeflatedSharpe: number;
  /** Probability of Backtest Overfitting across the search's candidates. */
  readonly maxPbo: number;
}

/**
 * Seeds 001/003 defaults, plus the overfitting statistics. DSR >= 0.95 is the usual 95%
 * confidence that the Sharpe is not the luck of the best of many trials; PBO <= 0.2 means the
 * in-sample winner ranks below the out-of-sample median in at most a fifth of the splits.
 */
export const DEFAULT_GATES: GateThresholds = { minOosSharpe: 1, minProfitFactor: 1.5, minTrades: 30, minDeflatedSharpe: 0.95, maxPbo: 0.2 };

export interface GateInputs {
  readonly oosSharpe: number | null;
  readonly profitFactor: number | null;
  readonly trades: number;
  readonly splitsEvaluated: number;
  readonly splitsExpected: number;
  readonly deflatedSharpe: number | null;
  readonly pbo: number | null;
}

function gate(code: string, measured: number | null, threshold: number, comparison: GateResult['comparison'], what: string, count = false): GateResult {
  const ok =
    measured !== null &&
    (comparison === '>' ? measured > threshold : comparison === '>=' ? measured >= threshold : comparison === '<=' ? measured <= threshold : measured === threshold);
  const shown = measured === null ? 'n/a' : Number(measured.toFixed(4));
  return { code, ok, measured, threshold, comparison, count, detail: `${what} ${shown} ${ok ? '' : 'not '}${comparison} ${threshold}` };
}

export function evaluateGates(x: GateInputs, t: GateThresholds = DEFAULT_GATES): GateResult[] {
  return [
    gate('OOS_SHARPE_TOO_LOW', x.oosSharpe, t.minOosSharpe, '>', 'out-of-sample Sharpe'),
    gate('PROFIT_FACTOR_TOO_LOW', x.profitFactor, t.minProfitFactor, '>', 'profit factor'),
    gate('TOO_FEW_TRADES', x.trades, t.minTrades, '>=', 'out-of-sample trades', true),
    gate('SPLITS_MISSING', x.splitsEvaluated, x.splitsExpected, '==', 'splits evaluated', true),
    gate('DEFLATED_SHARPE_TOO_LOW', x.deflatedSharpe, t.minDeflatedSharpe, '>=', 'deflated Sharpe ratio'),
    gate('BACKTEST_OVERFIT', x.pbo, t.maxPbo, '<=', 'probability of backtest overfitting'),
  ];
}

export const failedGates = (gates: readonly GateResult[]): GateResult[] => gates.filter((g) => !g.ok);
