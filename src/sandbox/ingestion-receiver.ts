// A local Application Insights ingestion endpoint on loopback, over HTTPS (the package insists on
// https) with a certificate made at start-up: it takes what Azure Monitor's `/v2.1/track` takes
// (a JSON array of envelopes, gzipped or not), keeps the envelopes, and can be told to hang or
// fail, for the sandbox's `--telemetry` and for tests. Nothing leaves the machine.
import type http from "node:http";
import https from "node:https";
import type { AddressInfo, Socket } from "node:net";
import { gunzipSync } from "node:zlib";
import { createCertificateAuthority } from "./certificates.js";

/** One record as Application Insights receives it. */
export interface Envelope {
  readonly name: string;
  readonly time: string;
  readonly iKey: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly data: {
    readonly baseType: string;
    readonly baseData: Readonly<Record<string, unknown>> & {
      readonly name?: string;
      readonly properties?: Readonly<Record<string, string>>;
      readonly measurements?: Readonly<Record<string, number>>;
    };
  };
}

/** How the receiver answers: 200 with what it took, never, or 500. */
export type IngestionMode = "accept" | "hang" | "fail";

export class IngestionReceiver {
  readonly envelopes: Envelope[] = [];
  /** TCP connections accepted so far. */
  connections = 0;
  #mode: IngestionMode = "accept";
  /** Requests held while hanging: answered (500) when the receiver stops hanging or stops. */
  readonly #held = new Set<http.ServerResponse>();
  #server?: https.Server;
  #sockets = new Set<Socket>();
  #ca = "";
  readonly #onEnvelope: (envelope: Envelope) => void;

  constructor(onEnvelope: (envelope: Envelope) => void = () => {}) {
    this.#onEnvelope = onEnvelope;
  }

  get mode(): IngestionMode {
    return this.#mode;
  }

  set mode(mode: IngestionMode) {
    this.#mode = mode;
    if (mode !== "hang") this.#release();
  }

  #release(): void {
    for (const res of this.#held) {
      res.writeHead(500);
      res.end();
    }
    this.#held.clear();
  }

  /** The CA that signed the receiver's certificate: give it to the exporter (`ingestionCa`). */
  get ca(): string {
    return this.#ca;
  }

  get url(): string {
    const address = this.#server?.address() as AddressInfo | null | undefined;
    if (!address) throw new Error("the ingestion receiver is not started");
    return `https://127.0.0.1:${address.port}/`;
  }

  /** A connection string that sends here (the instrumentation key is a placeholder). */
  get connectionString(): string {
    return `InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=${this.url}`;
  }

  async start(): Promise<void> {
    const authority = await createCertificateAuthority("Tandem ingestion CA");
    const leaf = await authority.issue({ names: ["127.0.0.1", "localhost"] });
    this.#ca = authority.cert;
    const server = https.createServer({ cert: leaf.cert, key: leaf.key }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        if (this.#mode === "hang") {
          this.#held.add(res);
          return;
        }
        if (this.#mode === "fail") {
          res.writeHead(500, { "content-type": "application/json" });
          res.end(JSON.stringify({ itemsReceived: 0, itemsAccepted: 0, errors: [] }));
          return;
        }
        let body = Buffer.concat(chunks);
        if (req.headers["content-encoding"] === "gzip") body = gunzipSync(body);
        let taken: Envelope[];
        try {
          const parsed: unknown = JSON.parse(body.toString("utf8"));
          taken = Array.isArray(parsed) ? (parsed as Envelope[]) : [];
        } catch {
          res.writeHead(400);
          res.end();
          return;
        }
        for (const envelope of taken) {
          this.envelopes.push(envelope);
          this.#onEnvelope(envelope);
        }
        res.writeHead(200, { "content-type": "application/json" });
        res.end(
          JSON.stringify({ itemsReceived: taken.length, itemsAccepted: taken.length, errors: [] }),
        );
      });
    });
    server.on("connection", (socket: Socket) => {
      this.connections++;
      this.#sockets.add(socket);
      socket.on("close", () => this.#sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    this.#server = server;
  }

  async stop(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#release();
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    this.#server = undefined;
  }
}

/** One line per record, as the sandbox prints it with `--telemetry`. */
export function describeEnvelope(envelope: Envelope): string {
  const data = envelope.data.baseData;
  const props = data.properties ?? {};
  const op = props["operation"] ? `  op ${props["operation"]}` : "";
  const incident = props["incident"] ? `  incident ${props["incident"]}` : "";
  const ms = (d: unknown) => {
    const m = /^(?:(\d+)\.)?(\d\d):(\d\d):(\d\d)\.(\d+)$/.exec(String(d)) ?? [];
    const [, days, h, min, s, frac] = m;
    if (h === undefined) return String(d);
    const total =
      ((Number(days ?? 0) * 24 + Number(h)) * 60 + Number(min)) * 60_000 +
      Number(s) * 1000 +
      Number(`0.${frac}`) * 1000;
    return `${Math.round(total)} ms`;
  };
  switch (envelope.data.baseType) {
    case "AvailabilityData": {
      const probes = data.measurements?.["probes"];
      const what =
        probes === undefined
          ? `${data["success"] ? "ok" : `FAILED ${String(data["message"])}`} in ${ms(data["duration"])}`
          : `summary of ${probes} probes since ${props["windowStart"] ?? "?"}, ${data.measurements?.["passed"] ?? "?"} passed, mean ${ms(data["duration"])}`;
      return `availability  ${String(data.name)} from ${String(data["runLocation"])}: ${what}${op}`;
    }
    case "EventData":
      return `event         ${String(data.name)} ${Object.entries(props)
        .filter(([k]) => !["observer", "instance", "operation", "incident"].includes(k))
        .map(([k, v]) => `${k}=${v}`)
        .join(" ")
        .slice(0, 160)}${op}${incident}`;
    case "RemoteDependencyData":
      return `dependency    ${props["kind"] ?? "?"} ${String(data.name)} -> ${String(data["resultCode"])} in ${ms(data["duration"])}${op}${incident}`;
    case "MetricData": {
      const metrics = (data["metrics"] ?? []) as { name: string; value: number; count?: number }[];
      return `metric        ${metrics.map((m) => `${m.name}=${Math.round(m.value)}${m.count ? ` (n=${m.count})` : ""}`).join(", ")} ${Object.entries(
        props,
      )
        .map(([k, v]) => `${k}=${v}`)
        .join(" ")}`;
    }
    default:
      return `${envelope.data.baseType} ${envelope.name}`;
  }
}
