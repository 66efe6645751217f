// Metric charts: CloudWatch ListMetrics finds what exists, GetMetricData draws it
// (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricData.html).
import { cloudwatch } from "../aws.js";
import { lineChart } from "../chart.js";
import { fill, h, number, section } from "../ui.js";

const RANGES = { "1h": [3600, 60], "3h": [10800, 60], "24h": [86400, 300] };
/** The statistic a metric is usually read with ([LAMBDA-METRICS], [APIGW-METRICS]). */
export function statisticFor(metric) {
  if (/Latency|Duration|Age/.test(metric)) return "Average";
  if (/Concurrent/.test(metric)) return "Maximum";
  return "Sum";
}

async function metricData(queries, since, end) {
  const results = new Map();
  let NextToken;
  do {
    const answer = await cloudwatch("GetMetricData", {
      MetricDataQueries: queries, StartTime: since / 1000, EndTime: end / 1000, NextToken,
    });
    for (const r of answer.MetricDataResults || []) {
      const points = (r.Timestamps || []).map((t, i) => [t * 1000, r.Values[i]]);
      results.set(r.Id, [...(results.get(r.Id) || []), ...points]);
    }
    NextToken = answer.NextToken;
  } while (NextToken);
  return results;
}

export async function metricSeries(namespace, name, dimensions, stat, since, end, period = 60) {
  const found = await metricData([{
    Id: "m0", ReturnData: true,
    MetricStat: { Metric: { Namespace: namespace, MetricName: name, Dimensions: dimensions }, Period: period, Stat: stat },
  }], since, end);
  return found.get("m0") || [];
}

function describe(dimensions) {
  return dimensions.length ? dimensions.map((d) => `${d.Name}=${d.Value}`).join(", ") : "(all)";
}

async function listMetrics(Namespace) {
  const metrics = [];
  let NextToken;
  for (let page = 0; page < 20; page += 1) {
    const answer = await cloudwatch("ListMetrics", { Namespace, NextToken });
    metrics.push(...(answer.Metrics || []));
    NextToken = answer.NextToken;
    if (!NextToken) break;
  }
  return metrics;
}

export async function render(body) {
  const namespace = h("select", { id: "namespace" },
    ["AWS/ApiGateway", "AWS/Lambda", "AWS/DynamoDB"].map((n) => h("option", { value: n }, n)));
  const range = h("select", { id: "range" }, Object.keys(RANGES).map((r) => h("option", { value: r }, `last ${r}`)));
  const filter = h("input", { id: "metric-filter", type: "search", placeholder: "e.g. Invocations" });
  const charts = h("div");
  const draw = () => fill(charts, () => drawNamespace(namespace.value, RANGES[range.value], filter.value.trim()));
  body.replaceChildren(
    h("form", { class: "inline", onsubmit: (e) => { e.preventDefault(); draw(); } },
      h("label", { for: "namespace" }, "Namespace", namespace),
      h("label", { for: "range" }, "Range", range),
      h("label", { for: "metric-filter" }, "Metric name contains", filter),
      h("button", { type: "submit" }, "Show")),
    charts,
  );
  namespace.addEventListener("change", draw);
  range.addEventListener("change", draw);
  await draw();
}

async function drawNamespace(namespace, [seconds, period], filter) {
  const metrics = (await listMetrics(namespace)).filter((m) => !filter || m.MetricName.includes(filter));
  if (!metrics.length) return h("p", { class: "empty" }, `No ${namespace} metrics yet: send some traffic.`);
  const byName = new Map();
  for (const m of metrics) byName.set(m.MetricName, [...(byName.get(m.MetricName) || []), m.Dimensions || []]);
  const end = Date.now(), since = end - seconds * 1000;
  const queries = [], index = [];
  for (const [name, dimensionSets] of [...byName.entries()].sort()) {
    // The coarsest dimension sets first (per API, per function), at most 6 per chart.
    const sets = dimensionSets.sort((a, b) => a.length - b.length || describe(a).localeCompare(describe(b))).slice(0, 6);
    for (const dimensions of sets) {
      const id = `q${queries.length}`;
      queries.push({ Id: id, ReturnData: true, MetricStat: { Metric: { Namespace: namespace, MetricName: name, Dimensions: dimensions }, Period: period, Stat: statisticFor(name) } });
      index.push({ id, name, dimensions });
    }
  }
  const data = new Map();
  for (let i = 0; i < queries.length; i += 500) {
    for (const [k, v] of await metricData(queries.slice(i, i + 500), since, end)) data.set(k, v);
  }
  return h("div", { class: "charts" }, [...byName.keys()].sort().map((name) => {
    const stat = statisticFor(name);
    const series = index.filter((q) => q.name === name)
      .map((q) => ({ label: describe(q.dimensions), points: data.get(q.id) || [] }));
    return section(`${name} (${stat})`,
      lineChart(`${namespace} ${name}`, series, since, end),
      h("ul", { class: "legend" }, series.map((s) => {
        const values = s.points.map(([, v]) => v);
        const summary = stat === "Sum" ? values.reduce((a, b) => a + b, 0)
          : stat === "Maximum" ? Math.max(0, ...values)
            : values.length ? values.reduce((a, b) => a + b, 0) / values.length : 0;
        return h("li", {}, `${s.label}: `, h("span", {
          class: "value", "data-metric": name, "data-dimensions": s.label,
        }, number(summary, stat === "Sum" ? 0 : 2)), stat === "Sum" ? " total" : stat === "Maximum" ? " max" : " mean");
      })));
  }));
}
