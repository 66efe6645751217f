// Functions: their configuration, versions, aliases, reserved concurrency, concurrency
// and invocations over the last hour, recent invocations with their logs and traces.
import { lambda, xray } from "../aws.js";
import { metricSeries } from "./metrics.js";
import { recentInvocations } from "./invocations.js";
import { lineChart } from "../chart.js";
import { pathOf } from "../sigv4.js";
import { facts, fill, h, link, number, section, table, time } from "../ui.js";

export async function render(body, [name]) {
  if (name) return renderFunction(body, name);
  await fill(body, async () => {
    const functions = [];
    let Marker;
    do {
      const page = await lambda("GET", "/2015-03-31/functions/", { Marker });
      functions.push(...page.Functions);
      Marker = page.NextMarker;
    } while (Marker);
    return table("Functions", [
      ["Name", (f) => link(`#/functions/${encodeURIComponent(f.FunctionName)}`, f.FunctionName)],
      ["Runtime", (f) => f.Runtime || f.PackageType],
      ["Handler", (f) => f.Handler || ""],
      ["Memory", (f) => `${f.MemorySize} MB`],
      ["Timeout", (f) => `${f.Timeout} s`],
      ["Tracing", (f) => f.TracingConfig?.Mode || ""],
      ["Last modified", (f) => time(f.LastModified)],
    ], functions);
  });
}

async function renderFunction(body, name) {
  const path = (...rest) => pathOf("2015-03-31", "functions", name, ...rest);
  const overview = h("div"), charts = h("div", { class: "charts" }), invocations = h("div"), traces = h("div");
  body.replaceChildren(
    h("p", {}, link("#/functions", "← All functions")),
    h("h2", {}, name), overview,
    section("Last hour", charts),
    section("Recent invocations", invocations),
    section("Traces", traces),
  );
  const since = Date.now() - 3600_000;
  const described = lambda("GET", path());
  await Promise.all([
    fill(overview, async () => {
      const [fn, versions, aliases, concurrency] = await Promise.all([
        described,
        lambda("GET", path("versions")),
        lambda("GET", path("aliases")),
        lambda("GET", pathOf("2019-09-30", "functions", name, "concurrency")),
      ]);
      const c = fn.Configuration;
      return [
        section("Configuration", facts([
          ["ARN", c.FunctionArn], ["Runtime", c.Runtime], ["Handler", c.Handler],
          ["Memory", `${c.MemorySize} MB`], ["Timeout", `${c.Timeout} s`],
          ["Tracing", c.TracingConfig?.Mode],
          ["Logs", `${c.LoggingConfig?.LogGroup || `/aws/lambda/${name}`} (${c.LoggingConfig?.LogFormat || "Text"})`],
          ["Reserved concurrency", concurrency.ReservedConcurrentExecutions ?? "unreserved"],
          ["State", c.State],
        ])),
        section("Versions and aliases",
          table("Versions", [
            ["Version", (v) => v.Version], ["Description", (v) => v.Description || ""],
            ["Code SHA-256", (v) => h("code", {}, (v.CodeSha256 || "").slice(0, 12))],
            ["Modified", (v) => time(v.LastModified)],
          ], versions.Versions || []),
          table("Aliases", [
            ["Alias", (a) => a.Name], ["Version", (a) => a.FunctionVersion],
            ["Weighted routing", (a) => Object.entries(a.RoutingConfig?.AdditionalVersionWeights || {})
              .map(([v, w]) => `${v}: ${number(w * 100, 1)} %`).join(", ")],
          ], aliases.Aliases || []),
        ),
      ];
    }),
    fill(charts, async () => {
      const end = Date.now();
      const dims = [{ Name: "FunctionName", Value: name }];
      const [invocationSeries, concurrencySeries] = await Promise.all([
        metricSeries("AWS/Lambda", "Invocations", dims, "Sum", since, end),
        metricSeries("AWS/Lambda", "ConcurrentExecutions", dims, "Maximum", since, end),
      ]);
      const total = invocationSeries.reduce((sum, [, v]) => sum + v, 0);
      return [
        h("figure", {}, h("figcaption", {}, "Invocations (Sum per minute) — total ", h("span", { class: "total", "data-testid": "invocations-total" }, number(total))),
          lineChart("Invocations", [{ label: "Invocations", points: invocationSeries }], since, end)),
        h("figure", {}, h("figcaption", {}, "Concurrent executions (Maximum per minute)"),
          lineChart("Concurrent executions", [{ label: "ConcurrentExecutions", points: concurrencySeries }], since, end)),
      ];
    }),
    fill(invocations, async () => {
      const c = (await described).Configuration;
      const found = await recentInvocations(c.LoggingConfig?.LogGroup || `/aws/lambda/${name}`, since);
      const cold = found.filter((i) => i.initMs !== null).length;
      return [
        h("p", {}, h("span", { "data-testid": "invocation-count" }, String(found.length)),
          ` invocations in the last hour (${cold} cold, ${found.length - cold} warm).`),
        table("Invocations, newest first", [
          ["Time", (i) => time(i.at)],
          ["Request ID", (i) => h("code", {}, i.requestId)],
          ["Duration", (i) => `${number(i.durationMs, 2)} ms`],
          ["Start", (i) => i.initMs !== null
            ? h("span", { class: "cold" }, `cold (init ${number(i.initMs, 1)} ms)`)
            : h("span", { class: "warm" }, "warm")],
          ["Status", (i) => i.status],
          ["Logs", (i) => h("details", {}, h("summary", {}, `${i.lines.length} lines`), h("pre", {}, i.lines.join("\n")))],
        ], found.slice(0, 100)),
      ];
    }),
    fill(traces, () => traceList(`service("${name}")`, since)),
  ]);
}

