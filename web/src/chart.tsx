/**
 * Mail over time, stacked by result (both aligned, DKIM only, SPF only, failing), drawn with uPlot
 * on a canvas. The data are the API's daily series; days without mail are zero.
 */
import uPlot from 'uplot';
import { useEffect, useRef } from 'preact/hooks';
import type { DayVolume } from './api.js';

const SERIES = [
  { key: 'both', label: 'DKIM and SPF aligned', color: '#1b7f3b' },
  { key: 'dkimOnly', label: 'DKIM only', color: '#6cbf6c' },
  { key: 'spfOnly', label: 'SPF only', color: '#e0b43a' },
  { key: 'neither', label: 'Failing DMARC', color: '#c23b22' },
] as const;

export function VolumeChart({ days }: { readonly days: readonly DayVolume[] }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = box.current;
    if (element === null || days.length === 0) return;
    const xs = days.map((d) => Date.parse(`${d.day}T00:00:00Z`) / 1000);
    // Stacked: each band is the running total of the results before it and its own, drawn from
    // the highest total down so that each fill shows only its own band.
    let running = days.map(() => 0);
    const stacks = SERIES.map((s) => {
      running = running.map((value, i) => value + (days[i]?.[s.key] ?? 0));
      return { series: s, values: [...running] };
    }).reverse();
    const plot = new uPlot(
      {
        width: Math.max(320, element.clientWidth),
        height: 260,
        scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max) * 1.05] } },
        series: [{}, ...stacks.map(({ series: s }) => ({ label: s.label, stroke: s.color, fill: s.color, points: { show: false } }))],
        axes: [{}, { label: 'messages' }],
      },
      [xs, ...stacks.map((s) => s.values)],
      element,
    );
    return () => plot.destroy();
  }, [days]);
  return <div ref={box} class="chart" role="img" aria-label={`Messages per day by result, ${days.length} days`} />;
}
