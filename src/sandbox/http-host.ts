// Serves HTTP functions on a local port the way the Azure Functions host does: `/api/{route}`,
// with HttpRequest and InvocationContext objects built from the incoming request. Extra local
// routes (the sandbox's fault API) are served beside them.
import { randomUUID } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import azf from "@azure/functions";
import type { HttpResponseInit } from "@azure/functions";
import type { HttpFunction } from "../../functions/handlers.js";

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
  readonly host: string;
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

async function readBody(req: http.IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > BODY_LIMIT_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

export async function startHttpHost(options: HttpHostOptions): Promise<HttpHost> {
  const functions = options.functions.map((f) => ({ f, match: compile(`/api/${f.route}`) }));
  const routes = (options.routes ?? []).map((r) => ({ r, match: compile(r.path) }));

  const server = http.createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? "/", `http://${req.headers.host ?? "localhost"}`);
      const method = (req.method ?? "GET").toUpperCase();
      try {
        const body = await readBody(req);
        if (body === undefined)
          return send(res, 413, {
            error: {
              code: "PayloadTooLarge",
              message: `bodies are limited to ${BODY_LIMIT_BYTES} bytes`,
            },
          });

        for (const { r, match } of routes) {
          const params = match(url.pathname);
          if (params && r.method === method) {
            const answer = await r.handle(params);
            return send(res, answer.status, answer.body, answer.headers);
          }
        }
        for (const { f, match } of functions) {
          const params = match(url.pathname);
          if (!params || !f.methods.includes(method as "GET" | "POST")) continue;
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(req.headers))
            if (typeof v === "string") headers[k] = v;
          const request = new azf.HttpRequest({
            method,
            url: url.toString(),
            headers,
            params,
            ...(body === "" ? {} : { body: { string: body } }),
          });
          const context = new azf.InvocationContext({
            invocationId: randomUUID(),
            functionName: f.name,
            logHandler: (level, ...args) => options.log(level, args.map(String).join(" ")),
          });
          return sendInit(res, await f.handler(request, context));
        }
        if (url.pathname === "/" && method === "GET")
          return send(res, 302, "", { location: "/api/status" });
        const known = [
          ...routes.map((r) => r.r.path),
          ...functions.map((f) => `/api/${f.f.route}`),
        ];
        send(res, 404, {
          error: { code: "NotFound", message: `no ${method} ${url.pathname} here`, routes: known },
        });
      } catch (error) {
        options.log(
          "error",
          `local host: ${method} ${url.pathname} failed: ${(error as Error).stack ?? String(error)}`,
        );
        if (!res.headersSent)
          send(res, 500, {
            error: { code: "InternalError", message: "the local host failed to answer" },
          });
        else res.destroy();
      }
    })();
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) =>
      reject(
        error.code === "EADDRINUSE"
          ? new Error(
              `port ${options.port} on ${options.host} is in use: set TANDEM_PORT to a free port`,
            )
          : error,
      ),
    );
    server.listen(options.port, options.host, resolve);
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${options.host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
