import { stableStringify } from '../core/stable-json.js';
import type { ReportManifest } from './report-data.js';

/** What a run's manifest records, structurally (src/app/manifest.ts is the writer). */
export interface ManifestLike {
  readonly runId: string;
  readonly command: string;
  readonly kobeVersion: string;
  readonly seed: number;
  readonly data: { readonly kind: string; readonly synthetic: boolean; readonly dataHash: string; readonly start: string; readonly end: string; readonly symbols: readonly string[]; readonly index: string | null };
  readonly engine: unknown;
  readonly run: unknown;
}

export function reportManifest(m: ManifestLike): ReportManifest {
  return {
    runId: m.runId,
    command: m.command,
    kobeVersion: m.kobeVersion,
    seed: m.seed,
    dataHash: m.data.dataHash,
    dataKind: m.data.kind,
    synthetic: m.data.synthetic,
    start: m.data.start,
    end: m.data.end,
    symbols: m.data.symbols.length,
    index: m.data.index,
    // Keys in one order whether the manifest came from memory or from the database, so the same
    // run always gives the same bytes.
    engine: JSON.parse(stableStringify(m.engine)) as unknown,
    run: JSON.parse(stableStringify(m.run)) as unknown,
  };
}

/** The standing caveats of the data a run used. */
export function dataCaveats(m: ManifestLike): string[] {
  return marketCaveats(m.data.synthetic);
}

/** The standing caveats of a market: synthetic prices, or a universe chosen with hindsight. */
export function marketCaveats(synthetic: boolean): string[] {
  if (synthetic) return ['synthetic data: the seeded demo market, not real prices; nothing here says anything about real stocks'];
  return [
    'survivorship bias: if this universe was chosen with later knowledge (names still listed and liquid today), results overstate what a trader would have earned',
  ];
}
