// An emulated regional stamp of the sample application: a health endpoint on loopback that the
// fault API can take down and bring back. A stamp on an emulated AKS cluster also needs its
// cluster to run (`gate`): a stopped passive-cold cluster serves nothing.
import http from "node:http";
import { LoopbackServer } from "./listen.js";

export type RegionMode = "up" | "down";

export class RegionalApp {
  readonly region: string;
  #mode: RegionMode = "up";
  readonly #listener = new LoopbackServer();

  readonly #gate: () => boolean;

  constructor(region: string, gate: () => boolean = () => true) {
    this.region = region;
    this.#gate = gate;
  }

  /** Whether it answers its health checks now: up, and its cluster (if any) running. */
  get serving(): boolean {
    return this.#mode === "up" && this.#gate();
  }

  /** host:port, as Traffic Manager endpoints and Front Door origins name it. */
  get host(): string {
    return `127.0.0.1:${this.#listener.port}`;
  }

  get mode(): RegionMode {
    return this.#mode;
  }

  set mode(mode: RegionMode) {
    this.#mode = mode;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.#listener.port}`;
  }

  get healthUrl(): string {
    return `${this.baseUrl}/healthz`;
  }

  async start(): Promise<void> {
    const server = http.createServer((req, res) => {
      const up = this.serving;
      const path = new URL(req.url ?? "/", "http://x").pathname;
      const body =
        path === "/healthz"
          ? { region: this.region, status: up ? "ok" : "down" }
          : { region: this.region, message: up ? `Hello from ${this.region}` : "region is down" };
      res.writeHead(up ? 200 : 503, {
        "content-type": "application/json",
        "x-served-by": this.region,
      });
      res.end(JSON.stringify(body));
    });
    server.keepAliveTimeout = 1000;
    await this.#listener.listen(server);
  }

  stop(): Promise<void> {
    return this.#listener.stop();
  }
}
