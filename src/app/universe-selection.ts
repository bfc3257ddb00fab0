import { selectTypes, type Universe } from '../data/universe.js';

/** A universe symbol not traded, and why: `index` (the index, unless tradeIndex) or `type <t>` (types). */
export interface ExcludedSymbol {
  readonly symbol: string;
  readonly reason: string;
}

/** A universe that is a plain list of symbols (a data folder's files, the demo market): no types. */
export function untypedUniverse(file: string, symbols: readonly string[]): Universe {
  return { file, entries: symbols.map((symbol, k) => ({ symbol, name: null, sector: null, type: null, line: k + 1 })), hasTypeColumn: false };
}

/**
 * What a universe trades: only the types asked for (`types`, from its type column), and the
 * index only when asked (`tradeIndex`): a benchmark ETF listed beside the stocks is the yardstick,
 * not a position. Everything left out is recorded (type exclusions first, then the index) and
 * said once per reason. Symbols named exactly (`symbols`) skip this: they are traded as named.
 */
export function tradedUniverse(universe: Universe, indexSymbol: string | null, tradeIndex: boolean, types: readonly string[] | null, param: (name: string) => string) {
  const { kept, leftOut } = types === null ? { kept: universe.entries, leftOut: [] } : selectTypes(universe, types);
  const excluded: ExcludedSymbol[] = leftOut.map((e) => ({ symbol: e.symbol, reason: e.type === null ? 'no type' : `type ${e.type}` }));
  const warnings: string[] = [];
  if (types !== null && leftOut.length > 0) {
    const byType = new Map<string, number>();
    for (const e of leftOut) byType.set(e.type ?? 'untyped', (byType.get(e.type ?? 'untyped') ?? 0) + 1);
    const counts = [...byType].map(([t, n]) => `${n} ${t}`).join(', ');
    warnings.push(`${param('types')} ${types.join(',')}: ${counts} symbol${leftOut.length === 1 ? '' : 's'} left out`);
  }
  const symbols: string[] = [];
  for (const e of kept) {
    if (!tradeIndex && e.symbol === indexSymbol) {
      excluded.push({ symbol: e.symbol, reason: 'index' });
      warnings.push(`index ${e.symbol} not traded (use ${param('tradeIndex')})`);
    } else symbols.push(e.symbol);
  }
  return { symbols, excluded, warnings };
}

