/** Wall time and peak resident memory of a piece of work, for the storage benchmarks. */
export interface Measured<T> {
  readonly result: T;
  readonly seconds: number;
  readonly peakRssMb: number;
  readonly startRssMb: number;
}

export async function measure<T>(work: () => Promise<T>): Promise<Measured<T>> {
  const mb = () => process.memoryUsage().rss / 2 ** 20;
  const startRssMb = mb();
  let peakRssMb = startRssMb;
  const sampler = setInterval(() => {
    peakRssMb = Math.max(peakRssMb, mb());
  }, 100);
  const started = performance.now();
  try {
    const result = await work();
    return { result, seconds: (performance.now() - started) / 1000, peakRssMb: Math.max(peakRssMb, mb()), startRssMb };
  } finally {
    clearInterval(sampler);
  }
}
