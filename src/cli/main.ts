#!/usr/bin/env node
// The `tandem` command: the operator API from a terminal or a script. Human output on stdout by
// default, `--json` for scripts; progress and errors go to stderr so that stdout stays clean.
// Exit codes scripts can rely on are listed in HELP.
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import type {
  AuditAnswer,
  CommandAccepted,
  CommandInput,
  DrillResult,
  DryRunAnswer,
  ChannelTestAnswer,
  ErrorBody,
  IncidentDetail,
  IncidentsAnswer,
  PauseAnswer,
  Plan,
  RefusedAnswer,
  StatusView,
} from "../app/api/types.js";
import { printable } from "../app/printable.js";
import type { Incident } from "../core/incident.js";
import { TERMINAL } from "../core/incident.js";
import { DEPLOY_HELP } from "./deploy-help.js";
import { tokenTransportProblem } from "./plain-http.js";
import { VERSION } from "../version.js";
// The configuration schema (zod) and the deployment commands load when a command needs them, so
// that `tandem --help` and the API commands answer without paying for them.

export const EXIT = {
  ok: 0,
  /** The command ran, and what it waited for ended badly (incident failed or aborted). */
  failed: 1,
  usage: 2,
  /** Refused by a safety rule, in conflict with a running incident, or not found. */
  refused: 3,
  /** Not signed in, or without the role. */
  denied: 4,
  /** Tandem could not be reached or could not answer. */
  unavailable: 5,
} as const;

const HELP = `Usage: tandem <command> [options]

Commands:
  status [--watch]                          groups, regions, verdicts, routing, incidents
  failover GROUP --to REGION --reason TEXT  move GROUP's traffic to REGION
           [--dry-run] [--override] [--wait] [--key KEY]
  failback GROUP --reason TEXT [--to REGION] [--dry-run] [--wait] [--key KEY]
  pause (GROUP | --all) --reason TEXT       stop automatic failover (manual commands still work)
  resume (GROUP | --all) --reason TEXT
  drill GROUP --reason TEXT                 play failover and failback on levers that change
                                            nothing, on a simulated clock: answers at once with
                                            each step and its expected time
  incidents [ID] [--group G] [--limit N]    recent incidents, or one with its steps
  audit [--limit N] [--before N]            the audit log, newest first
  audit refused [--limit N] [--before N]    calls refused before they did anything (401, 403,
                                            400), counted per caller and minute, newest first
  alerts test CHANNEL                       send a sample alert through CHANNEL and show
                                            the receiver's answer
  validate-config [FILE]                    check a configuration file (default tandem.config.json)
${DEPLOY_HELP}

Options:
  --api URL     Tandem's API (default: TANDEM_API, or the sandbox on loopback at TANDEM_PORT or 7071);
                deploy order and wait-live take it once per observer and ask each in turn
  --token T     bearer token (default: TANDEM_TOKEN); sent over https, or over http to loopback only
  --json        machine-readable output on stdout
  --wait        follow the incident until it ends, showing each step (on stderr)
  --version     print the version of this tandem command

Exit codes: 0 done; 1 the incident waited for failed or was aborted; 2 bad usage or request;
3 refused (a safety rule, a running incident, an unknown group or region); 4 not signed in or
not allowed; 5 Tandem unreachable or failing.`;

class Usage extends Error {}

interface Io {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  /** Whether stderr is a terminal (progress is then redrawn in place). */
  readonly tty: boolean;
  readonly sleep: (ms: number) => Promise<void>;
  readonly fetch: typeof fetch;
}

interface Api {
  readonly base: string;
  readonly token?: string;
  readonly io: Io;
}

/** An answer read through the type the API writes it with (src/app/api/answers.ts). */
interface Answer<T> {
  readonly status: number;
  readonly body: T;
}

class ApiFailure extends Error {
  readonly exit: number;
  readonly body: unknown;
  /** The HTTP status Tandem answered with, if it answered. */
  readonly status: number | undefined;
  constructor(message: string, exit: number, body?: unknown, status?: number) {
    super(message);
    this.exit = exit;
    this.body = body;
    this.status = status;
  }
}

const exitFor = (status: number) =>
  status === 400 || status === 413
    ? EXIT.usage
    : status === 401 || status === 403
      ? EXIT.denied
      : status === 404 || status === 409
        ? EXIT.refused
        : status >= 500
          ? EXIT.unavailable
          : EXIT.failed;

