// The floor's charts, drawn by uPlot (small time-series charts for the browser):
// the abandon rate over the regulatory window and the last hour against the
// target, and occupancy (agents on calls or in wrap-up over agents logged in),
// through the day: the day so far from storage, then as the engines report them.
import uPlot from 'uplot';
import { html, useEffect, useRef } from '/web/lib/ui.js';

const WIDTH = 460;
const HEIGHT = 220;
const percentAxis = { values: (_u, ticks) => ticks.map((t) => `${(t * 100).toFixed(1)}%`) };

/**
 * A time chart of `series` ([{ label, stroke }]) over `data` ([times in s, ...values]).
 * uPlot draws on a canvas; the chart is made once and fed new data as it comes.
 */
export function TimeChart({ id, title, series, data, percent = true }) {
  const box = useRef(null);
  const chart = useRef(null);
  useEffect(() => {
    chart.current = new uPlot(
      {
        title,
        width: WIDTH,
        height: HEIGHT,
        scales: { x: { time: true }, y: { range: (_u, min, max) => [0, Math.max(max ?? 0, percent ? 0.05 : 1)] } },
        axes: [{}, percent ? percentAxis : {}],
        series: [{}, ...series.map((s) => ({ label: s.label, stroke: s.stroke, width: 2, dash: s.dash }))],
      },
      data,
      box.current,
    );
    return () => chart.current?.destroy();
  }, []);
  useEffect(() => chart.current?.setData(data), [data]);
  // The span drawn, on the element: what a test (or a curious supervisor) reads without reaching into the canvas.
  return html`<div class="chart" id=${id} ref=${box} data-points=${data[0].length} data-from=${data[0][0] ?? ''}></div>`;
}
