/** The standard normal density and distribution function (Abramowitz–Stegun 26.2.17, error < 7.5e-8). */
export function normalDensity(x: number): number {
  return Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
}

export function normalCdf(x: number): number {
  const t = 1 / (1 + 0.2316419 * Math.abs(x));
  const poly = t * (0.31938153 + t * (-0.356563782 + t * (1.781477937 + t * (-1.821255978 + t * 1.330274429))));
  const upper = normalDensity(x) * poly;
  return x >= 0 ? 1 - upper : upper;
}
