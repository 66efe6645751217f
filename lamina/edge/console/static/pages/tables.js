// Tables: DynamoDB ListTables, DescribeTable, Scan (paged) and Query with a key
// condition form. https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_Query.html
import { dynamodb } from "../aws.js";
import { facts, fill, h, link, number, section, table } from "../ui.js";

export async function render(body, [name]) {
  if (name) return renderTable(body, name);
  await fill(body, async () => {
    const names = [];
    let ExclusiveStartTableName;
    do {
      const page = await dynamodb("ListTables", { ExclusiveStartTableName });
      names.push(...page.TableNames);
      ExclusiveStartTableName = page.LastEvaluatedTableName;
    } while (ExclusiveStartTableName);
    return table("Tables", [["Name", (n) => link(`#/tables/${encodeURIComponent(n)}`, n)]], names.map((n) => n));
  });
}

/** An attribute value (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_AttributeValue.html) as text. */
export function plain(value) {
  const [type, v] = Object.entries(value)[0];
  switch (type) {
    case "S": case "N": case "B": return v;
    case "BOOL": return String(v);
    case "NULL": return "null";
    case "SS": case "NS": case "BS": return `{${v.join(", ")}}`;
    case "L": return `[${v.map(plain).join(", ")}]`;
    case "M": return `{${Object.entries(v).map(([k, x]) => `${k}: ${plain(x)}`).join(", ")}}`;
    default: return JSON.stringify(value);
  }
}

function itemsTable(caption, items, keys) {
  const names = [...keys];
  for (const item of items) for (const k of Object.keys(item)) if (!names.includes(k)) names.push(k);
  return table(caption, names.map((n) => [n, (item) => (item[n] ? plain(item[n]) : "")]), items, "no items");
}

async function renderTable(body, name) {
  const info = h("div"), results = h("div");
  body.replaceChildren(h("p", {}, link("#/tables", "← All tables")), h("h2", {}, name), info, results);
  let described;
  await fill(info, async () => {
    described = (await dynamodb("DescribeTable", { TableName: name })).Table;
    const keyText = (schema) => schema.map((k) => `${k.AttributeName} (${k.KeyType === "HASH" ? "partition" : "sort"})`).join(", ");
    const indexes = [...(described.GlobalSecondaryIndexes || []), ...(described.LocalSecondaryIndexes || [])];
    return [
      section("Table", facts([
        ["Keys", keyText(described.KeySchema)], ["Items", number(described.ItemCount ?? 0)],
        ["Billing", described.BillingModeSummary?.BillingMode || "PROVISIONED"],
        ["Stream", described.StreamSpecification?.StreamEnabled ? described.StreamSpecification.StreamViewType : "off"],
        ["Indexes", indexes.map((i) => `${i.IndexName}: ${keyText(i.KeySchema)}`).join("; ") || "none"],
      ])),
      queryForm(described, results),
    ];
  });
  if (described) await scan(results, name, described, undefined);
}

async function scan(results, name, described, start) {
  await fill(results, async () => {
    const page = await dynamodb("Scan", { TableName: name, Limit: 50, ExclusiveStartKey: start });
    const keys = described.KeySchema.map((k) => k.AttributeName);
    return section("Items (Scan)",
      itemsTable(`${page.Count} items`, page.Items, keys),
      page.LastEvaluatedKey
        ? h("button", { type: "button", onclick: () => scan(results, name, described, page.LastEvaluatedKey) }, "Next page")
        : null);
  });
}

function queryForm(described, results) {
  const indexes = [{ IndexName: "", KeySchema: described.KeySchema },
    ...(described.GlobalSecondaryIndexes || []), ...(described.LocalSecondaryIndexes || [])];
  const type = (attr) => described.AttributeDefinitions.find((d) => d.AttributeName === attr)?.AttributeType || "S";
  const index = h("select", { id: "q-index" }, indexes.map((i) => h("option", { value: i.IndexName }, i.IndexName || "(table)")));
  const partition = h("input", { id: "q-partition", required: true });
  const op = h("select", { id: "q-op" }, ["", "=", "<", "<=", ">", ">=", "begins_with", "between"].map((o) => h("option", { value: o }, o || "(no sort key condition)")));
  const sortValue = h("input", { id: "q-sort" });
  const sortValue2 = h("input", { id: "q-sort2" });
  const partitionLabel = h("span", {}, "Partition key");
  const sortLabel = h("span", {}, "Sort key");
  const update = () => {
    const schema = indexes.find((i) => i.IndexName === index.value).KeySchema;
    partitionLabel.textContent = `Partition key ${schema[0].AttributeName} =`;
    const sort = schema.find((k) => k.KeyType === "RANGE");
    sortLabel.textContent = sort ? `Sort key ${sort.AttributeName}` : "Sort key (none)";
    op.disabled = sortValue.disabled = !sort;
  };
  index.addEventListener("change", update);
  update();
  const form = h("form", {
    class: "inline",
    onsubmit: async (event) => {
      event.preventDefault();
      const schema = indexes.find((i) => i.IndexName === index.value).KeySchema;
      const [hash, range] = [schema[0].AttributeName, schema.find((k) => k.KeyType === "RANGE")?.AttributeName];
      const names = { "#p": hash }, values = { ":p": { [type(hash)]: partition.value } };
      let condition = "#p = :p";
      if (range && op.value) {
        names["#s"] = range;
        values[":s"] = { [type(range)]: sortValue.value };
        if (op.value === "begins_with") condition += " AND begins_with(#s, :s)";
        else if (op.value === "between") {
          values[":t"] = { [type(range)]: sortValue2.value };
          condition += " AND #s BETWEEN :s AND :t";
        } else condition += ` AND #s ${op.value} :s`;
      }
      await fill(results, async () => {
        const page = await dynamodb("Query", {
          TableName: described.TableName, IndexName: index.value || undefined, KeyConditionExpression: condition,
          ExpressionAttributeNames: names, ExpressionAttributeValues: values, Limit: 100,
        });
        return section(`Query: ${condition}`, itemsTable(`${page.Count} items`, page.Items, [hash, range].filter(Boolean)));
      });
    },
  },
  h("label", { for: "q-index" }, "Index", index),
  h("label", { for: "q-partition" }, partitionLabel, partition),
  h("label", { for: "q-op" }, sortLabel, op),
  h("label", { for: "q-sort" }, "Value", sortValue),
  h("label", { for: "q-sort2" }, "and (between)", sortValue2),
  h("button", { type: "submit" }, "Query"));
  return section("Query", form);
}
