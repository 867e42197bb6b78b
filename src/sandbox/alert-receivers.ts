// Loopback stand-ins for the receivers of alert channels, one per channel kind, each the kind's
// own (`receiver.ts` in its folder, named by the kind), all on one server under their own paths.
// Each keeps what it got; the sandbox prints one line per alert (the receivers that got it within
// a moment of each other on one line) and lists them at GET /sandbox/alerts. A receiver can be
// told to misbehave (hang, 400, 429, 500, 410, reset), for tests and for trying it.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { timeOfDay } from "../adapters/log/console-log.js";
import { CHANNEL_KINDS } from "../channels/registry.js";
import type { ChannelKindRegistry, ChannelReceiver } from "../channels/types.js";

export const RECEIVER_MODES = ["ok", "hang", "400", "429", "500", "410", "reset"] as const;
export type ReceiverMode = (typeof RECEIVER_MODES)[number];

/** The built-in kinds, which every AlertReceivers without a registry of its own has. */
type BuiltInKind = (typeof CHANNEL_KINDS)[number]["kind"];
/** A value per kind: the built-in kinds' are always there. */
type PerKind<T> = Record<BuiltInKind, T> & Partial<Record<string, T>>;

export interface Received {
  readonly kind: string;
  /** Receipt time, this process's clock. */
  readonly at: number;
  /** One line: the alert's title as the receiver shows it. */
  readonly title: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: unknown;
  readonly raw: string;
  /** What the receiver answered. */
  readonly status: number;
  /** For a kind that signs: whether the signature verified. */
  readonly verified?: boolean;
}

/** One channel of a kind, to its receiver, and the app settings its secret references name. */
interface ReceiverChannels {
  readonly channels: Record<string, unknown>[];
  readonly env: Record<string, string>;
}

const perKind = <T>(kinds: readonly string[], value: () => T) =>
  Object.fromEntries(kinds.map((k) => [k, value()])) as PerKind<T>;

/** A kind or a field as part of an app setting's name: `webhookUrl` is `WEBHOOK_URL`. */
const settingName = (part: string) =>
  part
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .replace(/[^A-Za-z0-9]+/g, "_")
    .toUpperCase();

export class AlertReceivers {
  readonly received: Received[] = [];
  /** The kinds whose receivers it serves, in the registry's order. */
  readonly kinds: readonly string[];
  readonly modes: PerKind<ReceiverMode>;
  /** Requests per receiver, whatever they were answered. */
  readonly requests: PerKind<number>;
  /** Modes for the next requests, one each, before `modes` applies again. */
  readonly #script: PerKind<ReceiverMode[]>;
  readonly #registry: ChannelKindRegistry;
  readonly #receivers = new Map<string, ChannelReceiver>();
  /** Requests a hanging receiver has not answered. */
  readonly #hanging = new Set<http.ServerResponse>();
  #server: http.Server | undefined;
  #port = 0;
  readonly #print: ((line: string) => void) | undefined;
  /** Lines waiting a moment for the same alert from the other receivers, by title. */
  readonly #batches = new Map<string, { kinds: string[]; timer: NodeJS.Timeout }>();
  #latest: string | undefined;

  /**
   * `print`: where the one line per alert goes (none: print nothing); `registry`: the kinds
   * whose receivers it serves (CHANNEL_KINDS by default).
   */
  constructor(print?: (line: string) => void, registry: ChannelKindRegistry = CHANNEL_KINDS) {
    this.#print = print;
    this.#registry = registry;
    this.kinds = registry.map((k) => k.kind);
    this.modes = perKind(this.kinds, (): ReceiverMode => "ok");
    this.requests = perKind(this.kinds, () => 0);
    this.#script = perKind(this.kinds, (): ReceiverMode[] => []);
  }

  get url(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  #receiver(kind: string): ChannelReceiver {
    const receiver = this.#receivers.get(kind);
    if (!receiver) throw new Error(`no receiver of kind "${kind}" started (start() first)`);
    return receiver;
  }

  /** Where each receiver listens: what the channels' settings hold. */
  urls(): PerKind<string> {
    return Object.fromEntries(
      this.kinds.map((k) => [k, `${this.url}${this.#receiver(k).path}`]),
    ) as PerKind<string>;
  }

