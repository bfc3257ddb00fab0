/**
 * The plainest typed-array loop for each indicator's formula: no validation, no NaN rule, no
 * kernel, nothing shared. The benchmark times each library indicator against its baseline in
 * the same run, so the ratio measures what the library's structure costs, not the formula.
 */
export function plainSma(x: Float64Array, n: number): Float64Array {
  const out = new Float64Array(x.length);
  let sum = 0;
  for (let i = 0; i < x.length; i++) {
    sum += x[i];
    if (i >= n) sum -= x[i - n];
    out[i] = i >= n - 1 ? sum / n : Number.NaN;
  }
  return out;
}

/**
 * The same exact rolling sum the library's SMA keeps (a TwoSum error term per value entering and
 * leaving, folded every `n` bars; see indicators/rolling-sum.ts), in its plainest loop: no NaN
 * rule, no negative clamp, the mean as one division. The naive running sum above drifts, and was
 * what issue 7 found wrong, so it is not the same work.
 */
export function plainExactSma(x: Float64Array, n: number): Float64Array {
  const out = new Float64Array(x.length);
  let sum = 0;
  let comp = 0;
  for (let i = 0; i < x.length; i++) {
    let s = sum + x[i];
    let bv = s - sum;
    comp += sum - (s - bv) + (x[i] - bv);
    sum = s;
    if (i >= n) {
      const leaving = -x[i - n];
      s = sum + leaving;
      bv = s - sum;
      comp += sum - (s - bv) + (leaving - bv);
      sum = s;
    }
    if ((i + 1) % n === 0) {
      s = sum + comp;
      bv = s - sum;
      comp = sum - (s - bv) + (comp - bv);
      sum = s;
    }
    out[i] = i >= n - 1 ? (sum + comp) / n : Number.NaN;
  }
  return out;
}

export function plainEma(x: Float64Array, n: number): Float64Array {
  const out = new Float64Array(x.length);
  const k = 2 / (n + 1);
  let e = 0;
  for (let i = 0; i < x.length; i++) {
    if (i < n - 1) {
      e += x[i];
      out[i] = Number.NaN;
    } else if (i === n - 1) {
      e = (e + x[i]) / n;
      out[i] = e;
    } else {
      e = (x[i] - e) * k + e;
      out[i] = e;
    }
  }
  return out;
}

export function plainRsi(c: Float64Array, n: number): Float64Array {
  const out = new Float64Array(c.length);
  let g = 0;
  let l = 0;
  out[0] = Number.NaN;
  for (let i = 1; i < c.length; i++) {
    const d = c[i] - c[i - 1];
    const up = d > 0 ? d : 0;
    const down = d < 0 ? -d : 0;
    if (i <= n) {
      g += up / n;
      l += down / n;
    } else {
      g = (g * (n - 1) + up) / n;
      l = (l * (n - 1) + down) / n;
    }
    out[i] = i < n ? Number.NaN : g + l === 0 ? 50 : (100 * g) / (g + l);
  }
  return out;
}

export function plainAtr(h: Float64Array, l: Float64Array, c: Float64Array, n: number): Float64Array {
  const out = new Float64Array(c.length);
  let a = 0;
  for (let i = 0; i < c.length; i++) {
    const tr = i === 0 ? h[i] - l[i] : Math.max(h[i] - l[i], Math.abs(h[i] - c[i - 1]), Math.abs(l[i] - c[i - 1]));
    if (i < n) {
      a += tr / n;
      out[i] = i === n - 1 ? a : Number.NaN;
    } else {
      a = (a * (n - 1) + tr) / n;
      out[i] = a;
    }
  }
  return out;
}

export function plainIbs(h: Float64Array, l: Float64Array, c: Float64Array): Float64Array {
  const out = new Float64Array(c.length);
  for (let i = 0; i < c.length; i++) out[i] = h[i] > l[i] ? (c[i] - l[i]) / (h[i] - l[i]) : Number.NaN;
  return out;
}

/** Lowest low of the n bars before i, scanned afresh for each bar (what one writes first). */
export function plainDonchianLow(x: Float64Array, n: number): Float64Array {
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    if (i < n) {
      out[i] = Number.NaN;
      continue;
    }
    let m = Number.POSITIVE_INFINITY;
    for (let j = i - n; j < i; j++) if (x[j] < m) m = x[j];
    out[i] = m;
  }
  return out;
}

/**
 * Sample standard deviation by a sliding Welford update (swap the leaving value for the new one).
 * The textbook running sums of x and x^2 are not a fair baseline: they cancel catastrophically on
 * prices (variance far below the mean squared). The library adds exactness guards on top of this.
 */
export function plainRollingStd(x: Float64Array, n: number): Float64Array {
  const out = new Float64Array(x.length);
  let mean = 0;
  let m2 = 0;
  for (let i = 0; i < x.length; i++) {
    if (i < n) {
      const d = x[i] - mean;
      mean += d / (i + 1);
      m2 += d * (x[i] - mean);
    } else {
      const d = x[i] - x[i - n];
      const before = mean;
      mean += d / n;
      m2 += d * (x[i] - mean + x[i - n] - before);
    }
    out[i] = i >= n - 1 ? Math.sqrt(Math.max(0, m2 / (n - 1))) : Number.NaN;
  }
  return out;
}
