/**
 * The streaming face every indicator shares. The kernel is the definition of the indicator; the
 * batch function beside it is a faster loop proven equal to it by a property test.
 *
 * NaN convention, common to all kernels: output t is NaN exactly when t < `warmup` or a NaN input
 * lies inside the bars that output t depends on (see `window` in registry.ts). Windowed kernels
 * recover once the NaN leaves their window; recursive kernels (EMA, RSI, ATR) depend on every
 * earlier bar, so a NaN poisons them until `reset()`. Pretending a missing bar was not there would
 * silently change what the indicator means.
 */
export interface StreamingKernel<Args extends readonly number[]> {
  /** Number of leading NaN outputs on clean data. */
  readonly warmup: number;
  /** Feeds one bar; returns the value for that bar, NaN during warm-up. */
  update(...args: Args): number;
  /** Back to the freshly constructed state. */
  reset(): void;
}
