// Serves HTTP functions on a local port the way the Azure Functions host does: `/api/{route}`,
// with HttpRequest and InvocationContext objects built from the incoming request. Extra local
// routes (the sandbox's fault API) are served beside them.
import { randomUUID } from "node:crypto";
import http from "node:http";
import azf from "@azure/functions";
import type { HttpResponseInit } from "@azure/functions";
import type { HttpFunction } from "../../functions/handlers.js";
import { shortName } from "../config/strict-json.js";
import { closeServer, listenLoopback } from "./listen.js";

/** Bodies above this are refused with 413 before any handler sees them. */
export const BODY_LIMIT_BYTES = 1024 * 1024;

export interface LocalResponse {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
}

export interface LocalRoute {
  readonly method: "GET" | "POST";
  /** A path template such as `/sandbox/regions/{region}/down`. */
  readonly path: string;
  readonly handle: (params: Record<string, string>) => Promise<LocalResponse> | LocalResponse;
}

export interface HttpHostOptions {
  /** Always served on 127.0.0.1; `port` 0 picks a free one. */
  readonly port: number;
  readonly functions: readonly HttpFunction[];
  readonly routes?: readonly LocalRoute[];
  /** Receives the functions' log lines: level and text. */
  readonly log: (level: string, message: string) => void;
}