async function call<T>(
  api: Api,
  method: "GET" | "POST",
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Answer<T>> {
  const problem = tokenTransportProblem(api.base, api.token !== undefined);
  if (problem) throw new ApiFailure(problem, EXIT.usage);
  let response: Response;
  try {
    response = await api.io.fetch(`${api.base}${path}`, {
      method,
      headers: {
        accept: "application/json",
        ...(body === undefined ? {} : { "content-type": "application/json" }),
        ...(api.token ? { authorization: `Bearer ${api.token}` } : {}),
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      // A redirect here is a sign-in page (App Service Authentication), never an answer.
      redirect: "manual",
      signal: AbortSignal.timeout(60_000),
    });
  } catch (error) {
    throw new ApiFailure(
      `cannot reach Tandem at ${api.base}: ${(error as Error).message}${api.base.startsWith("http://127.0.0.1:") ? " (is the sandbox running? npm start; its port comes from TANDEM_PORT, or --api URL)" : ""}`,
      EXIT.unavailable,
    );
  }
  if (response.status >= 300 && response.status < 400)
    throw new ApiFailure(
      `${response.status}: Tandem redirected to ${response.headers.get("location") ?? "somewhere"}, a sign-in page: pass --token (or TANDEM_TOKEN)`,
      EXIT.denied,
    );
  const text = await response.text();
  if (response.status < 400 && !/json/i.test(response.headers.get("content-type") ?? ""))
    throw new ApiFailure(
      `${response.status}: Tandem answered ${response.headers.get("content-type") ?? "without a content type"}, not JSON; is --api the Tandem API?`,
      EXIT.unavailable,
    );
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = { error: { code: "NotJson", message: text.slice(0, 300) } };
  }
  if (response.status >= 400) {
    const error = (parsed as Partial<ErrorBody> | undefined)?.error;
    throw new ApiFailure(
      `${response.status} ${error?.code ?? response.statusText}: ${error?.message ?? text.slice(0, 300)}`,
      exitFor(response.status),
      parsed,
      response.status,
    );
  }
  return { status: response.status, body: parsed as T };
}

const duration = (ms: number) => {
  const s = Math.max(0, Math.round(ms / 1000));
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
};

function formatStatus(body: StatusView): string {
  const lines: string[] = [];
  const lease = body.lease
    ? `lease ${body.lease.holder} (epoch ${body.lease.epoch})`
    : "lease: nobody holds it";
  const observers = body.observers
    .map((o) => `${o.region} ${o.liveness}${o.impaired ? " (impaired)" : ""}`)
    .join(", ");
  lines.push(`${lease}; observers: ${observers}`);
  for (const g of body.groups) {
    lines.push("");
    lines.push(
      `${g.name}  ${g.model}, automation ${g.automation}, primary ${g.routing?.serving.join(" and ") || "unknown"}${g.routing ? ` (levers read ${duration(g.routing.ageSeconds * 1000)} ago)` : ""}`,
    );
    for (const r of g.regions) {
      const route = g.routing?.regions.find((x) => x.region === r.name);
      const routing = route
        ? `${route.enabled ? "enabled" : "disabled"} p${route.priority}`
        : "no lever";
      // Where traffic goes now (the header's primary comes from the same routing), and a
      // passive-cold standby at rest as what it is, not as an outage.
      lines.push(
        `  ${r.name.padEnd(14)} ${(r.traffic ?? r.role).padEnd(10)} ${(r.coldStandby ? "cold standby" : r.verdict).padEnd(12)} ${routing.padEnd(12)} ${(r.cluster?.power ?? "").padEnd(r.cluster ? 9 : 0)}${r.reason}`,
      );
    }
    if (g.pause) lines.push(`  automation paused by ${g.pause.by}: ${g.pause.reason}`);
    if (g.manualRouting)
      lines.push(
        `  routing chosen by ${g.manualRouting.by ?? "a person"} (incident ${g.manualRouting.incident}): automatic failback waits until a person fails back or resumes automation`,
      );
    if (g.incident)
      lines.push(
        `  incident ${g.incident.id}: ${g.incident.kind} to ${g.incident.to}, ${g.incident.step} (${g.incident.history.at(-1)?.note ?? ""})`,
      );
  }
  if (body.alerts?.length) {
    lines.push("", "alerts");
    for (const c of body.alerts)
      lines.push(
        `  ${c.name.padEnd(14)} ${c.kind.padEnd(10)} ${c.state.padEnd(9)} ${c.target}  ${c.delivered} sent, ${c.failed} failed, ${c.pending} waiting, ${c.givenUp} given up${c.lastFailure ? `; last failure ${c.lastFailure.at.slice(11, 19)} ${c.lastFailure.reason}` : ""}${c.lastGiveUp ? `; last given up ${c.lastGiveUp.at.slice(11, 19)} ${c.lastGiveUp.type}: ${c.lastGiveUp.reason}` : ""}`,
      );
  }
  return lines.join("\n");
}

function formatIncident(i: Incident): string {
  const lines = [
    `${i.id}  ${i.group}: ${i.kind} to ${i.to} (${i.trigger}${i.requestedBy ? ` by ${i.requestedBy}` : ""}), ${i.step}`,
    `  reason: ${i.reason}`,
  ];
  for (const h of i.history)
    lines.push(
      `  ${new Date(h.at).toISOString().slice(11, 19)}  ${h.step.padEnd(16)} epoch ${h.epoch}  ${h.note}`,
    );
  return lines.join("\n");
}

/** Measured time per step, from the incident's history. */
function stepTimes(i: Incident): string[] {
  const firsts: { step: string; at: number }[] = [];
  for (const h of i.history) if (firsts.at(-1)?.step !== h.step) firsts.push(h);
  return firsts.map((f, n) => {
    const next = firsts[n + 1];
    return `  ${f.step.padEnd(16)} ${next ? duration(next.at - f.at) : "-"}`;
  });
}

function formatPlan(plan: Plan): string {
  const lines = [
    `${plan.group}: ${plan.command} to ${plan.to} would end ${plan.outcome} after about ${duration(plan.expectedSeconds * 1000)}`,
  ];
  for (const s of plan.steps)
    lines.push(
      `  +${duration(s.atSeconds * 1000).padEnd(7)} ${s.step.padEnd(16)} ~${duration(s.expectedSeconds * 1000).padEnd(7)} ${s.note}`,
    );
  if (plan.calls.length > 0) lines.push("  lever calls:");
  for (const c of plan.calls)
    lines.push(`    +${duration(c.atSeconds * 1000).padEnd(7)} ${c.lever}: ${c.change}`);
  if (plan.routingAfter) lines.push(`  primary after: ${plan.routingAfter.primary ?? "none"}`);
  lines.push(`  assuming: ${plan.assumptions.join("; ")}`);
  return lines.join("\n");
}

/** Follows an incident until it ends, redrawing one progress line on stderr. */
async function follow(api: Api, id: string): Promise<Answer<IncidentDetail>> {
  const { io } = api;
  let last = "";
  const started = Date.now();
  let failingSince: number | undefined;
  for (;;) {
    let answer: Answer<IncidentDetail>;
    try {
      answer = await call<IncidentDetail>(api, "GET", `/api/incidents/${encodeURIComponent(id)}`);
      failingSince = undefined;
    } catch (error) {
      // A blip (a 5xx, a dropped connection) does not end the watch; a minute of them does.
      if (!(error instanceof ApiFailure) || error.exit !== EXIT.unavailable) throw error;
      failingSince ??= Date.now();
      if (Date.now() - failingSince > 60_000) throw error;
      io.err(`${io.tty ? "\r\x1b[K" : ""}(${error.message}; still following)${io.tty ? "" : "\n"}`);
      await io.sleep(2000);
      continue;
    }
    const i = answer.body;
    const stepStart = i.history.find((h) => h.step === i.step)?.at ?? i.stepStartedAt;
    const line = `${i.step} (${duration(Date.now() - started)} in all, ${duration(Date.now() - stepStart)} in this step): ${i.history.at(-1)?.note ?? ""}`;
    if (io.tty) io.err(`\r\x1b[K${line}`);
    else if (`${i.step}|${i.history.length}` !== last) io.err(`${line}\n`);
    last = `${i.step}|${i.history.length}`;
    if (TERMINAL.has(i.step)) {
      if (io.tty) io.err("\n");
      return answer;
    }
    await io.sleep(1000);
  }
}

export async function run(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  io: Io = {
    out: (t) => process.stdout.write(`${t}\n`),
    err: (t) => process.stderr.write(t),
    tty: process.stderr.isTTY === true,
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    fetch: globalThis.fetch,
  },
): Promise<number> {
  if (argv[0] === "--version" || argv[0] === "version") {
    io.out(`tandem ${VERSION}`);
    return EXIT.ok;
  }
  if (argv.length === 0 || argv[0] === "help" || argv[0] === "--help") {
    io.out(HELP);
    return argv.length === 0 ? EXIT.usage : EXIT.ok;
  }
  let args;
  try {
    args = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        api: { type: "string", multiple: true },
        token: { type: "string" },
        json: { type: "boolean", default: false },
        wait: { type: "boolean", default: false },
        watch: { type: "boolean", default: false },
        to: { type: "string" },
        reason: { type: "string" },
        "dry-run": { type: "boolean", default: false },
        override: { type: "boolean", default: false },
        all: { type: "boolean", default: false },
        key: { type: "string" },
        group: { type: "string" },
        limit: { type: "string" },
        before: { type: "string" },
        out: { type: "string" },
        subscription: { type: "string" },
        check: { type: "boolean", default: false },
        since: { type: "string" },
        "expect-version": { type: "string" },
        timeout: { type: "string" },
        help: { type: "boolean", default: false },
      },
    });
  } catch (error) {
    io.err(`${(error as Error).message}\n\nRun "tandem help" for the commands.\n`);
    return EXIT.usage;
  }
  const [command, ...positional] = args.positionals;
  if (command === undefined || command === "help" || args.values.help) {
    io.out(HELP);
    return command === undefined && !args.values.help ? EXIT.usage : EXIT.ok;
  }
  if (command === "validate-config") return validateConfig(positional, env, io);
  const o = args.values;
  // The sandbox's own port setting (`TANDEM_PORT`, as `npm start` reads it) finds it too.
  const bases = (
    o.api ?? [env["TANDEM_API"] ?? `http://127.0.0.1:${env["TANDEM_PORT"]?.trim() || "7071"}`]
  ).map((b) => b.replace(/\/+$/, ""));
  if (bases.length > 1 && command !== "deploy") {
    io.err(`${command} takes one --api URL (deploy order and wait-live take several)\n`);
    return EXIT.usage;
  }
  const api: Api = {
    base: bases[0]!,
    ...((o.token ?? env["TANDEM_TOKEN"]) ? { token: o.token ?? env["TANDEM_TOKEN"]! } : {}),
    io,
  };
  const print = (human: string, json: unknown) =>
    io.out(o.json ? JSON.stringify(json, null, 2) : human);
  const need = (value: string | undefined, what: string) => {
    if (!value) throw new Usage(`${command} needs ${what}`);
    return value;
  };
  const groupArg = () => {
    if (positional.length !== 1) throw new Usage(`${command} takes one GROUP`);
    return positional[0]!;
  };

  try {
    switch (command) {
      case "deploy": {
        const { runDeploy } = await import("./deploy.js");
        return await runDeploy(
          {
            positional,
            apis: bases,
            check: o.check,
            json: o.json,
            ...(o.out ? { out: o.out } : {}),
            ...(o.subscription ? { subscription: o.subscription } : {}),
            ...(o.since ? { since: o.since } : {}),
            ...(o["expect-version"] ? { expectVersion: o["expect-version"] } : {}),
            ...(o.timeout ? { timeout: o.timeout } : {}),
          },
          { out: io.out, err: io.err, sleep: io.sleep, now: () => new Date() },
          async (base) => {
            try {
              return (await call<StatusView>({ ...api, base }, "GET", "/api/status")).body;
            } catch (error) {
              // /api/status is there once Tandem's code is: a 404 is an app with no code yet.
              if (error instanceof ApiFailure && error.status === 404)
                throw new ApiFailure(
                  `${base}: 404, no Tandem there yet (an app with no code answers 404)`,
                  EXIT.unavailable,
                );
              throw error;
            }
          },
          (error) => error instanceof ApiFailure && error.exit === EXIT.unavailable,
        );
      }
      case "status": {
        if (positional.length > 0) throw new Usage("status takes no arguments");
        for (;;) {
          const { body } = await call<StatusView>(api, "GET", "/api/status");
          if (o.watch && !o.json && io.tty) io.out("\x1b[H\x1b[2J");
          // Watching with --json gives one compact object per line (NDJSON).
          if (o.watch && o.json) io.out(JSON.stringify(body));
          else print(formatStatus(body), body);
          if (!o.watch) return EXIT.ok;
          await io.sleep(2000);
        }
      }
      case "failover":
      case "failback": {
        const group = groupArg();
        const reason = need(o.reason, "--reason TEXT: why, for the audit log");
        const to = command === "failover" ? need(o.to, "--to REGION") : o.to;
        const body: CommandInput<"failback"> & Partial<CommandInput<"failover">> = {
          ...(to ? { to } : {}),
          reason,
          ...(o["dry-run"] ? { dryRun: true } : {}),
          ...(o.override ? { override: true } : {}),
        };
        if (o.override && command === "failback")
          throw new Usage("--override is for failover only");
        const key = o.key ?? `cli-${Date.now()}-${Math.random().toString(36).slice(2, 10)}`;
        const send = () =>
          call<CommandAccepted | DryRunAnswer>(
            api,
            "POST",
            `/api/groups/${encodeURIComponent(group)}/${command}`,
            body,
            o["dry-run"] ? {} : { "idempotency-key": key },
          );
        // One retry with the same idempotency key: if the first request did arrive, the retry
        // answers with its incident instead of opening a second one.
        const answer = await send().catch(async (error: unknown) => {
          if (!(error instanceof ApiFailure) || error.exit !== EXIT.unavailable) throw error;
          io.err(`(${error.message}; retrying once)\n`);
          await io.sleep(1000);
          return send();
        });
        if ("dryRun" in answer.body) {
          print(formatPlan(answer.body.plan), answer.body);
          return EXIT.ok;
        }
        const id = answer.body.incident;
        if (!o.wait) {
          print(
            `${group}: ${command} accepted as incident ${id}${answer.body.repeated ? " (a retry of the same request)" : ""}; follow it with: tandem incidents ${id}`,
            answer.body,
          );
          return EXIT.ok;
        }
        io.err(`${group}: ${command} accepted as incident ${id}\n`);
        const final = await follow(api, id);
        const i = final.body;
        print(
          [`${group}: ${command} to ${i.to} ${i.step}`, "time per step:", ...stepTimes(i)].join(
            "\n",
          ),
          i,
        );
        return i.step === "completed" ? EXIT.ok : EXIT.failed;
      }
      case "pause":
      case "resume": {
        const reason = need(o.reason, "--reason TEXT");
        if (o.all === positional.length > 0) throw new Usage(`${command} takes GROUP or --all`);
        const path = o.all
          ? `/api/all/${command}`
          : `/api/groups/${encodeURIComponent(positional[0]!)}/${command}`;
        const input: CommandInput<"pause"> = { reason };
        const answer = await call<PauseAnswer>(api, "POST", path, input);
        const p = answer.body.paused;
        const target = o.all ? "all groups" : positional[0]!;
        const now = p.all ? "all groups" : p.groups.length ? p.groups.join(", ") : "nothing";
        print(
          command === "pause"
            ? `automation paused for ${target} (paused now: ${now})`
            : `automation resumed for ${target} (still paused: ${now})`,
          answer.body,
        );
        return EXIT.ok;
      }
      case "drill": {
        const group = groupArg();
        const reason = need(o.reason, "--reason TEXT");
        // A drill plays both plans on its own simulated clock and opens no incident: there is
        // nothing to follow, so --wait is said to be moot rather than pretended.
        if (o.wait)
          io.err(
            `${group}: a drill changes nothing and runs on a simulated clock, so it answers at once; --wait has nothing to follow\n`,
          );
        const input: CommandInput<"drill"> = { reason };
        const answer = await call<DrillResult>(
          api,
          "POST",
          `/api/groups/${encodeURIComponent(group)}/drill`,
          input,
        );
        const d = answer.body;
        const back = "steps" in d.failback ? d.failback : undefined;
        print(
          [
            `${group}: drill, nothing changed; expected ${duration(d.expectedSeconds * 1000)} in all`,
            formatPlan(d.failover),
            back
              ? formatPlan(back)
              : `failback: ${"refused" in d.failback ? d.failback.refused : "not planned"}`,
          ].join("\n"),
          d,
        );
        return d.failover.outcome === "completed" && back?.outcome === "completed"
          ? EXIT.ok
          : EXIT.failed;
      }
      case "incidents": {
        if (positional.length > 1) throw new Usage("incidents takes at most one ID");
        if (positional[0]) {
          const { body } = await call<IncidentDetail>(
            api,
            "GET",
            `/api/incidents/${encodeURIComponent(positional[0])}`,
          );
          print(formatIncident(body), body);
          return EXIT.ok;
        }
        const query = new URLSearchParams({
          ...(o.group ? { group: o.group } : {}),
          ...(o.limit ? { limit: o.limit } : {}),
        });
        const { body } = await call<IncidentsAnswer>(api, "GET", `/api/incidents?${query}`);
        print(
          body.incidents.length === 0
            ? "no incidents"
            : body.incidents
                .map(
                  (i) =>
                    `${i.id}  ${i.group.padEnd(10)} ${i.kind.padEnd(9)} to ${i.to.padEnd(12)} ${i.step}`,
                )
                .join("\n"),
          body,
        );
        return EXIT.ok;
      }
      case "audit": {
        const refused = positional.length === 1 && positional[0] === "refused";
        if (positional.length > 0 && !refused)
          throw new Usage("audit takes no arguments, or: refused");
        const query = new URLSearchParams({
          ...(o.limit ? { limit: o.limit } : {}),
          ...(o.before ? { before: o.before } : {}),
        });
        if (refused) {
          const { refusedLines } = await import("./refused.js");
          const { body } = await call<RefusedAnswer>(api, "GET", `/api/audit/refused?${query}`);
          print(refusedLines(body).join("\n") || "no refused calls", body);
          return EXIT.ok;
        }
        const { body } = await call<AuditAnswer>(api, "GET", `/api/audit?${query}`);
        const lines = body.entries.map((e) =>
          printable(
            `${new Date(e.at).toISOString()}  ${e.outcome.padEnd(8)} ${e.actor.padEnd(22)} ${e.name}${e.group ? ` [${e.group}]` : ""}${e.reason ? `: ${e.reason}` : ""}`,
          ),
        );
        if (body.next !== undefined) lines.push(`(older: tandem audit --before ${body.next})`);
        print(lines.join("\n") || "the audit log is empty", body);
        return EXIT.ok;
      }
      case "alerts": {
        if (positional[0] !== "test" || positional.length !== 2)
          throw new Usage("alerts takes: test CHANNEL");
        const channel = positional[1]!;
        const { body } = await call<ChannelTestAnswer>(
          api,
          "POST",
          `/api/alerts/${encodeURIComponent(channel)}/test`,
        );
        print(
          `${body.channel} (${body.kind}, ${body.target}): ${body.delivered ? "delivered" : `not delivered (${body.outcome})`}${body.status ? `, receiver answered ${body.status}` : ""} in ${body.ms} ms${body.answer ? `\n  ${printable(body.answer, 300)}` : ""}`,
          body,
        );
        return body.delivered ? EXIT.ok : EXIT.failed;
      }
      default:
        throw new Usage(`unknown command "${command}"`);
    }
  } catch (error) {
    if (error instanceof Usage) {
      io.err(`${error.message}\n\nRun "tandem help" for the commands.\n`);
      return EXIT.usage;
    }
    if (error instanceof ApiFailure) {
      if (o.json)
        io.out(JSON.stringify(error.body ?? { error: { message: error.message } }, null, 2));
      io.err(`tandem ${command}: ${error.message}\n`);
      return error.exit;
    }
    throw error;
  }
}