  /**
   * One channel per kind (all, or those given), named by its kind, sending to its receiver; its
   * secrets are app settings named `${prefix}_${KIND}_${FIELD}`, whose values `env` holds.
   */
  channels(prefix: string, kinds: readonly string[] = this.kinds): ReceiverChannels {
    const env: Record<string, string> = {};
    const channels = kinds.map((kind) => {
      const receiver = this.#receiver(kind);
      const url = `${this.url}${receiver.path}`;
      const setting = (field: string) => `${prefix}_${settingName(kind)}_${settingName(field)}`;
      for (const [field, value] of Object.entries(receiver.secrets(url)))
        env[setting(field)] = value;
      return { kind, name: kind, ...receiver.settings(url, (field) => `env:${setting(field)}`) };
    });
    return { channels, env };
  }

  /** Every secret value the receivers' channels hold: none may appear in a log or an error. */
  secretValues(): string[] {
    const urls = this.urls();
    return this.kinds.flatMap((k) => [...this.#receiver(k).secretValues(urls[k] ?? "")]);
  }

  /** Answers the next requests to `kind` in these modes, one each, then as `modes` says. */
  script(kind: string, modes: readonly ReceiverMode[]): void {
    (this.#script[kind] ??= []).push(...modes);
  }

  /** Answers every request left hanging with 503 (the sender tries again). */
  release(): void {
    for (const res of this.#hanging) res.writeHead(503).end("released");
    this.#hanging.clear();
  }

  async start(): Promise<void> {
    for (const kind of this.#registry) {
      const module = (await import(kind.receiver)) as { receiver: ChannelReceiver };
      this.#receivers.set(kind.kind, module.receiver);
    }
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

  #kindOf(url: string): string | undefined {
    return [...this.#receivers].find(([, r]) => r.path === url)?.[0];
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
    this.requests[kind] = (this.requests[kind] ?? 0) + 1;
    const mode = this.#script[kind]?.shift() ?? this.modes[kind] ?? "ok";
    if (mode !== "ok") {
      this.#misbehave(mode, raw, res);
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
    const answer = this.#receiver(kind).answer({ raw, body, headers });
    this.received.push({
      kind,
      at: Date.now(),
      title: answer.title,
      headers,
      body,
      raw,
      status: answer.status,
      ...(answer.verified === undefined ? {} : { verified: answer.verified }),
    });
    res.writeHead(answer.status, answer.headers).end(answer.body);
    if (answer.status < 300) this.#say(kind, answer.title);
  }

  #misbehave(mode: Exclude<ReceiverMode, "ok">, raw: string, res: http.ServerResponse): void {
    if (mode === "hang") {
      // Never answers (the sender's timeout ends it), unless released.
      this.#hanging.add(res);
      res.on("close", () => this.#hanging.delete(res));
      return;
    }
    if (mode === "reset") {
      // The connection drops before any answer.
      res.socket?.destroy();
      return;
    }
    if (mode === "400") {
      // A malformed answer: bytes that are not UTF-8, quoting the request, cut off before the
      // length it declared.
      const page = Buffer.concat([Buffer.from([0xff, 0xfe, 0x00]), Buffer.from(`bad ${raw}`)]);
      res.writeHead(400, { "content-length": String(page.length + 100) });
      res.write(page, () => res.socket?.destroy());
      return;
    }
    // A careless receiver's error page quotes the request: Tandem must not pass that on.
    const answers: Record<typeof mode, string> = {
      "410": "gone",
      "429": "try later",
      "500": `failed on ${raw.slice(0, 2000)}`,
    };
    const headers: Record<string, string> =
      mode === "429" ? { "retry-after": "1", "content-type": "text/plain" } : {};
    res.writeHead(Number(mode), headers).end(answers[mode]);
  }

  /** One line per alert: receivers that get the same one within a moment share it. */
  #say(kind: string, title: string): void {
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
  summary(): Record<string, { mode: ReceiverMode; alerts: { at: string; title: string }[] }> {
    return Object.fromEntries(
      this.kinds.map((kind) => [
        kind,
        {
          mode: this.modes[kind] ?? "ok",
          alerts: this.received
            .filter((r) => r.kind === kind)
            .map((r) => ({ at: new Date(r.at).toISOString(), title: r.title })),
        },
      ]),
    );
  }
}