export interface HttpHost {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

type Matcher = (path: string) => Record<string, string> | undefined;

function compile(template: string): Matcher {
  const names: string[] = [];
  const source = template
    .split("/")
    .map((part) => {
      const param = /^\{(\w+)\}$/.exec(part);
      if (!param) return part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      names.push(param[1]!);
      return "([^/]+)";
    })
    .join("/");
  const pattern = new RegExp(`^${source}/?$`);
  return (path) => {
    const match = pattern.exec(path);
    if (!match) return undefined;
    const params: Record<string, string> = {};
    names.forEach((name, i) => (params[name] = decodeURIComponent(match[i + 1]!)));
    return params;
  };
}

function send(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const isText = typeof body === "string";
  const payload = body === undefined ? "" : isText ? body : `${JSON.stringify(body, null, 2)}\n`;
  res.writeHead(status, {
    "content-type": isText ? "text/plain; charset=utf-8" : "application/json; charset=utf-8",
    "x-content-type-options": "nosniff",
    ...headers,
  });
  res.end(payload);
}

function sendInit(res: http.ServerResponse, init: HttpResponseInit): void {
  const headers: Record<string, string> = {};
  new Headers(init.headers as ConstructorParameters<typeof Headers>[0]).forEach(
    (v, k) => (headers[k] = v),
  );
  if (init.jsonBody !== undefined) return send(res, init.status ?? 200, init.jsonBody, headers);
  res.writeHead(init.status ?? 200, headers);
  res.end(typeof init.body === "string" || init.body instanceof Uint8Array ? init.body : undefined);
}

async function readBody(req: http.IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > BODY_LIMIT_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  // Bytes as sent: the functions decide how to read them (the API refuses invalid UTF-8).
  return Buffer.concat(chunks);
}

class BadRequest extends Error {}

/**
 * Whether a Host header names this host as loopback: 127.0.0.1, [::1] or localhost, with any
 * port. Any other name means a page elsewhere had a browser send this request (DNS rebinding: a
 * name of the attacker's that resolves to 127.0.0.1), and is refused.
 */
export function isLoopbackHost(host: string | undefined): boolean {
  return host !== undefined && /^(127\.0\.0\.1|\[::1\]|localhost)(:\d{1,5})?$/i.test(host);
}

function compileAll(options: HttpHostOptions) {
  return [
    ...(options.routes ?? []).map((r) => ({
      path: r.path,
      methods: [r.method] as string[],
      match: compile(r.path),
      local: r,
      fn: undefined,
    })),
    ...options.functions.map((f) => ({
      path: `/api/${f.route}`,
      methods: [...f.methods] as string[],
      match: compile(`/api/${f.route}`),
      local: undefined,
      fn: f,
    })),
  ];
}

/**
 * A request's headers as App Service's front end passes them on: the address the connection came
 * from is stated in `client-ip`, overwriting one the caller sent, and goes last in
 * X-Forwarded-For, after whatever the caller sent (the audit log's `from`;
 * src/app/api/client-address.ts).
 */
function headersAsFrontEnd(req: http.IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers[k] = v;
  const socket = req.socket.remoteAddress;
  delete headers["client-ip"];
  if (socket !== undefined) {
    headers["client-ip"] = socket;
    const sent = headers["x-forwarded-for"];
    headers["x-forwarded-for"] = sent === undefined ? socket : `${sent}, ${socket}`;
  }
  return headers;
}

export async function startHttpHost(options: HttpHostOptions): Promise<HttpHost> {
  const table = compileAll(options);

  const dispatch = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    if (!isLoopbackHost(req.headers.host))
      return send(res, 421, {
        error: {
          code: "MisdirectedRequest",
          message: "this local host answers requests for 127.0.0.1, [::1] or localhost only",
        },
      });
    const method = (req.method ?? "GET").toUpperCase();
    // A fixed base: the Host header is the caller's to choose and may not parse.
    const url = new URL(req.url ?? "/", "http://localhost");
    const body = await readBody(req);
    if (body === undefined)
      return send(res, 413, {
        error: {
          code: "PayloadTooLarge",
          message: `bodies are limited to ${BODY_LIMIT_BYTES} bytes`,
        },
      });

    let allowed: string[] = [];
    for (const entry of table) {
      let params: Record<string, string> | undefined;
      try {
        params = entry.match(url.pathname);
      } catch {
        throw new BadRequest(`the path ${shortName(url.pathname)} is not valid percent-encoding`);
      }
      if (!params) continue;
      if (!entry.methods.includes(method)) {
        allowed = [...allowed, ...entry.methods];
        continue;
      }
      if (entry.local) {
        // Query parameters too (a fault's setting), under the path's own names.
        const answer = await entry.local.handle({
          ...Object.fromEntries(url.searchParams),
          ...params,
        });
        return send(res, answer.status, answer.body, answer.headers);
      }
      const request = new azf.HttpRequest({
        method,
        url: `http://127.0.0.1:${port}${url.pathname}${url.search}`,
        headers: headersAsFrontEnd(req),
        params,
        ...(body.length === 0 ? {} : { body: { bytes: new Uint8Array(body) } }),
      });
      const context = new azf.InvocationContext({
        invocationId: randomUUID(),
        functionName: entry.fn!.name,
        logHandler: (level, ...args) => options.log(level, args.map(String).join(" ")),
      });
      return sendInit(res, await entry.fn!.handler(request, context));
    }
    if (allowed.length > 0)
      return send(
        res,
        405,
        {
          error: {
            code: "MethodNotAllowed",
            message: `${shortName(url.pathname)} takes ${allowed.join(", ")}`,
          },
        },
        { allow: allowed.join(", ") },
      );
    if (url.pathname === "/" && method === "GET")
      return send(res, 302, "", { location: "/api/status" });
    send(res, 404, {
      error: {
        code: "NotFound",
        message: `no ${shortName(method)} ${shortName(url.pathname)} here`,
        routes: table.map((e) => e.path),
      },
    });
  };

  const server = http.createServer((req, res) => {
    dispatch(req, res).catch((error: unknown) => {
      if (error instanceof BadRequest || (error as { code?: unknown }).code === "ERR_INVALID_URL") {
        if (!res.headersSent)
          send(res, 400, { error: { code: "BadRequest", message: (error as Error).message } });
        return;
      }
      options.log(
        "error",
        `local host: ${req.method} ${req.url} failed: ${(error as Error).stack ?? String(error)}`,
      );
      if (!res.headersSent)
        send(res, 500, {
          error: { code: "InternalError", message: "the local host failed to answer" },
        });
      else res.destroy();
    });
  });

  let port: number;
  try {
    port = await listenLoopback(server, options.port);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EADDRINUSE")
      throw new Error(
        `port ${options.port} on 127.0.0.1 is in use: set TANDEM_PORT to a free port`,
        {
          cause: error,
        },
      );
    throw error;
  }
  return { url: `http://127.0.0.1:${port}`, port, close: () => closeServer(server) };
}
