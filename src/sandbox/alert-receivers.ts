// Loopback stand-ins for the receivers of the sandbox's alert channels, one per shape: a Teams
// Workflows webhook (202), a Slack incoming webhook (200 "ok"), PagerDuty's Events API v2 (202
// with the dedup_key) and a Standard Webhooks endpoint that verifies the signature. Each keeps
// what it got; the sandbox prints one line per alert (the receivers that got it within a moment
// of each other on one line) and lists them at GET /sandbox/alerts. A receiver can be told to
// misbehave (hang, 429, 500, 410), for tests and for trying it.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";
import { timeOfDay } from "../adapters/log/console-log.js";

export const RECEIVER_KINDS = ["teams", "slack", "pagerduty", "webhook"] as const;
export type ReceiverKind = (typeof RECEIVER_KINDS)[number];
export type ReceiverMode = "ok" | "hang" | "429" | "500" | "410";

export interface Received {
  readonly kind: ReceiverKind;
  /** Receipt time, this process's clock. */
  readonly at: number;
  /** One line: the alert's title as the receiver shows it. */
  readonly title: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: unknown;
  readonly raw: string;
  /** What the receiver answered. */
  readonly status: number;
  /** For the webhook: whether the signature verified. */
  readonly verified?: boolean;
}

/** The secrets the receivers expect (a sandbox is nothing real; these are its own). */
export const RECEIVER_SECRETS = {
  teamsPath: "/teams/workflows/8c1d7e1a/triggers/manual/paths/invoke?sig=sandbox-teams-signature",
  slackPath: "/slack/services/T0SANDBOX/B0SANDBOX/sandboxslacktoken0000",
  pagerDutyKey: "sandboxroutingkey0000000000000000",
  // 32 bytes, base64: a Standard Webhooks secret.
  webhookSecret: "whsec_c2FuZGJveC13ZWJob29rLXNpZ25pbmctc2VjcmV0ISE=",
} as const;

const withoutIcon = (text: string) => text.replace(/^[^\x20-\x7e]+\s*/u, "");

/** A path into parsed JSON, or undefined. */
function at(value: unknown, ...path: (string | number)[]): unknown {
  let v = value;
  for (const p of path)
    v = typeof v === "object" && v !== null ? (v as Record<string, unknown>)[p] : undefined;
  return v;
}

/** The alert's title as each receiver got it, without its icon. */
function titleOf(kind: ReceiverKind, body: unknown): string {
  const text = (v: unknown) => (typeof v === "string" ? v : "");
  switch (kind) {
    case "teams":
      return withoutIcon(
        text(at(body, "attachments", 0, "content", "body", 0, "items", 0, "text")),
      );
    case "slack":
      return withoutIcon(text(at(body, "text")));
    case "pagerduty":
      return at(body, "event_action") === "resolve"
        ? `(resolve ${text(at(body, "dedup_key"))})`
        : text(at(body, "payload", "summary"));
    case "webhook":
      return text(at(body, "data", "title"));
  }
}

