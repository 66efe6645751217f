// Lamina's Node.js runtime: a client of the Lambda Runtime API, written against its
// documentation. It loads the handler named by _HANDLER from LAMBDA_TASK_ROOT, then loops:
// GET /next, run the handler, POST /response or /error.
// https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html
// https://docs.aws.amazon.com/lambda/latest/dg/nodejs-handler.html
import fs from "node:fs";
import http from "node:http";
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import util from "node:util";

const API = `http://${process.env.AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime`;
const TASK_ROOT = process.env.LAMBDA_TASK_ROOT || process.cwd();
// One connection to the Runtime API, reused; idle sockets do not keep the loop alive.
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const require = createRequire(pathToFileURL(`${TASK_ROOT}/`));

let currentRequestId;

// -- logging ---------------------------------------------------------------------------
// Lambda's Node.js runtimes prefix each console line with time, request id and level, and
// turn newlines inside one message into carriage returns (one log event per call).
// Under the JSON log format (LoggingConfig) each call is one JSON object instead, and calls
// below AWS_LAMBDA_LOG_LEVEL write nothing.
// https://docs.aws.amazon.com/lambda/latest/dg/nodejs-logging.html
const LEVELS = ["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"];
const JSON_FORMAT = (process.env.AWS_LAMBDA_LOG_FORMAT || "").toUpperCase() === "JSON";
const LEVEL_FLOOR = JSON_FORMAT
  ? Math.max(0, LEVELS.indexOf((process.env.AWS_LAMBDA_LOG_LEVEL || "INFO").toUpperCase()))
  : 0;

function writeLine(level, args) {
  if (JSON_FORMAT) {
    if (LEVELS.indexOf(level) < LEVEL_FLOOR) return;
    const document = {
      timestamp: new Date().toISOString(),
      level,
      requestId: currentRequestId,
      message: util.format(...args),
    };
    const [first] = args;
    if (args.length === 1 && first instanceof Error) {
      document.errorType = first.name;
      document.errorMessage = first.message;
      document.stackTrace = String(first.stack).split("\n");
    }
    fs.writeSync(1, `${JSON.stringify(document)}\n`);
    return;
  }
  const message = util.format(...args).replace(/\n/g, "\r");
  const line = `${new Date().toISOString()}\t${currentRequestId}\t${level}\t${message}\n`;
  fs.writeSync(1, line);
}

for (const [method, level] of [
  ["log", "INFO"],
  ["info", "INFO"],
  ["warn", "WARN"],
  ["error", "ERROR"],
  ["debug", "DEBUG"],
  ["trace", "TRACE"],
]) {
  console[method] = (...args) => writeLine(level, args);
}

// -- errors ------------------------------------------------------------------------------
class RuntimeError extends Error {
  constructor(kind, message) {
    super(message);
    this.name = `Runtime.${kind}`;
  }
}

/** {errorType, errorMessage, trace}: what Lambda's Node.js runtime posts for an error. */
function errorDocument(error) {
  if (error instanceof Error || (error && typeof error.stack === "string")) {
    return {
      errorType: error.name,
      errorMessage: error.message,
      trace: String(error.stack).split("\n"),
    };
  }
  return { errorType: typeof error, errorMessage: String(error), trace: [] };
}

function logError(title, document) {
  const { trace, ...rest } = document;
  writeLine("ERROR", [`${title} \t${JSON.stringify({ ...rest, stack: trace })}`]);
}

// -- the Runtime API ---------------------------------------------------------------------
function request(method, url, body, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, agent, headers }, (res) => {
      const chunks = [];
      res.on("data", (chunk) => chunks.push(chunk));
      res.on("end", () =>
        resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }),
      );
    });
    req.on("error", reject);
    req.end(body);
  });
}

function postError(url, error) {
  const document = errorDocument(error);
  const headers = {
    "Content-Type": "application/json",
    "Lambda-Runtime-Function-Error-Type": document.errorType,
  };
  return request("POST", url, JSON.stringify(document), headers);
}

// -- loading the handler -----------------------------------------------------------------
function isModulePackage(folder) {
  // The nearest package.json decides whether a .js file is an ES module.
  // https://nodejs.org/api/packages.html#type
  for (let dir = folder; ; dir = path.dirname(dir)) {
    if (dir.endsWith(`${path.sep}node_modules`)) return false;
    const manifest = path.join(dir, "package.json");
    if (fs.existsSync(manifest)) {
      try {
        return JSON.parse(fs.readFileSync(manifest, "utf8")).type === "module";
      } catch {
        return false;
      }
    }
    if (dir === path.dirname(dir)) return false;
  }
}

async function loadModule(base) {
  const esm = isModulePackage(path.dirname(base));
  const candidates = [
    [base, "require"],
    [`${base}.js`, esm ? "import" : "require"],
    [`${base}.mjs`, "import"],
    [`${base}.cjs`, "require"],
  ];
  for (const [file, how] of candidates) {
    if (fs.existsSync(file) && fs.statSync(file).isFile()) {
      return how === "import" ? import(pathToFileURL(file).href) : require(file);
    }
  }
  // Neither a file of the code folder: a package name resolved from it.
  return require(require.resolve(path.basename(base), { paths: [TASK_ROOT] }));
}

