// The console's shell: credentials (the local root's, or a sign-in), navigation by the
// URL's fragment (#/functions/name), one page module rendered at a time.
import { callerIdentity, useCredentials } from "./aws.js";
import { failure, h } from "./ui.js";

const config = JSON.parse(document.getElementById("console-config").textContent);
const STORAGE = "lamina-console-credentials";
const PAGES = {
  apis: ["APIs", () => import("./pages/apis.js")],
  functions: ["Functions", () => import("./pages/functions.js")],
  logs: ["Live log", () => import("./pages/logs.js")],
  metrics: ["Metrics", () => import("./pages/metrics.js")],
  alarms: ["Alarms", () => import("./pages/alarms.js")],
  dashboards: ["Dashboards", () => import("./pages/dashboards.js")],
  tables: ["Tables", () => import("./pages/tables.js")],
  buckets: ["Buckets", () => import("./pages/buckets.js")],
  secrets: ["Secrets", () => import("./pages/secrets.js")],
  pools: ["User pools", () => import("./pages/pools.js")],
};
const main = document.getElementById("main");
let leave = null; // the shown page's clean-up (timers), run before the next one
let routed = false; // focus moves to the new page's heading after the first one

function storedCredentials() {
  if (!config.signIn) {
    return { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey };
  }
  try { return JSON.parse(sessionStorage.getItem(STORAGE) || "null"); } catch { return null; }
}

async function start() {
  if (!window.isSecureContext || !crypto.subtle) {
    // WebCrypto (SigV4) exists only in secure contexts: https, or http on loopback.
    main.replaceChildren(h("h1", {}, "Lamina console"), h("p", { class: "error", role: "alert" },
      "This page cannot sign requests over plain HTTP on a network address: open it over "
      + "https (lamina up --tls) or at http://127.0.0.1."));
    return;
  }
  const credentials = storedCredentials();
  if (credentials === null) return showSignIn();
  useCredentials(credentials, config.region);
  try {
    const who = await callerIdentity();
    showWho(who);
  } catch (error) {
    if (config.signIn) {
      sessionStorage.removeItem(STORAGE);
      return showSignIn(error);
    }
    main.replaceChildren(h("h1", {}, "Lamina console"), failure(error));
    return;
  }
  window.addEventListener("hashchange", route);
  route();
  if (config.signIn) warnIfAnyKeySignsIn(credentials);
}

/** A sign-in protects nothing when the endpoint takes keys it does not know: sign a call
 * with a made-up pair, and say so in the header if it is answered. */
async function warnIfAnyKeySignsIn(credentials) {
  const made = "AKIA" + Array.from(crypto.getRandomValues(new Uint8Array(8)), (b) => (b % 36).toString(36)).join("").toUpperCase();
  useCredentials({ accessKeyId: made, secretAccessKey: "not-a-real-secret" }, config.region);
  let accepted = false;
  try {
    await callerIdentity();
    accepted = true;
  } catch {
    accepted = false; // refused (UnrecognizedClientException): as it should be
  } finally {
    useCredentials(credentials, config.region);
  }
  if (accepted) {
    document.getElementById("who").append(h("strong", { role: "alert", class: "warning" },
      "Warning: this Lamina accepts access keys it does not know (as the account root)."));
  }
}

function showWho(who) {
  const slot = document.getElementById("who");
  slot.replaceChildren(h("span", { title: who.arn }, `Signed in as ${who.arn}`));
  if (config.signIn) {
    slot.append(h("button", { type: "button", onclick: signOut }, "Sign out"));
  }
}

function signOut() {
  sessionStorage.removeItem(STORAGE);
  useCredentials(null, config.region);
  location.hash = "";
  location.reload();
}

function showSignIn(problem) {
  document.getElementById("nav").hidden = true;
  const key = h("input", { id: "access-key", name: "access-key", autocomplete: "username", required: true });
  const secret = h("input", { id: "secret-key", name: "secret-key", type: "password", autocomplete: "current-password", required: true });
  const status = h("p", { role: "status", class: "error" }, problem ? problem.message : "");
  const form = h("form", {
    onsubmit: async (event) => {
      event.preventDefault();
      const credentials = { accessKeyId: key.value.trim(), secretAccessKey: secret.value };
      useCredentials(credentials, config.region);
      try {
        await callerIdentity(); // sts:GetCallerIdentity: the pair signs correctly
      } catch (error) {
        useCredentials(null, config.region);
        status.textContent = error.message;
        return;
      }
      sessionStorage.setItem(STORAGE, JSON.stringify(credentials));
      document.getElementById("nav").hidden = false;
      start();
    },
  },
  h("label", { for: "access-key" }, "Access key ID", key),
  h("label", { for: "secret-key" }, "Secret access key", secret),
  h("button", { type: "submit" }, "Sign in"),
  status);
  main.replaceChildren(h("div", { class: "signin card" },
    h("h1", {}, "Sign in"),
    h("p", {}, "This Lamina serves over TLS, as a cluster or on a network address, so its "
      + "console asks for an access key pair (an IAM user's, or the account root's). "
      + "It stays in this tab only."),
    form));
  key.focus();
}

async function route() {
  if (leave) { leave(); leave = null; }
  const [name = "apis", ...rest] = location.hash.replace(/^#\/?/, "").split("/").map(decodeURIComponent);
  const page = PAGES[name] || PAGES.apis;
  for (const a of document.querySelectorAll("nav a")) {
    if (a.getAttribute("href") === `#/${name in PAGES ? name : "apis"}`) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
  document.title = `${page[0]} · Lamina console`;
  const body = h("div");
  const heading = h("h1", { tabindex: "-1" }, page[0]);
  main.replaceChildren(heading, body);
  if (routed) heading.focus();
  routed = true;
  try {
    const module = await page[1]();
    leave = (await module.render(body, rest, config)) || null;
  } catch (error) {
    body.replaceChildren(failure(error));
  }
}

start();
