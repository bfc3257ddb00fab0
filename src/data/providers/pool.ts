/**
 * Runs `work` over `items` with at most `concurrency` running at once and returns the results
 * in input order. Once a result is `fatal` (a missing or rejected API key: every other item
 * would fail the same way) no new item starts; the ones never started get `skipped(item, fatal)`.
 * `onResult` sees every result, the skipped ones too, in completion order.
 */
export async function mapUntilFatal<T, R>(
  items: readonly T[],
  concurrency: number,
  work: (item: T) => Promise<R>,
  isFatal: (result: R) => boolean,
  skipped: (item: T, fatal: R | null) => R,
  onResult?: (result: R) => void,
): Promise<R[]> {
  const results: (R | undefined)[] = new Array(items.length);
  let nextIndex = 0;
  let fatal: R | null = null;
  const worker = async (): Promise<void> => {
    while (fatal === null && nextIndex < items.length) {
      const i = nextIndex++;
      const result = await work(items[i]);
      results[i] = result;
      if (fatal === null && isFatal(result)) fatal = result;
      onResult?.(result);
    }
  };
  const width = Math.max(1, Math.min(Math.floor(concurrency), items.length));
  await Promise.all(Array.from({ length: width }, worker));
  return items.map((item, i) => {
    const r = results[i];
    if (r !== undefined) return r;
    const s = skipped(item, fatal);
    onResult?.(s);
    return s;
  });
}
