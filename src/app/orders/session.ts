import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { DEFAULT_ENGINE_CONFIG } from '../../backtest/config.js';
import { AlpacaBroker } from '../../brokers/alpaca/alpaca-broker.js';
import { alpacaCredentialsFromEnv } from '../../brokers/alpaca/credentials.js';
import type { Broker, Quote } from '../../brokers/broker.js';
import { liveTradingAllowed } from '../../brokers/live-guard.js';
import { PaperBroker } from '../../brokers/paper-broker.js';
import { usageError } from '../../core/errors.js';
import { newYorkDay } from '../../core/exchange-calendar.js';
import { findSymbolFile } from '../../data/locate.js';
import { parseBarsBytes } from '../../data/parse-bars.js';
import { readProhibitedList } from '../../data/prohibited-list.js';
import { DEFAULT_ORDER_GATE_CONFIG, checkOrderGateConfig, type OrderGateConfig } from '../../risk/order-gates.js';
import { OrderStore } from '../../store/order-store.js';
import type { AppContext } from '../context.js';
import { readQuotes } from '../scan/scan-inputs.js';
import { RiskStateStore } from './risk-state.js';
import type { OrderDeps } from './submit.js';

/**
 * Everything the order commands work with, opened once from a spec: the OMS and the risk state
 * (the kobe SQLite file), the broker, the state folder (kill switch, journal), the audit log and
 * the market facts the gates need.
 *
 * Brokers: `paper` (the default) is the SQLite paper broker in the same kobe file, filling
 * against the quotes of a CSV file (symbol,bid,ask); `alpaca` is the REST adapter, keys from the
 * environment, the paper endpoint unless mode `live` is allowed (`liveTradingAllowed`). Its base
 * URLs can be pointed elsewhere (a local stub in tests) with KOBE_ALPACA_BASE_URL and
 * KOBE_ALPACA_DATA_URL.
 */
export interface OrderSessionSpec {
  /** The kobe SQLite file (OMS, risk state, paper broker). */
  readonly db: string;
  readonly stateDir: string;
  readonly audit: string;
  readonly broker: string;
  /** paper (default) or live; live only with the alpaca broker and KOBE_ALLOW_LIVE=1. */
  readonly mode?: string;
  /** Paper broker: CSV symbol,bid,ask of the quotes it fills against. */
  readonly quotes?: string;
  /** Daily bars for the gates' last price and 20-day average dollar volume; without it ADV is unknown (denied). */
  readonly dataDir?: string;
  /** A prohibited list, CSV symbol,reason,expires. */
  readonly prohibited?: string;
  /**
   * The daily pipeline's paper broker: it fills on the next bar as the engine does (not against a
   * quotes file), quoted from the bars, with this starting cash. Not a flag: `kobe daily` sets it.
   */
  readonly paperBars?: { readonly quotes: (symbol: string) => Quote | null; readonly startingCashUsd: number };
  /** Marketable limit buffer (fraction); default DEFAULT_LIMIT_BUFFER_FRAC. */
  readonly limitBufferFrac?: number;
  /** Gate limits that replace the defaults (the daily pipeline sizes for its account). */
  readonly gateLimits?: Partial<Pick<OrderGateConfig, 'maxOrderNotionalUsd' | 'maxDailyNotionalUsd' | 'maxPositionFrac' | 'dailyLossLimitUsd' | 'maxConsecutiveLosses'>>;
}

export const ORDER_BROKERS = ['paper', 'alpaca'] as const;

/** What the kill switch and the circuit breaker need: no broker, so they work when no broker can be reached. */
export interface RiskSession {
  readonly risk: RiskStateStore;
  readonly stateDir: string;
  readonly auditFile: string;
  close(): void;
}

export interface OrderSession extends RiskSession {
  readonly deps: OrderDeps;
  readonly broker: Broker;
  readonly oms: OrderStore;
}

export function openRiskSession(spec: Pick<OrderSessionSpec, 'db' | 'stateDir' | 'audit'>, ctx: AppContext): RiskSession {
  const risk = new RiskStateStore(resolve(ctx.cwd, spec.db));
  return { risk, stateDir: resolve(ctx.cwd, spec.stateDir), auditFile: resolve(ctx.cwd, spec.audit), close: () => risk.close() };
}