/** X-Ray traces matching `filter`, each opening into its segments' waterfall. */
export async function traceList(filter, since) {
  const answer = await xray("POST", "/TraceSummaries", {}, {
    StartTime: since / 1000, EndTime: Date.now() / 1000, FilterExpression: filter,
  });
  const summaries = answer.TraceSummaries || [];
  return table("Traces (X-Ray), newest first", [
    ["Trace", (t) => h("details", { ontoggle: (e) => e.target.open && showTrace(e.target, t.Id) },
      h("summary", {}, h("code", {}, t.Id)))],
    ["Duration", (t) => `${number((t.Duration || 0) * 1000, 1)} ms`],
    ["Request", (t) => t.Http ? `${t.Http.HttpMethod || ""} ${t.Http.HttpURL || ""} → ${t.Http.HttpStatus ?? ""}` : ""],
    ["Error", (t) => (t.HasFault ? "fault" : t.HasError ? "error" : t.HasThrottle ? "throttle" : "")],
  ], summaries.slice(0, 50), "no traces in the last hour (is tracing on?)");
}

async function showTrace(details, traceId) {
  if (details.dataset.loaded) return;
  details.dataset.loaded = "1";
  const holder = h("div");
  details.append(holder);
  await fill(holder, async () => {
    const answer = await xray("POST", "/Traces", {}, { TraceIds: [traceId] });
    const spans = [];
    const walk = (doc, depth) => {
      spans.push({ name: doc.name, start: doc.start_time, end: doc.end_time ?? doc.start_time, depth, fault: doc.fault || doc.error });
      for (const sub of doc.subsegments || []) walk(sub, depth + 1);
    };
    for (const segment of answer.Traces?.[0]?.Segments || []) walk(JSON.parse(segment.Document), 0);
    spans.sort((a, b) => a.start - b.start);
    const begin = Math.min(...spans.map((s) => s.start)), end = Math.max(...spans.map((s) => s.end));
    const span = Math.max(end - begin, 1e-6);
    return h("div", { class: "scroll" }, h("table", { class: "waterfall" },
      h("caption", {}, `Segments of ${traceId}`),
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Segment"), h("th", { scope: "col" }, "Duration"), h("th", { scope: "col" }, "Timeline"))),
      h("tbody", {}, spans.map((s) => h("tr", {},
        h("td", {}, "\u00a0\u00a0".repeat(s.depth), s.name, s.fault ? " ⚠" : ""),
        h("td", {}, `${number((s.end - s.start) * 1000, 1)} ms`),
        h("td", {}, h("div", {
          class: "bar",
          style: undefined,
          "data-left": ((s.start - begin) / span).toFixed(4),
          "data-width": ((s.end - s.start) / span).toFixed(4),
        })),
      ))),
    ));
  });
  // Bars are placed with CSSOM (the CSP forbids inline style attributes).
  for (const bar of holder.querySelectorAll(".bar")) {
    bar.style.marginLeft = `${Number(bar.dataset.left) * 100}%`;
    bar.style.width = `${Math.max(Number(bar.dataset.width) * 100, 0.5)}%`;
  }
}