async function loadHandler(fullName) {
  if (fullName.includes("..")) {
    throw new RuntimeError("MalformedHandlerName", `'${fullName}' is not a valid handler name.`);
  }
  const folder = path.dirname(fullName);
  const match = /^([^.]*)\.(.*)$/.exec(path.basename(fullName));
  if (!match) throw new RuntimeError("MalformedHandlerName", "Bad handler");
  let loaded;
  try {
    loaded = await loadModule(path.resolve(TASK_ROOT, folder, match[1]));
  } catch (error) {
    if (error instanceof SyntaxError) {
      throw new RuntimeError("UserCodeSyntaxError", `${error.name}: ${error.message}`);
    }
    if (error && (error.code === "MODULE_NOT_FOUND" || error.code === "ERR_MODULE_NOT_FOUND")) {
      throw new RuntimeError("ImportModuleError", `${error.name}: ${error.message}`);
    }
    throw error;
  }
  const handler = match[2].split(".").reduce((object, key) => object && object[key], loaded);
  if (!handler) throw new RuntimeError("HandlerNotFound", `${fullName} is undefined or not exported`);
  if (typeof handler !== "function") {
    throw new RuntimeError("HandlerNotFound", `${fullName} is not a function`);
  }
  return handler;
}

// -- one invocation ----------------------------------------------------------------------
// A callback handler's answer waits for the event loop to empty, unless the function sets
// context.callbackWaitsForEmptyEventLoop = false.
// https://docs.aws.amazon.com/lambda/latest/dg/nodejs-context.html
let onEmptyLoop = null;
process.on("beforeExit", () => {
  const run = onEmptyLoop;
  onEmptyLoop = null;
  if (run) run();
});

function parseHeader(value) {
  if (!value) return undefined;
  try {
    return JSON.parse(value);
  } catch {
    return undefined;
  }
}

function makeContext(id, headers, finish) {
  let waits = true;
  const deadline = Number(headers["lambda-runtime-deadline-ms"]);
  const env = process.env;
  return {
    get callbackWaitsForEmptyEventLoop() {
      return waits;
    },
    set callbackWaitsForEmptyEventLoop(value) {
      waits = value;
    },
    functionName: env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: env.AWS_LAMBDA_FUNCTION_VERSION,
    invokedFunctionArn: headers["lambda-runtime-invoked-function-arn"],
    memoryLimitInMB: env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    awsRequestId: id,
    logGroupName: env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: env.AWS_LAMBDA_LOG_STREAM_NAME,
    identity: parseHeader(headers["lambda-runtime-cognito-identity"]),
    clientContext: parseHeader(headers["lambda-runtime-client-context"]),
    getRemainingTimeInMillis: () => Math.max(deadline - Date.now(), 0),
    succeed: (result) => finish(null, result),
    fail: (error) => finish(error ?? "handled"),
    done: (error, result) => finish(error, result),
  };
}

function invoke(handler, next) {
  const id = next.headers["lambda-runtime-aws-request-id"];
  currentRequestId = id;
  process.env._X_AMZN_TRACE_ID = next.headers["lambda-runtime-trace-id"] || "";
  return new Promise((settled) => {
    let finished = false;
    const finish = (error, result) => {
      if (finished) return;
      finished = true;
      onEmptyLoop = null;
      settled(answer(id, error, result));
    };
    const context = makeContext(id, next.headers, finish);
    const callback = (error, result) => {
      if (error !== undefined && error !== null) finish(error);
      else if (!context.callbackWaitsForEmptyEventLoop) finish(null, result);
      else onEmptyLoop = () => setImmediate(() => finish(null, result));
    };
    // A handler that neither returns a promise nor calls back answers null once idle.
    onEmptyLoop = () => finish(null, null);
    try {
      const event = JSON.parse(next.body.toString("utf8") || "null");
      const returned = handler(event, context, callback);
      if (returned && typeof returned.then === "function") {
        returned.then(
          (result) => finish(null, result),
          (error) => finish(error ?? new Error("the handler's promise was rejected")),
        );
      }
    } catch (error) {
      finish(error);
    }
  });
}

async function answer(id, error, result) {
  const base = `${API}/invocation/${id}`;
  if (error !== null && error !== undefined) {
    logError("Invoke Error", errorDocument(error));
    return postError(`${base}/error`, error);
  }
  let body;
  try {
    body = JSON.stringify(result === undefined ? null : result);
  } catch (serialization) {
    return postError(`${base}/error`, serialization);
  }
  const headers = { "Content-Type": "application/json" };
  const reply = await request("POST", `${base}/response`, body, headers);
  if (reply.status === 413) console.error(reply.body.toString("utf8"));
  return reply;
}

// -- main --------------------------------------------------------------------------------
function crash(title, type) {
  return (reason) => {
    const error = reason instanceof Error ? reason : new RuntimeError(type, String(reason));
    logError(title, errorDocument(error));
    const url = currentRequestId
      ? `${API}/invocation/${currentRequestId}/error`
      : `${API}/init/error`;
    postError(url, error).finally(() => process.exit(129));
  };
}

process.on("uncaughtException", crash("Uncaught Exception", "UncaughtException"));
process.on("unhandledRejection", crash("Unhandled Promise Rejection", "UnhandledPromiseRejection"));

async function main() {
  let handler;
  try {
    handler = await loadHandler(process.env._HANDLER || "");
  } catch (error) {
    logError("Uncaught Exception", errorDocument(error));
    await postError(`${API}/init/error`, error);
    process.exit(129);
  }
  for (;;) {
    const next = await request("GET", `${API}/invocation/next`);
    if (next.status !== 200) process.exit(1);
    await invoke(handler, next);
    currentRequestId = undefined;
  }
}

main().catch((error) => {
  fs.writeSync(2, `lamina runtime: ${error && error.stack ? error.stack : error}\n`);
  process.exit(1);
});
