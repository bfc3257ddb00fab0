/**
 * Top-3 and the trade of the day, pure. A pick is ranked by its calibrated confidence when a
 * model gave one (ties and unscored picks by strength), else by the strategy's strength.
 */
export interface Rankable {
  readonly strategy: string;
  /** No gate denied it. */
  readonly admitted: boolean;
  readonly confidence: number | null;
  readonly strength: number;
}

export interface MixSlot {
  readonly strategy: string;
  readonly count: number;
}

/** Best first: confidence (null last), then strength; stable otherwise. */
export function compareRank(a: Rankable, b: Rankable): number {
  const ca = a.confidence ?? Number.NEGATIVE_INFINITY;
  const cb = b.confidence ?? Number.NEGATIVE_INFINITY;
  if (ca !== cb) return cb - ca;
  return b.strength - a.strength;
}

/**
 * The picks: for each mix slot in order, that strategy's best admitted signals up to its count;
 * with `fill`, slots a strategy could not fill go to the best remaining admitted signals of any
 * strategy. Returns indices into `rows`, best first within the result.
 */
export function topPicks(rows: readonly Rankable[], mix: readonly MixSlot[], fill: boolean): number[] {
  const order = rows.map((_, i) => i).filter((i) => rows[i].admitted).sort((a, b) => compareRank(rows[a], rows[b]) || a - b);
  const taken = new Set<number>();
  for (const slot of mix) {
    let n = 0;
    for (const i of order) {
      if (n >= slot.count) break;
      if (rows[i].strategy === slot.strategy && !taken.has(i)) {
        taken.add(i);
        n++;
      }
    }
  }
  const total = mix.reduce((a, s) => a + s.count, 0);
  if (fill) for (const i of order) if (taken.size < total && !taken.has(i)) taken.add(i);
  return [...taken].sort((a, b) => compareRank(rows[a], rows[b]) || a - b);
}

export type TradeOfDay = { readonly pick: number; readonly reason: string } | { readonly pick: null; readonly reason: string };

/** The highest-confidence pick at or above `minConfidence`; none, with the reason, is a valid answer. */
export function tradeOfDay(rows: readonly Rankable[], picks: readonly number[], minConfidence: number, modelReason: string | null): TradeOfDay {
  if (modelReason !== null) return { pick: null, reason: `no trade today: ${modelReason}` };
  if (picks.length === 0) return { pick: null, reason: 'no trade today: no signal passed the gates' };
  let best: number | null = null;
  for (const i of picks) if (rows[i].confidence !== null && (best === null || rows[i].confidence! > rows[best].confidence!)) best = i;
  if (best === null) return { pick: null, reason: 'no trade today: no pick has a confidence' };
  const c = rows[best].confidence!;
  if (c < minConfidence) return { pick: null, reason: `no trade today: the best confidence ${c.toFixed(3)} is below ${minConfidence}` };
  return { pick: best, reason: `highest confidence ${c.toFixed(3)} >= ${minConfidence}` };
}

/** `turtle-soup:2,ibs-rsi:1`; `param` names the parameter in errors. */
export function parseMix(text: string, known: (name: string) => boolean): MixSlot[] | string {
  const out: MixSlot[] = [];
  for (const part of text.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    const m = /^([a-z0-9-]+):(\d+)$/.exec(part);
    if (m === null) return `expected strategy:count, got '${part}'`;
    if (!known(m[1])) return `unknown strategy '${m[1]}'`;
    out.push({ strategy: m[1], count: Number(m[2]) });
  }
  if (out.length === 0) return 'no slots given';
  return out;
}