async function validateConfig(
  rest: readonly string[],
  env: NodeJS.ProcessEnv,
  io: Io,
): Promise<number> {
  if (rest.length > 1) {
    io.err("validate-config takes one file\n");
    return EXIT.usage;
  }
  const file = rest[0] ?? "tandem.config.json";
  const [
    { configWarnings, formatProblem, isConfigError, loadConfigFile, missingSecrets },
    parameters,
    problems,
  ] = await Promise.all([
    import("../config/index.js"),
    import("../deploy/parameters.js"),
    import("../deploy/problems.js"),
  ]);
  const { deploymentParameters } = parameters;
  const { isDeployError } = problems;
  try {
    const config = await loadConfigFile(file);
    // With a deployment section, what `azd up` would refuse is a problem of the file too.
    if (config.deployment) deploymentParameters(config, {}, file);
    const groups = config.groups.map((g) => `${g.name} (${g.model}, ${g.regions.length} regions)`);
    io.out(
      `${file} is valid: ${config.observers.length} observer(s); groups ${groups.join(", ")}.`,
    );
    for (const problem of configWarnings(config)) io.out(`warning: ${formatProblem(problem)}`);
    for (const problem of missingSecrets(config, env))
      io.out(`warning: ${formatProblem(problem)} (set it where Tandem runs)`);
    return EXIT.ok;
  } catch (error) {
    if (isDeployError(error)) {
      io.err(`${error.message}\n`);
      return EXIT.usage;
    }
    if (!isConfigError(error)) throw error;
    io.err(`${error.message}\n`);
    return EXIT.usage;
  }
}

// Run only as the command (also through npm's bin link), not when imported.
const invoked = process.argv[1] ? realpathSync(process.argv[1]) : "";
if (invoked === fileURLToPath(import.meta.url))
  process.exitCode = await run(process.argv.slice(2), process.env);
