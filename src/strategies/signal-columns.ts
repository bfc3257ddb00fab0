/**
 * The signals of many symbols as flat growable columns, appended symbol by symbol (so in symbol,
 * then bar order): what a signal book is built from. One set of arrays for a whole universe
 * instead of five small arrays per symbol, which a 900-symbol scan would allocate and the book
 * would then gather from at random.
 */
export class SignalColumns {
  length = 0;
  sym = new Int32Array(256);
  bar = new Int32Array(256);
  code = new Int8Array(256);
  score = new Float64Array(256);
  /** Price distance from the fill to the stop; NaN = no stop. */
  stopDist = new Float64Array(256);
  /** Price distance from the fill to the take-profit; NaN = none. */
  targetDist = new Float64Array(256);

  /** Makes room for `n` more entries; returns the index the first of them goes to. */
  reserve(n: number): number {
    const need = this.length + n;
    if (need > this.sym.length) {
      const size = Math.max(need, this.sym.length * 2);
      const grow = <T extends Int32Array | Int8Array | Float64Array>(a: T, make: (k: number) => T): T => {
        const out = make(size);
        out.set(a.subarray(0, this.length));
        return out;
      };
      this.sym = grow(this.sym, (k) => new Int32Array(k));
      this.bar = grow(this.bar, (k) => new Int32Array(k));
      this.code = grow(this.code, (k) => new Int8Array(k));
      this.score = grow(this.score, (k) => new Float64Array(k));
      this.stopDist = grow(this.stopDist, (k) => new Float64Array(k));
      this.targetDist = grow(this.targetDist, (k) => new Float64Array(k));
    }
    return this.length;
  }
}
