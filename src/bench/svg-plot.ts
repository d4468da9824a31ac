/**
 * Small SVG charts for the benchmark's results (no plotting dependency: two
 * chart kinds, a few dozen lines). Points beyond the x range are pinned to
 * its edge and labelled with their value, so an outlier does not squash the
 * rest.
 */
export interface Point {
  readonly x: number;
  readonly y: number;
  readonly label?: string;
}

export interface Series {
  readonly name: string;
  readonly points: readonly Point[];
  /**
   * Scatter only: lines through small markers in the series' colour, such as a baseline's other settings, so that
   * the reader sees the trade-off each big marker sits on.
   */
  readonly frontiers?: readonly (readonly Point[])[];
}

export interface Chart {
  readonly kind: 'scatter' | 'line';
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly Series[];
  readonly xMax?: number;
  readonly yMin?: number;
  readonly yMax?: number;
  /** A vertical reference line, such as the abandon target. */
  readonly xMark?: { readonly at: number; readonly label: string };
  readonly xFormat?: (x: number) => string;
}

const COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b'];
const W = 760, H = 460, L = 70, R = 170, T = 40, B = 55;

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

export function renderChart(c: Chart): string {
  const all = c.series.flatMap((s) => [...s.points, ...(s.frontiers ?? []).flat()]);
  const xMax = c.xMax ?? Math.max(...all.map((p) => p.x), 1e-9);
  const yMin = c.yMin ?? Math.min(...all.map((p) => p.y));
  const yMax = c.yMax ?? Math.max(...all.map((p) => p.y));
  const fx = (x: number) => L + (Math.min(x, xMax) / xMax) * (W - L - R);
  const fy = (y: number) => H - B - ((y - yMin) / (yMax - yMin || 1)) * (H - T - B);
  const fmt = c.xFormat ?? ((x: number) => x.toFixed(0));
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="22" text-anchor="middle" font-size="15">${esc(c.title)}</text>`,
    `<line x1="${L}" y1="${H - B}" x2="${W - R}" y2="${H - B}" stroke="black"/>`,
    `<line x1="${L}" y1="${T}" x2="${L}" y2="${H - B}" stroke="black"/>`,
    `<text x="${(L + W - R) / 2}" y="${H - 15}" text-anchor="middle">${esc(c.xLabel)}</text>`,
    `<text x="18" y="${(T + H - B) / 2}" text-anchor="middle" transform="rotate(-90 18 ${(T + H - B) / 2})">${esc(c.yLabel)}</text>`,
  ];
  for (let i = 0; i <= 5; i++) {
    const x = (xMax * i) / 5, y = yMin + ((yMax - yMin) * i) / 5;
    out.push(`<text x="${fx(x)}" y="${H - B + 16}" text-anchor="middle">${fmt(x)}</text>`);
    out.push(`<text x="${L - 6}" y="${fy(y) + 4}" text-anchor="end">${y.toFixed(2)}</text>`);
    out.push(`<line x1="${L}" y1="${fy(y)}" x2="${W - R}" y2="${fy(y)}" stroke="#eee"/>`);
  }
  if (c.xMark) {
    out.push(`<line x1="${fx(c.xMark.at)}" y1="${T}" x2="${fx(c.xMark.at)}" y2="${H - B}" stroke="#c00" stroke-dasharray="5,4"/>`);
    out.push(`<text x="${fx(c.xMark.at) + 4}" y="${T + 12}" fill="#c00">${esc(c.xMark.label)}</text>`);
  }
  const path = (points: readonly Point[]) => points.map((p, k) => `${k === 0 ? 'M' : 'L'}${fx(p.x).toFixed(1)},${fy(p.y).toFixed(1)}`).join('');
  c.series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length]!;
    if (c.kind === 'line') {
      out.push(`<path d="${path(s.points)}" fill="none" stroke="${color}" stroke-width="1.5"/>`);
    } else {
      for (const f of s.frontiers ?? []) {
        out.push(`<path d="${path(f)}" fill="none" stroke="${color}" stroke-width="1" stroke-opacity="0.6"/>`);
        for (const p of f) out.push(`<circle cx="${fx(p.x)}" cy="${fy(p.y)}" r="2.5" fill="${color}"/>`);
      }
      for (const p of s.points) {
        const clipped = p.x > xMax;
        out.push(`<circle cx="${fx(p.x)}" cy="${fy(p.y)}" r="5" fill="${color}"/>`);
        const label = [p.label, clipped ? `→${fmt(p.x)}` : undefined].filter(Boolean).join(' ');
        if (label) out.push(`<text x="${fx(p.x) + (clipped ? -8 : 7)}" y="${fy(p.y) - 6}" text-anchor="${clipped ? 'end' : 'start'}" font-size="10">${esc(label)}</text>`);
      }
    }
    out.push(`<rect x="${W - R + 15}" y="${T + i * 20}" width="12" height="12" fill="${color}"/>`);
    out.push(`<text x="${W - R + 32}" y="${T + i * 20 + 10}">${esc(s.name)}</text>`);
  });
  if (c.kind === 'scatter' && c.series.some((s) => (s.frontiers ?? []).length > 0)) {
    ['small markers on lines:', 'the same mode at its other', 'settings, a line a scenario'].forEach((note, k) =>
      out.push(`<text x="${W - R + 15}" y="${T + c.series.length * 20 + 10 + k * 12}" font-size="10">${esc(note)}</text>`),
    );
  }
  out.push('</svg>');
  return out.join('\n');
}
