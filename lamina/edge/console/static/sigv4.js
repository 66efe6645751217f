// AWS Signature Version 4 with WebCrypto, as the SDKs sign:
// https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html
const encoder = new TextEncoder();

function hex(buffer) {
  return Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, "0")).join("");
}

function bytes(data) {
  return typeof data === "string" ? encoder.encode(data) : data;
}

export async function sha256Hex(data) {
  return hex(await crypto.subtle.digest("SHA-256", bytes(data ?? "")));
}

async function hmac(key, data) {
  const imported = await crypto.subtle.importKey(
    "raw", bytes(key), { name: "HMAC", hash: "SHA-256" }, false, ["sign"],
  );
  return crypto.subtle.sign("HMAC", imported, encoder.encode(data));
}

/** RFC 3986 percent-encoding: everything but A-Z a-z 0-9 - _ . ~ */
export function uriEncode(text) {
  return encodeURIComponent(text).replace(
    /[!'()*]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase(),
  );
}

/** A path built from raw segments, each encoded once (what goes on the wire). */
export function pathOf(...segments) {
  return "/" + segments.map((s) => uriEncode(String(s))).join("/");
}

function canonicalQuery(query) {
  const pairs = [];
  for (const part of query.split("&")) {
    if (!part) continue;
    const [key, value = ""] = part.split(/=(.*)/s);
    pairs.push([uriEncode(decodeURIComponent(key)), uriEncode(decodeURIComponent(value))]);
  }
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return pairs.map(([k, v]) => `${k}=${v}`).join("&");
}

/**
 * Sign `request` ({method, path, query, headers, body}); returns the headers to send.
 * `path` is as sent (segments already encoded); services other than S3 encode it again.
 */
export async function sign(request, credentials, region, service, now = new Date()) {
  const amzDate = now.toISOString().replace(/[:-]|\.\d{3}/g, "");
  const day = amzDate.slice(0, 8);
  const payload = await sha256Hex(request.body);
  const headers = { ...request.headers, "x-amz-date": amzDate };
  if (service === "s3") headers["x-amz-content-sha256"] = payload;
  if (credentials.sessionToken) headers["x-amz-security-token"] = credentials.sessionToken;
  const signing = { ...headers, host: location.host };
  const names = Object.keys(signing).map((n) => n.toLowerCase()).sort();
  const lower = Object.fromEntries(Object.entries(signing).map(([k, v]) => [k.toLowerCase(), v]));
  const canonicalHeaders = names
    .map((n) => `${n}:${String(lower[n]).trim().replace(/\s+/g, " ")}\n`).join("");
  const signedHeaders = names.join(";");
  const path = service === "s3"
    ? request.path
    : request.path.split("/").map(uriEncode).join("/");
  const canonical = [
    request.method, path, canonicalQuery(request.query || ""), canonicalHeaders, signedHeaders,
    payload,
  ].join("\n");
  const scope = `${day}/${region}/${service}/aws4_request`;
  const toSign = ["AWS4-HMAC-SHA256", amzDate, scope, await sha256Hex(canonical)].join("\n");
  let key = await hmac("AWS4" + credentials.secretAccessKey, day);
  for (const part of [region, service, "aws4_request"]) key = await hmac(key, part);
  const signature = hex(await hmac(key, toSign));
  headers.authorization = `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/${scope}, `
    + `SignedHeaders=${signedHeaders}, Signature=${signature}`;
  return headers;
}
