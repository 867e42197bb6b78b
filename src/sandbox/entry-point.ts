// The emulated global entry point: forwards each request to the regional app that `route` picks,
// as Traffic Manager or Front Door would. Until the emulated levers exist it routes to the
// group's primary region, healthy or not, so a probe of it shows what users would see.
import http from "node:http";
import { LoopbackServer } from "./listen.js";
import type { RegionalApp } from "./regional-app.js";

export class EntryPoint {
  readonly #route: () => RegionalApp | undefined;
  readonly #listener = new LoopbackServer();

  constructor(route: () => RegionalApp | undefined) {
    this.#route = route;
  }

  get healthUrl(): string {
    return `http://127.0.0.1:${this.#listener.port}/healthz`;
  }

  async start(): Promise<void> {
    const server = http.createServer((req, res) => {
      const target = this.#route();
      if (!target) {
        res.writeHead(503, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: "no region is routed" }));
        return;
      }
      const upstream = http.request(
        `${target.baseUrl}${req.url ?? "/"}`,
        {
          method: req.method,
          headers: { ...req.headers, host: new URL(target.baseUrl).host },
          agent: false,
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.on("error", () => {
        if (!res.headersSent) res.writeHead(502, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: `region ${target.region} did not answer` }));
      });
      req.pipe(upstream);
    });
    await this.#listener.listen(server);
  }

  stop(): Promise<void> {
    return this.#listener.stop();
  }
}