export class AlertReceivers {
  readonly received: Received[] = [];
  readonly modes: Record<ReceiverKind, ReceiverMode> = {
    teams: "ok",
    slack: "ok",
    pagerduty: "ok",
    webhook: "ok",
  };
  /** Requests per receiver, whatever they were answered. */
  readonly requests: Record<ReceiverKind, number> = {
    teams: 0,
    slack: 0,
    pagerduty: 0,
    webhook: 0,
  };
  /** Modes for the next requests, one each, before `modes` applies again. */
  readonly #script: Record<ReceiverKind, ReceiverMode[]> = {
    teams: [],
    slack: [],
    pagerduty: [],
    webhook: [],
  };
  /** Requests a hanging receiver has not answered. */
  readonly #hanging = new Set<http.ServerResponse>();
  #server: http.Server | undefined;
  #port = 0;
  readonly #print: ((line: string) => void) | undefined;
  readonly #verifier = new Webhook(RECEIVER_SECRETS.webhookSecret);
  /** Lines waiting a moment for the same alert from the other receivers, by title. */
  readonly #batches = new Map<string, { kinds: ReceiverKind[]; timer: NodeJS.Timeout }>();
  #latest: string | undefined;

  /** `print`: where the one line per alert goes (none: print nothing). */
  constructor(print?: (line: string) => void) {
    this.#print = print;
  }

  get url(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  /** Where each receiver listens: what the sandbox's app settings hold. */
  urls(): { teams: string; slack: string; pagerduty: string; webhook: string } {
    return {
      teams: `${this.url}${RECEIVER_SECRETS.teamsPath}`,
      slack: `${this.url}${RECEIVER_SECRETS.slackPath}`,
      pagerduty: `${this.url}/pagerduty/v2/enqueue`,
      webhook: `${this.url}/webhook`,
    };
  }

  /** Answers the next requests to `kind` in these modes, one each, then as `modes` says. */
  script(kind: ReceiverKind, modes: readonly ReceiverMode[]): void {
    this.#script[kind].push(...modes);
  }

  /** Answers every request left hanging with 503 (the sender tries again). */
  release(): void {
    for (const res of this.#hanging) res.writeHead(503).end("released");
    this.#hanging.clear();
  }

  async start(): Promise<void> {
    const server = http.createServer((req, res) => void this.#handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    this.#port = (server.address() as AddressInfo).port;
    this.#server = server;
  }

  async stop(): Promise<void> {
    for (const [title, batch] of this.#batches) {
      clearTimeout(batch.timer);
      this.#flush(title);
    }
    const server = this.#server;
    this.#server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  #kindOf(url: string): ReceiverKind | undefined {
    if (url === RECEIVER_SECRETS.teamsPath) return "teams";
    if (url === RECEIVER_SECRETS.slackPath) return "slack";
    if (url === "/pagerduty/v2/enqueue") return "pagerduty";
    if (url === "/webhook") return "webhook";
    return undefined;
  }

  async #handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString("utf8");
    const kind = req.method === "POST" ? this.#kindOf(req.url ?? "") : undefined;
    if (!kind) {
      res.writeHead(404, { "content-type": "text/plain" }).end("no such receiver");
      return;
    }
    this.requests[kind]++;
    const mode = this.#script[kind].shift() ?? this.modes[kind];
    if (mode === "hang") {
      // Never answers (the sender's timeout ends it), unless released.
      this.#hanging.add(res);
      res.on("close", () => this.#hanging.delete(res));
      return;
    }
    if (mode !== "ok") {
      const headers: Record<string, string> =
        mode === "429" ? { "retry-after": "1", "content-type": "text/plain" } : {};
      // A careless receiver's error page quotes the request: Tandem must not pass that on.
      const answer =
        mode === "410" ? "gone" : mode === "500" ? `failed on ${raw.slice(0, 2000)}` : "try later";
      res.writeHead(Number(mode), headers).end(answer);
      return;
    }
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      res.writeHead(400).end("not JSON");
      return;
    }
    const headers = Object.fromEntries(
      Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(",") : (v ?? "")]),
    );
    let verified: boolean | undefined;
    if (kind === "webhook") {
      try {
        this.#verifier.verify(raw, headers);
        verified = true;
      } catch {
        verified = false;
      }
    }
    const status = kind === "webhook" ? (verified ? 204 : 401) : kind === "slack" ? 200 : 202;
    const title = titleOf(kind, body);
    this.received.push({
      kind,
      at: Date.now(),
      title,
      headers,
      body,
      raw,
      status,
      ...(verified === undefined ? {} : { verified }),
    });
    if (kind === "pagerduty") {
      const dedup = (body as { dedup_key?: unknown }).dedup_key;
      res
        .writeHead(202, { "content-type": "application/json" })
        .end(JSON.stringify({ status: "success", message: "Event processed", dedup_key: dedup }));
    } else if (kind === "slack") res.writeHead(200, { "content-type": "text/plain" }).end("ok");
    else res.writeHead(status).end();
    if (status < 300) this.#say(kind, title);
  }

  /** One line per alert: receivers that get the same one within a moment share it. */
  #say(kind: ReceiverKind, title: string): void {
    if (!this.#print) return;
    // A PagerDuty resolve carries no title: it joins the latest alert the others got.
    const key = title.startsWith("(resolve ") && this.#latest ? this.#latest : title;
    const open = this.#batches.get(key);
    if (open) {
      open.kinds.push(kind);
      return;
    }
    const timer = setTimeout(() => this.#flush(key), 300);
    timer.unref();
    this.#batches.set(key, { kinds: [kind], timer });
    this.#latest = key;
  }

  #flush(title: string): void {
    const batch = this.#batches.get(title);
    this.#batches.delete(title);
    if (!batch || !this.#print) return;
    this.#print(
      `${timeOfDay()}  ${"alert".padEnd(24)} ${title}  [${[...new Set(batch.kinds)].join(", ")}]`,
    );
  }

  /** What each receiver got, for GET /sandbox/alerts. */
  summary(): Record<ReceiverKind, { mode: ReceiverMode; alerts: { at: string; title: string }[] }> {
    return Object.fromEntries(
      RECEIVER_KINDS.map((kind) => [
        kind,
        {
          mode: this.modes[kind],
          alerts: this.received
            .filter((r) => r.kind === kind)
            .map((r) => ({ at: new Date(r.at).toISOString(), title: r.title })),
        },
      ]),
    ) as Record<ReceiverKind, { mode: ReceiverMode; alerts: { at: string; title: string }[] }>;
  }
}
