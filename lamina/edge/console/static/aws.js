// Clients for Lamina's AWS-compatible APIs, speaking each service's protocol as the SDKs
// do (JSON, rest-json, query, rest-xml), every call signed with SigV4 (sigv4.js).
import { sign, uriEncode } from "./sigv4.js";

const session = { credentials: null, region: "us-east-1" };

export function useCredentials(credentials, region) {
  session.credentials = credentials;
  session.region = region;
}

export class AwsError extends Error {
  constructor(code, message, status) {
    super(`${code}: ${message}`);
    this.code = code;
    this.status = status;
  }
}

async function send(service, { method = "POST", path = "/", query = "", headers = {}, body = "", signal }) {
  if (session.credentials === null) throw new AwsError("NotSignedIn", "Sign in first", 0);
  const hasBody = method !== "GET" && method !== "HEAD" && method !== "DELETE";
  const signed = await sign(
    { method, path, query, headers, body: hasBody ? body : "" },
    session.credentials, session.region, service,
  );
  return fetch(path + (query ? "?" + query : ""), {
    method, headers: signed, body: hasBody ? body : undefined,
    credentials: "omit", cache: "no-store", signal,
  });
}

function queryString(params) {
  return Object.entries(params)
    .filter(([, v]) => v !== undefined && v !== null && v !== "")
    .map(([k, v]) => `${uriEncode(k)}=${uriEncode(String(v))}`).join("&");
}

async function jsonAnswer(response) {
  const text = await response.text();
  let data = {};
  try { data = text ? JSON.parse(text) : {}; } catch { data = { message: text }; }
  if (!response.ok) {
    const type = response.headers.get("x-amzn-errortype") || data.__type || data.code || String(response.status);
    throw new AwsError(type.split(":")[0].split("#").pop(), data.message || data.Message || text, response.status);
  }
  return data;
}

function jsonService(service, prefix, version) {
  return async (operation, input = {}) => jsonAnswer(await send(service, {
    headers: { "content-type": `application/x-amz-json-${version}`, "x-amz-target": `${prefix}.${operation}` },
    body: JSON.stringify(input),
  }));
}

/**
 * StartLiveTail: the open response, whose body is an event stream (eventstream.js);
 * `signal` (an AbortController's) ends the session.
 * https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_StartLiveTail.html
 */
export async function startLiveTail(input, signal) {
  const response = await send("logs", {
    headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": "Logs_20140328.StartLiveTail" },
    body: JSON.stringify(input), signal,
  });
  if (!response.ok) await jsonAnswer(response);
  return response;
}

export const dynamodb = jsonService("dynamodb", "DynamoDB_20120810", "1.0");
export const logs = jsonService("logs", "Logs_20140328", "1.1");
export const secrets = jsonService("secretsmanager", "secretsmanager", "1.1");
export const cognito = jsonService("cognito-idp", "AWSCognitoIdentityProviderService", "1.1");
export const cloudwatch = jsonService("monitoring", "GraniteServiceVersion20100801", "1.0");

/** A rest-json call: `path` from pathOf(), `params` the query string's. */
function restJsonService(service) {
  return async (method, path, params = {}, input = undefined) => jsonAnswer(await send(service, {
    method, path, query: queryString(params),
    headers: input === undefined ? {} : { "content-type": "application/json" },
    body: input === undefined ? "" : JSON.stringify(input),
  }));
}

export const lambda = restJsonService("lambda");
export const apigateway = restJsonService("apigateway");
export const xray = restJsonService("xray");

function xmlDocument(text) {
  return new DOMParser().parseFromString(text, "application/xml");
}

async function xmlAnswer(response) {
  const text = await response.text();
  const doc = xmlDocument(text || "<Empty/>");
  if (!response.ok) {
    const code = doc.querySelector("Code")?.textContent || String(response.status);
    throw new AwsError(code, doc.querySelector("Message")?.textContent || text, response.status);
  }
  return doc;
}

/** A query-protocol call (STS); the answer is an XML document. */
export async function query(service, action, version, params = {}) {
  return xmlAnswer(await send(service, {
    headers: { "content-type": "application/x-www-form-urlencoded; charset=utf-8" },
    body: queryString({ Action: action, Version: version, ...params }),
  }));
}

export async function callerIdentity() {
  const doc = await query("sts", "GetCallerIdentity", "2011-06-15");
  const text = (name) => doc.querySelector(name)?.textContent || "";
  return { arn: text("Arn"), account: text("Account"), userId: text("UserId") };
}

/** S3 (rest-xml), path-style on this origin. */
export const s3 = {
  async listBuckets() {
    const doc = await xmlAnswer(await send("s3", { method: "GET", path: "/" }));
    return [...doc.querySelectorAll("Bucket")].map((b) => ({
      name: b.querySelector("Name")?.textContent, created: b.querySelector("CreationDate")?.textContent,
    }));
  },
  async listObjects(bucket, prefix, token) {
    const query = queryString({ "list-type": 2, delimiter: "/", prefix, "continuation-token": token, "max-keys": 200 });
    const doc = await xmlAnswer(await send("s3", { method: "GET", path: "/" + uriEncode(bucket), query }));
    const text = (el, name) => el.querySelector(name)?.textContent || "";
    return {
      prefixes: [...doc.querySelectorAll("CommonPrefixes > Prefix")].map((p) => p.textContent),
      objects: [...doc.querySelectorAll("Contents")].map((c) => ({
        key: text(c, "Key"), size: Number(text(c, "Size")), modified: text(c, "LastModified"),
      })),
      next: doc.querySelector("NextContinuationToken")?.textContent,
    };
  },
  async putObject(bucket, key, body, contentType) {
    await xmlAnswer(await send("s3", {
      method: "PUT", path: objectPath(bucket, key),
      headers: { "content-type": contentType || "application/octet-stream" }, body,
    }));
  },
  async getObject(bucket, key) {
    const response = await send("s3", { method: "GET", path: objectPath(bucket, key) });
    if (!response.ok) await xmlAnswer(response);
    return response.blob();
  },
};

function objectPath(bucket, key) {
  return "/" + uriEncode(bucket) + "/" + key.split("/").map(uriEncode).join("/");
}
