// The live log of one log group (API Gateway access logs, /aws/lambda/<function>): a
// StartLiveTail session streams new lines (an AWS event stream); once it has started, the
// last 15 minutes come from FilterLogEvents; the same filter pattern on both. Where the session
// cannot start, FilterLogEvents is polled every 2 s instead, as `aws logs tail --follow`.
import { logs, startLiveTail } from "../aws.js";
import { messages } from "../eventstream.js";
import { fill, h, time } from "../ui.js";

const POLL_MS = 2000;
const KEEP = 500;
const BACKFILL_MS = 15 * 60_000;

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
  const arns = new Map();
  let seen = new Set(), since = 0, session = null, timer = null, paused = false;
  let generation = 0; // bumped by each (re)start: answers for an older one are dropped

  function show(event) {
    // One key for FilterLogEvents' events and the session's results (which carry no
    // eventId): a line both report is shown once.
    const key = `${event.logStreamName}|${event.timestamp}|${event.message}`;
    if (seen.has(key)) return;
    seen.add(key);
    since = Math.max(since, event.timestamp);
    rows.prepend(h("tr", {}, h("td", {}, time(event.timestamp)), h("td", {}, h("code", {}, event.logStreamName)),
      h("td", {}, h("pre", {}, event.message.replace(/\n$/, "")))));
    while (rows.children.length > KEEP) rows.lastChild.remove();
  }

  function stop() {
    clearTimeout(timer);
    if (session) session.abort();
    session = null;
  }

  async function backfill(mine) {
    let nextToken;
    for (let page = 0; page < 3; page += 1) {
      const answer = await logs("FilterLogEvents", {
        logGroupName: groups.value, startTime: since, filterPattern: pattern.value.trim() || undefined, nextToken,
      });
      if (mine !== generation) return;
      (answer.events || []).forEach(show);
      nextToken = answer.nextToken;
      if (!nextToken) break;
    }
  }

  async function poll(mine) {
    if (mine !== generation) return;
    try {
      await backfill(mine);
      if (mine !== generation) return;
      status.textContent = `Polling: ${rows.children.length} lines; updated ${new Date().toLocaleTimeString()}`;
    } catch (error) {
      status.textContent = error.message;
    }
    if (!paused && mine === generation) timer = setTimeout(() => poll(mine), POLL_MS);
  }

  async function tail(mine) {
    const controller = new AbortController();
    session = controller;
    const filter = pattern.value.trim();
    const response = await startLiveTail({
      logGroupIdentifiers: [arns.get(groups.value)], logEventFilterPattern: filter || undefined,
    }, controller.signal);
    for await (const { headers, payload } of messages(response.body)) {
      if (mine !== generation) return;
      if (headers[":message-type"] === "exception") throw new Error(`${headers[":exception-type"]}: ${payload}`);
      const type = headers[":event-type"];
      if (type === "sessionStart") {
        // The session streams what is ingested from now on: read what came before only
        // now, so no line falls between the two.
        await backfill(mine);
        status.textContent = `Live (StartLiveTail): ${rows.children.length} lines`;
      }
      if (type !== "sessionUpdate") continue;
      for (const result of JSON.parse(payload).sessionResults || []) show(result);
      status.textContent = `Live (StartLiveTail): ${rows.children.length} lines; updated ${new Date().toLocaleTimeString()}`;
    }
  }

  async function follow() {
    stop();
    const mine = ++generation;
    if (!groups.value || paused) return;
    try {
      await tail(mine);
    } catch (error) {
      if (error.name === "AbortError" || mine !== generation) return; // paused, or restarted
      status.textContent = `Live tail unavailable (${error.message}); polling.`;
      poll(mine);
    }
  }

  const restart = () => { seen = new Set(); since = Date.now() - BACKFILL_MS; rows.replaceChildren(); follow(); };
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
    for (const g of found) arns.set(g.logGroupName, g.logGroupArn || g.arn.replace(/:\*$/, ""));
    groups.replaceChildren(...found.map((g) => h("option", { value: g.logGroupName }, g.logGroupName)));
    return [h("form", { class: "inline", onsubmit: (e) => { e.preventDefault(); restart(); } },
      h("label", { for: "log-group" }, "Log group", groups),
      h("label", { for: "log-pattern" }, "Filter pattern", pattern),
      h("button", { type: "submit" }, "Apply"), pause), status, list];
  });
  groups.addEventListener("change", restart);
  pause.addEventListener("click", () => {
    paused = !paused;
    pause.textContent = paused ? "Resume" : "Pause";
    pause.setAttribute("aria-pressed", String(paused));
    if (paused) {
      stop();
      status.textContent = `Paused: ${rows.children.length} lines`;
    } else follow();
  });
  restart();
  return () => { paused = true; generation += 1; stop(); };
}
