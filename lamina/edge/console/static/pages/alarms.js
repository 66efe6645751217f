// Alarms: CloudWatch DescribeAlarms, each alarm's state and what it watches.
import { cloudwatch } from "../aws.js";
import { fill, h, table, time } from "../ui.js";

export async function render(body) {
  await fill(body, async () => {
    const alarms = [];
    let NextToken;
    for (let page = 0; page < 10; page += 1) {
      const answer = await cloudwatch("DescribeAlarms", { NextToken, MaxRecords: 100 });
      alarms.push(...(answer.MetricAlarms || []));
      NextToken = answer.NextToken;
      if (!NextToken) break;
    }
    return table("Metric alarms", [
      ["Alarm", (a) => a.AlarmName],
      ["State", (a) => h("span", { class: `state-${a.StateValue}` }, a.StateValue)],
      ["Metric", (a) => `${a.Namespace} ${a.MetricName} (${a.Statistic || a.ExtendedStatistic || ""})`],
      ["Condition", (a) => `${a.ComparisonOperator} ${a.Threshold} for ${a.DatapointsToAlarm ?? a.EvaluationPeriods}/${a.EvaluationPeriods} × ${a.Period} s`],
      ["Reason", (a) => a.StateReason || ""],
      ["Since", (a) => time(a.StateUpdatedTimestamp)],
    ], alarms, "no alarms");
  });
}
