// A function's recent invocations read from its log group (LoggingConfig.LogGroup, else
// /aws/lambda/<name>; https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs.html).
// Text format: an invocation's lines run from `START RequestId: X` to `REPORT RequestId: X`
// in one stream, REPORT's `Init Duration` marking a cold start. JSON format: the same from
// `platform.start` to `platform.report`, whose metrics.initDurationMs marks it (after a
// `platform.initStart`). https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-advanced.html
import { logs } from "../aws.js";

const REPORT = /^REPORT RequestId: (\S+)\s+Duration: ([\d.]+) ms/;

export function parseReport(message) {
  const match = REPORT.exec(message);
  if (!match) return null;
  const init = /Init Duration: ([\d.]+) ms/.exec(message);
  const status = /Status: (\S+)/.exec(message);
  return {
    requestId: match[1],
    durationMs: Number(match[2]),
    initMs: init ? Number(init[1]) : null,
    status: status ? status[1] : "success",
  };
}

/** A JSON-format system event ({time, type, record}), or null for any other line. */
function platformEvent(message) {
  if (!message.startsWith('{"time"')) return null;
  try {
    const event = JSON.parse(message);
    return typeof event.type === "string" && event.type.startsWith("platform.") ? event : null;
  } catch {
    return null;
  }
}

function starts(message) {
  const text = /^START RequestId: (\S+)/.exec(message);
  if (text) return text[1];
  const event = platformEvent(message);
  return event?.type === "platform.start" ? event.record?.requestId : null;
}

function reports(message) {
  const text = parseReport(message);
  if (text) return text;
  const event = platformEvent(message);
  if (event?.type !== "platform.report") return null;
  const metrics = event.record?.metrics || {};
  return {
    requestId: event.record?.requestId,
    durationMs: Number(metrics.durationMs ?? 0),
    initMs: metrics.initDurationMs === undefined ? null : Number(metrics.initDurationMs),
    status: event.record?.status || "success",
  };
}

export async function logGroupExists(name) {
  const found = await logs("DescribeLogGroups", { logGroupNamePrefix: name });
  return (found.logGroups || []).some((g) => g.logGroupName === name);
}

/** Every event of `group` since `startTime` (bounded: 5 pages). */
export async function eventsSince(group, startTime, filterPattern) {
  const events = [];
  let nextToken;
  for (let page = 0; page < 5; page += 1) {
    const answer = await logs("FilterLogEvents", { logGroupName: group, startTime, nextToken, filterPattern });
    events.push(...(answer.events || []));
    nextToken = answer.nextToken;
    if (!nextToken) break;
  }
  return events;
}

/** Invocations, newest first, each with its log lines. */
export async function recentInvocations(group, sinceMs) {
  if (!(await logGroupExists(group))) return [];
  const events = await eventsSince(group, sinceMs);
  const open = new Map(); // stream -> invocation being read
  const done = [];
  for (const event of events) {
    const message = event.message.replace(/\n$/, "");
    const start = starts(message);
    if (start) {
      open.set(event.logStreamName, { requestId: start, at: event.timestamp, stream: event.logStreamName, lines: [message] });
      continue;
    }
    const current = open.get(event.logStreamName);
    if (current) current.lines.push(message);
    const report = reports(message);
    if (report) {
      const invocation = current && current.requestId === report.requestId
        ? current : { requestId: report.requestId, at: event.timestamp, stream: event.logStreamName, lines: [message] };
      done.push({ ...invocation, ...report });
      open.delete(event.logStreamName);
    }
  }
  return done.reverse();
}
