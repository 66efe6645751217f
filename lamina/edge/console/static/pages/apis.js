// APIs: REST APIs (resources and methods, stages with canary and throttles, deployments),
// HTTP APIs (routes, stages), usage plans with their API keys and each key's usage.
import { apigateway } from "../aws.js";
import { pathOf } from "../sigv4.js";
import { facts, fill, h, number, section, table, time } from "../ui.js";

function throttle(settings) {
  if (!settings) return "";
  const rate = settings.throttlingRateLimit, burst = settings.throttlingBurstLimit;
  return rate === undefined && burst === undefined ? "" : `${rate ?? "–"} req/s, burst ${burst ?? "–"}`;
}

export async function render(body) {
  const rest = h("div"), http = h("div"), plans = h("div");
  body.replaceChildren(rest, http, plans);
  await Promise.all([fill(rest, restApis), fill(http, httpApis), fill(plans, usagePlans)]);
}

// API Gateway's wire names: lists are `item`, GetUsage's map is `values` (the model's
// locationName), https://docs.aws.amazon.com/apigateway/latest/api/API_GetRestApis.html
async function restApis() {
  const apis = (await apigateway("GET", "/restapis", { limit: 500 })).item || [];
  if (!apis.length) return h("p", { class: "empty" }, "No REST APIs.");
  return Promise.all(apis.map(async (api) => {
    const base = (...rest) => pathOf("restapis", api.id, ...rest);
    const [resources, stages, deployments] = await Promise.all([
      apigateway("GET", base("resources"), { limit: 500 }),
      apigateway("GET", base("stages")),
      apigateway("GET", base("deployments"), { limit: 500 }),
    ]);
    const methods = (resources.item || []).flatMap((r) => Object.keys(r.resourceMethods || {})
      .map((m) => ({ method: m, path: r.path }))).sort((a, b) => a.path.localeCompare(b.path));
    return section(`REST API ${api.name} (${api.id})`,
      facts([["Created", time(api.createdDate)], ["Endpoint", (api.endpointConfiguration?.types || []).join(", ")]]),
      table(`Routes of ${api.name}`, [["Method", (r) => r.method], ["Resource", (r) => h("code", {}, r.path)]], methods),
      table(`Stages of ${api.name}`, [
        ["Stage", (s) => s.stageName],
        ["Deployment", (s) => h("code", {}, s.deploymentId || "")],
        ["Canary", (s) => s.canarySettings
          ? `${number(s.canarySettings.percentTraffic ?? 0, 1)} % to ${s.canarySettings.deploymentId || "?"}` : "none"],
        ["Throttle (all methods)", (s) => throttle(s.methodSettings?.["*/*"])],
        ["Method throttles", (s) => Object.entries(s.methodSettings || {}).filter(([k]) => k !== "*/*")
          .map(([k, v]) => `${k}: ${throttle(v)}`).filter((t) => !t.endsWith(": ")).join("; ")],
        ["Tracing", (s) => (s.tracingEnabled ? "on" : "off")],
        ["Access log", (s) => s.accessLogSettings?.destinationArn || ""],
      ], stages.item || []),
      table(`Deployments of ${api.name}`, [
        ["ID", (d) => h("code", {}, d.id)], ["Created", (d) => time(d.createdDate)], ["Description", (d) => d.description || ""],
      ], (deployments.item || []).sort((a, b) => (b.createdDate || 0) - (a.createdDate || 0)).slice(0, 20)),
    );
  }));
}

async function httpApis() {
  const apis = (await apigateway("GET", "/v2/apis")).items || [];
  if (!apis.length) return h("p", { class: "empty" }, "No HTTP APIs.");
  return Promise.all(apis.map(async (api) => {
    const [routes, stages] = await Promise.all([
      apigateway("GET", pathOf("v2", "apis", api.apiId, "routes")),
      apigateway("GET", pathOf("v2", "apis", api.apiId, "stages")),
    ]);
    return section(`HTTP API ${api.name} (${api.apiId})`,
      facts([["Protocol", api.protocolType], ["Endpoint", api.apiEndpoint]]),
      table(`Routes of ${api.name}`, [
        ["Route", (r) => h("code", {}, r.routeKey)], ["Target", (r) => r.target || ""],
        ["Authorization", (r) => r.authorizationType || "NONE"],
      ], routes.items || []),
      table(`Stages of ${api.name}`, [
        ["Stage", (s) => s.stageName], ["Auto deploy", (s) => (s.autoDeploy ? "yes" : "no")],
        ["Default route throttle", (s) => throttle(s.defaultRouteSettings)],
        ["Route throttles", (s) => Object.entries(s.routeSettings || {})
          .map(([route, v]) => `${route}: ${throttle(v)}`).filter((t) => !t.endsWith(": ")).join("; ")],
        ["Deployment", (s) => h("code", {}, s.deploymentId || "")],
      ], stages.items || []),
    );
  }));
}

function day(offsetDays) {
  return new Date(Date.now() + offsetDays * 86400_000).toISOString().slice(0, 10);
}

async function usagePlans() {
  const [plans, keys] = await Promise.all([
    apigateway("GET", "/usageplans", { limit: 500 }),
    apigateway("GET", "/apikeys", { limit: 500 }),
  ]);
  const keyName = new Map((keys.item || []).map((k) => [k.id, k]));
  const sections = [table("API keys", [
    ["Name", (k) => k.name], ["ID", (k) => h("code", {}, k.id)], ["Enabled", (k) => (k.enabled ? "yes" : "no")],
    ["Created", (k) => time(k.createdDate)],
  ], keys.item || [])];
  for (const plan of plans.item || []) {
    // GetUsage: the last 7 days (UTC), each day's [used, remaining] per key.
    // https://docs.aws.amazon.com/apigateway/latest/api/API_GetUsage.html
    const usage = await apigateway("GET", pathOf("usageplans", plan.id, "usage"), { startDate: day(-6), endDate: day(0) });
    const rows = Object.entries(usage.values || {}).map(([keyId, days]) => ({
      keyId, used: days.reduce((sum, [used]) => sum + used, 0), today: days[days.length - 1] || [],
    }));
    sections.push(section(`Usage plan ${plan.name} (${plan.id})`,
      facts([
        ["Stages", (plan.apiStages || []).map((s) => `${s.apiId}/${s.stage}`).join(", ")],
        ["Throttle", plan.throttle ? `${plan.throttle.rateLimit ?? "–"} req/s, burst ${plan.throttle.burstLimit ?? "–"}` : "none"],
        ["Quota", plan.quota ? `${plan.quota.limit} per ${plan.quota.period}` : "none"],
      ]),
      table(`Usage per key, ${usage.startDate} to ${usage.endDate}`, [
        ["Key", (r) => keyName.get(r.keyId)?.name || r.keyId],
        ["Requests (7 days)", (r) => h("span", { "data-key": r.keyId }, number(r.used))],
        ["Today used / remaining", (r) => `${r.today[0] ?? 0} / ${r.today[1] ?? "–"}`],
      ], rows, "no requests counted")));
  }
  return section("Usage plans and API keys", ...sections);
}
