/** How the benchmark writes a rate in its tables, checks and notes: 0.0254 → "2.54%". */
export const percent = (x: number): string => `${(x * 100).toFixed(2)}%`;
