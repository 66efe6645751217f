// Notes: sign up / sign in against the user pool with Cognito's own JSON API (as the AWS
// SDKs call it), then call the REST API with the ID token the Cognito authorizer checks.
"use strict";

const $ = (id) => document.getElementById(id);
let config;
let session = JSON.parse(sessionStorage.getItem("notes-session") || "null");

async function cognito(action, body) {
  const response = await fetch(config.cognitoEndpoint, {
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
  if (!response.ok) throw new Error((await response.json()).message || response.statusText);
  return response.status === 204 ? null : response.json();
}

function say(text, error = false) {
  $("status").textContent = text;
  $("status").className = error ? "error" : "";
}

function claims(token) {
  const part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
  return JSON.parse(atob(part));
}

function show() {
  $("signed-out").hidden = Boolean(session);
  $("signed-in").hidden = !session;
  if (session) {
    $("who").textContent = claims(session.idToken).email;
    refresh();
  }
}

async function signIn(email, password) {
  const answer = await cognito("InitiateAuth", {
    ClientId: config.clientId,
    AuthFlow: "USER_PASSWORD_AUTH",
    AuthParameters: { USERNAME: email, PASSWORD: password },
  });
  session = { idToken: answer.AuthenticationResult.IdToken };
  sessionStorage.setItem("notes-session", JSON.stringify(session));
  say("");
  show();
}

function signOut(message = "Signed out.") {
  session = null;
  sessionStorage.removeItem("notes-session");
  say(message);
  show();
}

async function refresh() {
  const notes = await api("GET", "/notes");
  if (notes === null) return;
  const list = $("notes");
  list.replaceChildren(...notes.map((note) => {
    const item = document.createElement("li");
    const text = document.createElement("span");
    text.textContent = note.text;
    const remove = document.createElement("button");
    remove.type = "button";
    remove.className = "link";
    remove.textContent = "Delete";
    remove.setAttribute("aria-label", `Delete "${note.text}"`);
    remove.addEventListener("click", async () => { await api("DELETE", `/notes/${note.id}`); refresh(); });
    item.append(text, remove);
    return item;
  }));
  $("empty").hidden = notes.length > 0;
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

$("add").addEventListener("submit", guard(async () => {
  await api("POST", "/notes", { text: $("text").value });
  $("text").value = "";
  refresh();
}));

$("sign-out").addEventListener("click", () => signOut());

fetch("config.json").then((response) => response.json()).then((loaded) => {
  config = loaded;
  show();
}).catch((error) => say(`Could not load the app's settings: ${error.message}`, true));
