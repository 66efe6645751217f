// The live log: FilterLogEvents polled every two seconds over one log group (API Gateway
// access logs, /aws/lambda/<function>), with a filter pattern, as `aws logs tail --follow`
// does. https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_FilterLogEvents.html
import { logs } from "../aws.js";
import { fill, h, time } from "../ui.js";

const POLL_MS = 2000;
const KEEP = 500;

export async function render(body) {
  const groups = h("select", { id: "log-group" });
  const pattern = h("input", { id: "log-pattern", type: "search", placeholder: 'e.g. ERROR or "GET /items"' });
  const pause = h("button", { type: "button", class: "secondary", "aria-pressed": "false" }, "Pause");
  const status = h("p", { role: "status", class: "empty" });
  const rows = h("tbody");
  const list = h("div", { class: "scroll log" }, h("table", {},
    h("caption", {}, "Newest first"),
    h("thead", {}, h("tr", {}, ["Time", "Stream", "Message"].map((c) => h("th", { scope: "col" }, c)))),
    rows));
  const holder = h("div");
  body.replaceChildren(holder);
  let seen = new Set(), since = Date.now() - 15 * 60_000, timer = null, paused = false;
  const reset = () => { seen = new Set(); since = Date.now() - 15 * 60_000; rows.replaceChildren(); poll(); };
  async function poll() {
    clearTimeout(timer);
    if (!groups.value) return;
    try {
      let nextToken, fresh = [];
      for (let page = 0; page < 3; page += 1) {
        const answer = await logs("FilterLogEvents", {
          logGroupName: groups.value, startTime: since, filterPattern: pattern.value.trim() || undefined, nextToken,
        });
        fresh.push(...(answer.events || []).filter((e) => !seen.has(e.eventId)));
        nextToken = answer.nextToken;
        if (!nextToken) break;
      }
      for (const event of fresh) {
        seen.add(event.eventId);
        since = Math.max(since, event.timestamp);
        rows.prepend(h("tr", {}, h("td", {}, time(event.timestamp)), h("td", {}, h("code", {}, event.logStreamName)),
          h("td", {}, h("pre", {}, event.message.replace(/\n$/, "")))));
      }
      while (rows.children.length > KEEP) rows.lastChild.remove();
      status.textContent = `${rows.children.length} lines; updated ${new Date().toLocaleTimeString()}`;
    } catch (error) {
      status.textContent = error.message;
    }
    if (!paused) timer = setTimeout(poll, POLL_MS);
  }
  await fill(holder, async () => {
    const found = [];
    let nextToken;
    for (let page = 0; page < 10; page += 1) {
      const answer = await logs("DescribeLogGroups", { nextToken });
      found.push(...(answer.logGroups || []));
      nextToken = answer.nextToken;
      if (!nextToken) break;
    }
    if (!found.length) return h("p", { class: "empty" }, "No log groups yet.");
    groups.replaceChildren(...found.map((g) => h("option", { value: g.logGroupName }, g.logGroupName)));
    return [h("form", { class: "inline", onsubmit: (e) => { e.preventDefault(); reset(); } },
      h("label", { for: "log-group" }, "Log group", groups),
      h("label", { for: "log-pattern" }, "Filter pattern", pattern),
      h("button", { type: "submit" }, "Apply"), pause), status, list];
  });
  groups.addEventListener("change", reset);
  pause.addEventListener("click", () => {
    paused = !paused;
    pause.textContent = paused ? "Resume" : "Pause";
    pause.setAttribute("aria-pressed", String(paused));
    if (!paused) poll(); else clearTimeout(timer);
  });
  poll();
  return () => { paused = true; clearTimeout(timer); };
}
