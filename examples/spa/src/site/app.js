// Shows: sign in at the third-party OpenID Connect provider (authorization code flow; the
// API's SignInFunction trades the code for the ID token, since only it may hold the client
// secret), then call the API with `Authorization: Bearer <ID token>`, which its Lambda
// authorizer checks.
"use strict";

const $ = (id) => document.getElementById(id);
let config;
let session = JSON.parse(sessionStorage.getItem("shows-session") || "null");
const redirectUri = `${location.origin}/`;

async function api(method, path, body) {
  const headers = { "Content-Type": "application/json" };
  if (session) headers.Authorization = `Bearer ${session.idToken}`;
  const response = await fetch(config.api + path, {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status === 401 && session) {
    signOut("Your session ended; please sign in again.");
    return null;
  }
  // The distribution's custom error responses apply to /api/* too: an API 403 or 404
  // arrives as index.html with 200, which is no answer the page can use.
  if (!(response.headers.get("Content-Type") || "").includes("json")) {
    throw new Error(`${method} ${path}: the API's answer was not found`);
  }
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(answer.message || response.statusText);
  return { answer, headers: response.headers };
}

function say(text, error = false) {
  $("status").textContent = text;
  $("status").className = error ? "error" : "";
}

function claims(token) {
  const part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
  return JSON.parse(atob(part));
}

const when = (iso) => new Date(iso).toLocaleString("en-GB", {
  weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit",
  timeZone: "UTC",
});

function card(title, meta, button) {
  const item = document.createElement("li");
  const strong = document.createElement("strong");
  strong.textContent = title;
  const line = document.createElement("span");
  line.className = "meta";
  line.textContent = meta;
  item.append(strong, line);
  if (button) item.append(button);
  return item;
}

function show() {
  $("signed-out").hidden = Boolean(session);
  $("signed-in").hidden = !session;
  $("sign-out").hidden = !session;
  if (session) {
    const who = claims(session.idToken);
    $("who").textContent = who.email || who.sub;
    openTab("shows").catch((error) => say(error.message, true));
  }
}

async function openTab(name) {
  document.querySelectorAll("nav button").forEach((button) => {
    button.setAttribute("aria-pressed", String(button.dataset.tab === name));
  });
  document.querySelectorAll(".tab").forEach((tab) => { tab.hidden = tab.id !== `tab-${name}`; });
  await { shows: loadShows, tickets: loadTickets, info: loadInfo }[name]();
}

async function loadShows() {
  const got = await api("GET", "/shows");
  if (got === null) return;
  $("shows").replaceChildren(...got.answer.map((item) => {
    const buy = document.createElement("button");
    buy.type = "button";
    buy.textContent = "Buy a ticket";
    buy.setAttribute("aria-label", `Buy a ticket for ${item.title}`);
    buy.addEventListener("click", guard(async () => {
      const bought = await api("POST", "/tickets", { showId: item.id, seats: 1 });
      if (bought === null) return;
      say(`Booked: ${bought.answer.title}.`);
      await openTab("tickets");
    }));
    const price = `€${(item.priceCents / 100).toFixed(2)}`;
    return card(item.title, `${when(item.startsAt)} · ${item.venue} · ${price}`, buy);
  }));
  $("cache").textContent = `Catalogue: ${got.headers.get("X-Shows-Cache") || "unknown"}.`;
}

async function loadTickets() {
  const got = await api("GET", "/tickets");
  if (got === null) return;
  $("tickets").replaceChildren(...got.answer.map(
    (ticket) => card(ticket.title, `${when(ticket.startsAt)} · ${ticket.seats} seat(s)`),
  ));
  $("no-tickets").hidden = got.answer.length > 0;
}

async function loadInfo() {
  const got = await api("GET", "/info");
  if (got === null) return;
  $("venue").textContent = `Visiting ${got.answer.venue}`;
  $("notices").replaceChildren(...got.answer.notices.map((n) => card(n.title, n.body)));
}

function signIn() {
  const state = crypto.randomUUID();
  sessionStorage.setItem("shows-state", state);
  const query = new URLSearchParams({
    response_type: "code", client_id: config.clientId, redirect_uri: redirectUri,
    scope: "openid email", state, nonce: crypto.randomUUID(),
  });
  location.assign(`${config.authorizationEndpoint}?${query}`);
}

// Back from the provider with ?code=...&state=...: trade the code for the ID token.
async function finishSignIn(params) {
  history.replaceState(null, "", "/");
  if (params.get("state") !== sessionStorage.getItem("shows-state")) {
    throw new Error("The sign-in answer does not match the request; please sign in again.");
  }
  sessionStorage.removeItem("shows-state");
  const got = await api("POST", "/auth/token", { code: params.get("code"), redirectUri });
  session = { idToken: got.answer.idToken };
  sessionStorage.setItem("shows-session", JSON.stringify(session));
}

function signOut(message = "Signed out.") {
  session = null;
  sessionStorage.removeItem("shows-session");
  say(message);
  show();
}

function guard(action) {
  return async (event) => {
    event.preventDefault();
    try { await action(event); } catch (error) { say(error.message, true); }
  };
}

$("sign-in").addEventListener("click", () => signIn());
$("sign-out").addEventListener("click", () => signOut());
document.querySelectorAll("nav button").forEach((button) => {
  button.addEventListener("click", guard(() => openTab(button.dataset.tab)));
});

async function start() {
  config = await (await fetch("/config.json")).json();
  const params = new URLSearchParams(location.search);
  if (params.has("code")) await finishSignIn(params);
  show();
}

start().catch((error) => { say(error.message, true); session = null; show(); });
