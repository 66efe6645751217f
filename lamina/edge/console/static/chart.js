// Line charts drawn as inline SVG: one per metric, a series per dimension set.
import { number } from "./ui.js";

const NS = "http://www.w3.org/2000/svg";
const COLORS = ["#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2"];

function svg(tag, attrs = {}, text) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

/**
 * series: [{label, points: [[epochMs, value], ...]}]; the chart spans [startMs, endMs].
 * Its accessible name says what it shows; the totals are in a legend beside it.
 */
export function lineChart(title, series, startMs, endMs, unit = "") {
  const width = 420, height = 180, left = 44, bottom = 22, top = 10, right = 10;
  const values = series.flatMap((s) => s.points.map(([, v]) => v));
  const max = Math.max(1, ...values);
  const x = (t) => left + ((t - startMs) / Math.max(1, endMs - startMs)) * (width - left - right);
  const y = (v) => top + (1 - v / max) * (height - top - bottom);
  const root = svg("svg", {
    viewBox: `0 0 ${width} ${height}`, role: "img", class: "chart",
    "aria-label": `${title}: ${series.length} series`,
  });
  for (const fraction of [0, 0.5, 1]) {
    const value = max * fraction;
    root.append(svg("line", { x1: left, x2: width - right, y1: y(value), y2: y(value), class: "grid" }));
    root.append(svg("text", { x: left - 4, y: y(value) + 4, "text-anchor": "end", class: "tick" }, number(value, 1)));
  }
  for (const t of [startMs, (startMs + endMs) / 2, endMs]) {
    const label = new Date(t).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    root.append(svg("text", { x: x(t), y: height - 6, "text-anchor": "middle", class: "tick" }, label));
  }
  series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length];
    const points = [...s.points].sort((a, b) => a[0] - b[0]);
    if (points.length > 1) {
      root.append(svg("polyline", {
        points: points.map(([t, v]) => `${x(t).toFixed(1)},${y(v).toFixed(1)}`).join(" "),
        fill: "none", stroke: color, "stroke-width": 2,
      }));
    }
    for (const [t, v] of points) {
      const dot = svg("circle", { cx: x(t), cy: y(v), r: 3, fill: color });
      dot.append(svg("title", {}, `${s.label}: ${number(v, 2)}${unit} at ${new Date(t).toLocaleTimeString()}`));
      root.append(dot);
    }
  });
  return root;
}
