// Secrets: Secrets Manager ListSecrets and ListSecretVersionIds; a value is fetched with
// GetSecretValue only when asked for, and hidden again on request.
import { secrets } from "../aws.js";
import { fill, h, section, table, time } from "../ui.js";

export async function render(body) {
  await fill(body, async () => {
    const list = [];
    let NextToken;
    for (let page = 0; page < 10; page += 1) {
      const answer = await secrets("ListSecrets", { NextToken, MaxResults: 100 });
      list.push(...(answer.SecretList || []));
      NextToken = answer.NextToken;
      if (!NextToken) break;
    }
    if (!list.length) return h("p", { class: "empty" }, "No secrets.");
    return Promise.all(list.map(async (secret) => {
      const versions = (await secrets("ListSecretVersionIds", { SecretId: secret.ARN })).Versions || [];
      return section(secret.Name,
        secret.Description ? h("p", {}, secret.Description) : null,
        table(`Versions of ${secret.Name}`, [
          ["Version", (v) => h("code", {}, v.VersionId)],
          ["Stages", (v) => (v.VersionStages || []).join(", ")],
          ["Created", (v) => time(v.CreatedDate)],
          ["Value", (v) => valueCell(secret, v)],
        ], versions));
    }));
  });
}

function valueCell(secret, version) {
  const what = `value of ${secret.Name} version ${version.VersionId}`;
  const shown = h("pre", { hidden: true });
  const button = h("button", {
    type: "button", class: "secondary", "aria-expanded": "false",
    "aria-label": `Show ${what}`,
    onclick: async () => {
      if (!shown.hidden) {
        shown.hidden = true;
        shown.textContent = ""; // forget it, not just hide it
        button.textContent = "Show value";
        button.setAttribute("aria-label", `Show ${what}`);
        button.setAttribute("aria-expanded", "false");
        return;
      }
      try {
        const answer = await secrets("GetSecretValue", { SecretId: secret.ARN, VersionId: version.VersionId });
        shown.textContent = answer.SecretString ?? `(binary, ${answer.SecretBinary?.length ?? 0} base64 characters)`;
      } catch (error) {
        shown.textContent = error.message;
      }
      shown.hidden = false;
      button.textContent = "Hide value";
      button.setAttribute("aria-label", `Hide ${what}`);
      button.setAttribute("aria-expanded", "true");
    },
  }, "Show value");
  return h("div", {}, button, shown);
}
