// Dashboards: CloudWatch ListDashboards and GetDashboard; metric widgets drawn from
// GetMetricData, text widgets shown as their text (not rendered as markdown).
// https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CloudWatch-Dashboard-Body-Structure.html
import { cloudwatch } from "../aws.js";
import { lineChart } from "../chart.js";
import { fill, h, link, number, section, table, time } from "../ui.js";
import { metricSeries } from "./metrics.js";

export async function render(body, [name]) {
  if (name) return renderDashboard(body, name);
  await fill(body, async () => {
    const entries = [];
    let NextToken;
    for (let page = 0; page < 10; page += 1) {
      const answer = await cloudwatch("ListDashboards", { NextToken });
      entries.push(...(answer.DashboardEntries || []));
      NextToken = answer.NextToken;
      if (!NextToken) break;
    }
    return table("Dashboards", [
      ["Name", (d) => link(`#/dashboards/${encodeURIComponent(d.DashboardName)}`, d.DashboardName)],
      ["Modified", (d) => time(d.LastModified)],
    ], entries, "none");
  });
}

/** `-PT6H`, `-P1D`, `-PT30M` (the body's `start`) in milliseconds; 3 hours otherwise. */
export function rangeMs(start) {
  const found = /^-P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?)?$/.exec(start || "");
  if (!found) return 3 * 3600_000;
  const [, d = 0, hours = 0, m = 0] = found;
  return ((Number(d) * 24 + Number(hours)) * 60 + Number(m)) * 60_000 || 3 * 3600_000;
}

/** A metrics-array row: [Namespace, MetricName, dim, value, ..., {options}], where "."
 * repeats the previous row's value at that position. */
export function metricOf(row, previous) {
  const options = typeof row[row.length - 1] === "object" ? row[row.length - 1] : {};
  const values = (options === row[row.length - 1] ? row.slice(0, -1) : row)
    .map((v, i) => (v === "." && previous ? previous[i] : v));
  const [namespace, metric, ...pairs] = values;
  const dimensions = [];
  for (let i = 0; i + 1 < pairs.length; i += 2) dimensions.push({ Name: pairs[i], Value: pairs[i + 1] });
  return { values, namespace, metric, dimensions, options };
}

async function renderDashboard(body, name) {
  await fill(body, async () => {
    const answer = await cloudwatch("GetDashboard", { DashboardName: name });
    const dashboard = JSON.parse(answer.DashboardBody);
    const end = Date.now(), since = end - rangeMs(dashboard.start);
    const widgets = await Promise.all((dashboard.widgets || []).map(async (widget, index) => {
      const p = widget.properties || {};
      if (widget.type === "text") return section(p.title || "Text", h("pre", {}, p.markdown || ""));
      if (widget.type !== "metric" || !Array.isArray(p.metrics)) {
        return section(p.title || widget.type, h("p", { class: "empty" }, `A ${widget.type} widget (not drawn here).`));
      }
      let previous = null;
      const rows = p.metrics.filter((r) => Array.isArray(r) && r[0] !== "..." && !(r[0] && r[0].expression)).map((r) => {
        const metric = metricOf(r, previous);
        previous = metric.values;
        return metric;
      });
      const series = await Promise.all(rows.map(async (m) => {
        const stat = m.options.stat || p.stat || "Average";
        const points = await metricSeries(m.namespace, m.metric, m.dimensions, stat, since, end, m.options.period || p.period || 300);
        const label = m.options.label || `${m.metric} ${m.dimensions.map((d) => d.Value).join(" ")}`.trim();
        return { label, stat, points };
      }));
      const title = p.title || `Widget ${index + 1}`;
      return section(title, lineChart(title, series, since, end),
        h("ul", { class: "legend" }, series.map((s) => {
          const values = s.points.map(([, v]) => v);
          const total = s.stat === "Sum" ? values.reduce((a, b) => a + b, 0) : values.length ? Math.max(...values) : 0;
          return h("li", {}, `${s.label} (${s.stat}): `,
            h("span", { class: "value", "data-series": s.label }, number(total, 2)), s.stat === "Sum" ? " total" : " max");
        })));
    }));
    return [h("p", {}, link("#/dashboards", "← All dashboards")), h("h2", {}, name), h("div", { class: "charts" }, widgets)];
  });
}
