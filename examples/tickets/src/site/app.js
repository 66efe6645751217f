// Tickets: sign up / sign in against the user pool with Cognito's own JSON API (as the AWS
// SDKs call it), then call the REST API with the ID token its Cognito authorizer checks.
"use strict";

const $ = (id) => document.getElementById(id);
let config;
let session = JSON.parse(sessionStorage.getItem("tickets-session") || "null");

// Under Lamina, Cognito's API answers on Lamina's own port at any host but the
// distribution's; on AWS config.json names the regional endpoint.
const cognitoEndpoint = () => config.cognitoEndpoint
  || `${location.protocol}//127.0.0.1:${location.port}/`;

async function cognito(action, body) {
  const response = await fetch(cognitoEndpoint(), {
    method: "POST",
    headers: {
      "Content-Type": "application/x-amz-json-1.1",
      "X-Amz-Target": `AWSCognitoIdentityProviderService.${action}`,
    },
    body: JSON.stringify(body),
  });
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(answer.message || answer.__type || response.statusText);
  return answer;
}

async function api(method, path, body) {
  const response = await fetch(config.api + path, {
    method,
    headers: { Authorization: session.idToken, "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status === 401) { signOut("Your session ended; please sign in again."); return null; }
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(answer.message || response.statusText);
  return answer;
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

function card(lines, button) {
  const item = document.createElement("li");
  lines.forEach(([text, className]) => {
    const line = document.createElement(className ? "span" : "strong");
    line.textContent = text;
    if (className) line.className = className;
    item.append(line);
  });
  if (button) item.append(button);
  return item;
}

function show() {
  $("signed-out").hidden = Boolean(session);
  $("signed-in").hidden = !session;
  $("sign-out").hidden = !session;
  if (session) {
    $("who").textContent = claims(session.idToken).email;
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
  const shows = await api("GET", "/shows");
  if (shows === null) return;
  $("shows").replaceChildren(...shows.map((item) => {
    const buy = document.createElement("button");
    buy.type = "button";
    buy.textContent = "Buy a ticket";
    buy.setAttribute("aria-label", `Buy a ticket for ${item.title}`);
    buy.addEventListener("click", guard(async () => {
      const ticket = await api("POST", "/tickets", { showId: item.id, seats: 1 });
      if (ticket === null) return;
      say(`Booked: ${ticket.title}.`);
      await openTab("tickets");
    }));
    const price = `€${(item.priceCents / 100).toFixed(2)}`;
    return card([[item.title], [`${when(item.startsAt)} · ${item.venue} · ${price}`, "meta"]], buy);
  }));
}

async function loadTickets() {
  const tickets = await api("GET", "/tickets");
  if (tickets === null) return;
  $("tickets").replaceChildren(...tickets.map((ticket) => card([
    [ticket.title], [`${when(ticket.startsAt)} · ${ticket.seats} seat(s)`, "meta"],
  ])));
  $("no-tickets").hidden = tickets.length > 0;
}

async function loadInfo() {
  const info = await api("GET", "/info");
  if (info === null) return;
  $("notices").replaceChildren(...info.notices.map((notice) => card([
    [notice.title], [notice.body, "meta"],
  ])));
  $("database").textContent = `Served from ${info.database}.`;
}

async function signIn(email, password) {
  const answer = await cognito("InitiateAuth", {
    ClientId: config.clientId,
    AuthFlow: "USER_PASSWORD_AUTH",
    AuthParameters: { USERNAME: email, PASSWORD: password },
  });
  session = { idToken: answer.AuthenticationResult.IdToken };
  sessionStorage.setItem("tickets-session", JSON.stringify(session));
  say("");
  show();
}

function signOut(message = "Signed out.") {
  session = null;
  sessionStorage.removeItem("tickets-session");
  say(message);
  show();
}

function guard(action) {
  return async (event) => {
    event.preventDefault();
    try { await action(event); } catch (error) { say(error.message, true); }
  };
}

$("sign-in").addEventListener("submit", guard(() => signIn($("email").value, $("password").value)));

$("sign-up").addEventListener("click", guard(async () => {
  if (!$("sign-in").reportValidity()) return;
  const answer = await cognito("SignUp", {
    ClientId: config.clientId,
    Username: $("email").value,
    Password: $("password").value,
    UserAttributes: [{ Name: "email", Value: $("email").value }],
  });
  $("confirm").hidden = false;
  $("sign-in").hidden = true;
  const where = answer.CodeDeliveryDetails ? answer.CodeDeliveryDetails.Destination : "your email";
  $("confirm-hint").textContent = config.local
    ? "Lamina does not send email: the code is in the terminal running `lamina up`."
    : `We sent a code to ${where}.`;
  $("code").focus();
}));

$("confirm").addEventListener("submit", guard(async () => {
  await cognito("ConfirmSignUp", {
    ClientId: config.clientId, Username: $("email").value, ConfirmationCode: $("code").value,
  });
  $("confirm").hidden = true;
  $("sign-in").hidden = false;
  await signIn($("email").value, $("password").value);
}));

document.querySelectorAll("nav button").forEach((button) => {
  button.addEventListener("click", guard(() => openTab(button.dataset.tab)));
});

$("sign-out").addEventListener("click", () => signOut());

fetch("/config.json").then((response) => response.json()).then((loaded) => {
  config = loaded;
  show();
}).catch((error) => say(`Could not load the app's settings: ${error.message}`, true));
