/**
 * Closed trades from an account's fills, for the circuit breaker's day P&L and losing streak.
 * Pure: fills in, closes out.
 *
 * Fills are matched first in, first out per symbol: a sell against held long shares closes them
 * (and a buy against a short closes it); what is left opens a position. Each fill that closes
 * shares is one closed trade, its P&L the price difference times the shares it closed. Prices
 * are the fill prices, so commissions are not in the P&L (the breaker's limit is on trading
 * losses; a loss limit that counted fees would trip on a run of flat trades).
 */

export interface AccountFill {
  readonly symbol: string;
  readonly side: 'buy' | 'sell';
  readonly qty: number;
  readonly price: number;
  /** When it executed, UTC ms; fills are processed in this order (ties: input order). */
  readonly executedAtMs: number;
}

export interface ClosedTrade {
  readonly symbol: string;
  readonly closedAtMs: number;
  readonly qty: number;
  readonly pnlUsd: number;
}

export function closedTrades(fills: readonly AccountFill[]): ClosedTrade[] {
  const order = fills.map((_, i) => i).sort((a, b) => fills[a].executedAtMs - fills[b].executedAtMs || a - b);
  // Open lots per symbol: signed shares (+ long, - short) at their price, oldest first.
  const lots = new Map<string, { qty: number; price: number }[]>();
  const out: ClosedTrade[] = [];
  for (const i of order) {
    const f = fills[i];
    const symbol = f.symbol.toUpperCase();
    const signed = f.side === 'buy' ? f.qty : -f.qty;
    const open = lots.get(symbol) ?? [];
    let left = signed;
    let closedQty = 0;
    let pnl = 0;
    while (left !== 0 && open.length > 0 && Math.sign(open[0].qty) !== Math.sign(left)) {
      const lot = open[0];
      const take = Math.min(Math.abs(lot.qty), Math.abs(left));
      // A long lot closed by a sell earns sell - buy; a short lot closed by a buy earns sell - buy too.
      pnl += Math.sign(lot.qty) * take * (f.price - lot.price);
      closedQty += take;
      lot.qty -= Math.sign(lot.qty) * take;
      left -= Math.sign(left) * take;
      if (lot.qty === 0) open.shift();
    }
    if (left !== 0) open.push({ qty: left, price: f.price });
    lots.set(symbol, open);
    if (closedQty > 0) out.push({ symbol, closedAtMs: f.executedAtMs, qty: closedQty, pnlUsd: pnl });
  }
  return out;
}

/**
 * The breaker's two trade facts, counted from `sinceMs` (the last reset, so a reset is not
 * undone at once by the losses that tripped it): P&L of the trades closed on the current trading
 * day (`isToday`, the order path's trading-day rule), and the number of losing trades at the end
 * of the record (a win or a flat trade ends a streak).
 */
export function breakerTradeFacts(trades: readonly ClosedTrade[], isToday: (utcMs: number) => boolean, sinceMs: number): { dayPnlUsd: number; consecutiveLosingTrades: number } {
  let dayPnlUsd = 0;
  let streak = 0;
  for (const t of trades) {
    if (t.closedAtMs < sinceMs) continue;
    if (isToday(t.closedAtMs)) dayPnlUsd += t.pnlUsd;
    streak = t.pnlUsd < 0 ? streak + 1 : 0;
  }
  return { dayPnlUsd, consecutiveLosingTrades: streak };
}
