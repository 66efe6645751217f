// The tracker's REST API, behind the distribution's /api/* behaviour. Every call but
// /api/config carries the ID token the Cognito authorizer checks.

export class Unauthorized extends Error {}

export async function loadConfig() {
  const response = await fetch("/api/config");
  if (!response.ok) throw new Error(`GET /api/config: ${response.status}`);
  return response.json();
}

export async function request(session, method, path, body) {
  const headers = { "Content-Type": "application/json" };
  if (session) headers.Authorization = session.idToken;
  const response = await fetch(`/api${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status === 401 || response.status === 403) {
    const answer = await response.json().catch(() => ({}));
    throw new Unauthorized(answer.message || response.statusText);
  }
  if (!response.ok) {
    const answer = await response.json().catch(() => ({}));
    throw new Error(answer.message || response.statusText);
  }
  return response.status === 204 ? null : response.json();
}
