/**
 * A report is plain data: a list of sections the page script draws, each a table, tiles or one
 * chart. Builders in this folder turn run results into sections (pure: no I/O, no clock); the
 * page template under web/report/ draws any section of these types, whatever the run kind. Every
 * number is finite or null (JSON has no NaN), dates are ISO at this boundary.
 */
export type ValueFormat = 'pct' | 'usd' | 'num' | 'int' | 'ratio' | 'text' | 'date';

export interface Tile {
  readonly label: string;
  readonly value: number | string | null;
  readonly format: ValueFormat;
  /** Why the value is absent, or what it means, shown on hover. */
  readonly note?: string;
  /** A gate's verdict colours the tile. */
  readonly state?: 'pass' | 'fail';
}

export interface Column {
  readonly key: string;
  readonly label: string;
  readonly format: ValueFormat;
}

export interface LineSeries {
  readonly label: string;
  readonly values: readonly (number | null)[];
  /** Filled area under the line (underwater, exposure). */
  readonly fill?: boolean;
  readonly dash?: boolean;
}

export type Section =
  | { readonly type: 'heading'; readonly title: string; readonly text?: string }
  | { readonly type: 'notes'; readonly title: string; readonly items: readonly string[] }
  | { readonly type: 'tiles'; readonly title: string; readonly tiles: readonly Tile[] }
  | { readonly type: 'table'; readonly title: string; readonly columns: readonly Column[]; readonly rows: readonly Readonly<Record<string, number | string | null>>[]; readonly note?: string }
  | {
      /** A chart over dates: `dates` ISO, one value per date and series. */
      readonly type: 'timeseries';
      readonly title: string;
      readonly dates: readonly string[];
      readonly series: readonly LineSeries[];
      readonly yFormat: ValueFormat;
      /** Offer a log-scale toggle (equity curves). */
      readonly logToggle?: boolean;
    }
  | {
      /** Counts per bin; bin k spans [edges[k], edges[k+1]). */
      readonly type: 'histogram';
      readonly title: string;
      readonly edges: readonly number[];
      readonly counts: readonly number[];
      readonly xFormat: ValueFormat;
      readonly xLabel: string;
      /** A vertical marker, e.g. zero P&L or the observed value among simulated ones. */
      readonly marker?: { readonly at: number; readonly label: string };
    }
  | {
      /** Rows x columns of values, coloured by sign and size (monthly returns). */
      readonly type: 'heatmap';
      readonly title: string;
      readonly rowLabels: readonly string[];
      readonly colLabels: readonly string[];
      readonly cells: readonly (readonly (number | null)[])[];
      readonly format: ValueFormat;
    }
  | {
      /** One bar per label (positions' P&L): gains and losses coloured apart, in the order given. */
      readonly type: 'bars';
      readonly title: string;
      readonly labels: readonly string[];
      readonly values: readonly (number | null)[];
      readonly format: ValueFormat;
    }
  | {
      /** Points on two numeric axes (Pareto front); `highlight` points are drawn apart. */
      readonly type: 'scatter';
      readonly title: string;
      readonly xLabel: string;
      readonly yLabel: string;
      readonly xFormat: ValueFormat;
      readonly yFormat: ValueFormat;
      readonly points: readonly { readonly x: number; readonly y: number; readonly label: string; readonly highlight?: boolean }[];
    }
  | {
      /** Lines over a numeric x (fitness by generation, Monte Carlo fan by trade number). */
      readonly type: 'lines';
      readonly title: string;
      readonly x: readonly number[];
      readonly xLabel: string;
      readonly series: readonly LineSeries[];
      readonly yFormat: ValueFormat;
      /** Pairs of series indices whose gap is shaded (percentile bands of a fan). */
      readonly bands?: readonly (readonly [number, number])[];
    };

export interface ReportManifest {
  readonly runId: string;
  readonly command: string;
  readonly kobeVersion: string;
  readonly seed: number;
  readonly dataHash: string;
  readonly dataKind: string;
  readonly synthetic: boolean;
  readonly start: string;
  readonly end: string;
  readonly symbols: number;
  readonly index: string | null;
  /** The engine and run specs as recorded, pretty-printed. */
  readonly engine: unknown;
  readonly run: unknown;
}

export interface ReportData {
  readonly kind: string;
  readonly title: string;
  readonly subtitle: string;
  readonly manifest: ReportManifest | null;
  /** Standing caveats: synthetic data, survivorship bias. */
  readonly caveats: readonly string[];
  readonly sections: readonly Section[];
}