export function openOrderSession(spec: OrderSessionSpec, ctx: AppContext): OrderSession {
  if (!(ORDER_BROKERS as readonly string[]).includes(spec.broker)) {
    throw usageError('BAD_BROKER', `broker must be ${ORDER_BROKERS.join(' or ')}, was '${spec.broker}'`, { param: 'broker', value: spec.broker, hint: 'paper (the default) or alpaca' });
  }
  const mode = liveTradingAllowed(spec.mode, ctx.env);
  if (mode === 'live' && spec.broker !== 'alpaca') {
    throw usageError('BAD_BROKER_MODE', 'mode live needs the alpaca broker: the paper broker never trades real money', { param: 'mode', value: mode, hint: 'add --broker alpaca, or drop --mode live' });
  }
  const dbPath = resolve(ctx.cwd, spec.db);
  const stateDir = resolve(ctx.cwd, spec.stateDir);
  const auditFile = resolve(ctx.cwd, spec.audit);
  const nowMs = () => ctx.now().getTime();
  let config: OrderGateConfig = checkOrderGateConfig({ ...DEFAULT_ORDER_GATE_CONFIG, ...spec.gateLimits });
  if (spec.prohibited !== undefined) config = checkOrderGateConfig({ ...config, prohibited: readProhibitedList(resolve(ctx.cwd, spec.prohibited)) });
  const broker =
    spec.broker === 'alpaca'
      ? alpacaBroker(mode, ctx)
      : spec.paperBars !== undefined
        ? new PaperBroker({ path: dbPath, now: nowMs, costs: DEFAULT_ENGINE_CONFIG.costs, fill: DEFAULT_ENGINE_CONFIG.fill, fillOn: 'next-bar', quotes: spec.paperBars.quotes, startingCashUsd: spec.paperBars.startingCashUsd })
        : paperBroker(dbPath, spec.quotes === undefined ? undefined : resolve(ctx.cwd, spec.quotes), nowMs);
  const oms = new OrderStore(dbPath, { now: () => ctx.now().toISOString() });
  const risk = new RiskStateStore(dbPath);
  const dataDir = spec.dataDir === undefined ? undefined : resolve(ctx.cwd, spec.dataDir);
  const deps: OrderDeps = {
    broker,
    oms,
    risk,
    stateDir,
    auditFile,
    config,
    marketFacts: (symbol) => (dataDir === undefined ? { priceUsd: Number.NaN, adv20Usd: Number.NaN } : marketFacts(dataDir, symbol, nowMs())),
    // Alpaca accounts are margin accounts unless opened as cash accounts: check the rule. The paper broker is a cash account.
    marginAccount: spec.broker === 'alpaca',
    ...(spec.limitBufferFrac === undefined ? {} : { limitBufferFrac: spec.limitBufferFrac }),
  };
  return {
    deps,
    broker,
    oms,
    risk,
    stateDir,
    auditFile,
    close: () => {
      oms.close();
      risk.close();
      if (broker instanceof PaperBroker) broker.close();
    },
  };
}

function paperBroker(dbPath: string, quotesFile: string | undefined, now: () => number): PaperBroker {
  const quotes = quotesFile === undefined ? new Map<string, { bid: number; ask: number }>() : readQuotes(quotesFile);
  const quoteOf = (symbol: string): Quote | null => {
    const q = quotes.get(symbol.toUpperCase());
    return q === undefined ? null : { symbol: symbol.toUpperCase(), bidUsd: q.bid, askUsd: q.ask, bidSize: 0, askSize: 0, timestampMs: now() };
  };
  return new PaperBroker({ path: dbPath, now, costs: DEFAULT_ENGINE_CONFIG.costs, fill: DEFAULT_ENGINE_CONFIG.fill, fillOn: 'quote', quotes: quoteOf });
}

function alpacaBroker(mode: 'paper' | 'live', ctx: AppContext): AlpacaBroker {
  const url = (name: string): string | undefined => {
    const v = ctx.env[name]?.trim();
    return v === undefined || v === '' ? undefined : v;
  };
  return new AlpacaBroker({ credentials: alpacaCredentialsFromEnv(ctx.env), mode, tradingBaseUrl: url('KOBE_ALPACA_BASE_URL'), dataBaseUrl: url('KOBE_ALPACA_DATA_URL') });
}

const ADV_SESSIONS = 20;

/**
 * The last close and the 20-session average dollar volume (close x volume) of `symbol` from its
 * bar file, over the sessions before the New York day of `nowMs` (today's bar is not complete
 * while orders go out). NaN when the file is missing or has fewer than 20 such sessions.
 */
export function marketFacts(dataDir: string, symbol: string, nowMs: number): { priceUsd: number; adv20Usd: number } {
  const file = findSymbolFile(dataDir, symbol);
  if (file === null) return { priceUsd: Number.NaN, adv20Usd: Number.NaN };
  return factsFromBars(parseBarsBytes(readFileSync(file), { file, symbol }), newYorkDay(nowMs));
}

/** The last close and the 20-session average dollar volume of `bars` over the sessions before `today`. */
export function factsFromBars(bars: { readonly day: Int32Array; readonly close: Float64Array; readonly volume: Float64Array }, today: number): { priceUsd: number; adv20Usd: number } {
  let end = bars.day.length;
  while (end > 0 && bars.day[end - 1] >= today) end--;
  if (end === 0) return { priceUsd: Number.NaN, adv20Usd: Number.NaN };
  const priceUsd = bars.close[end - 1];
  if (end < ADV_SESSIONS) return { priceUsd, adv20Usd: Number.NaN };
  let sum = 0;
  for (let i = end - ADV_SESSIONS; i < end; i++) sum += bars.close[i] * bars.volume[i];
  return { priceUsd, adv20Usd: sum / ADV_SESSIONS };
}
