// The operator API as HTTP functions: read models for people and scripts, and the commands
// (fail over, fail back, pause, resume, drill). Every request is authorised first (fails closed),
// every body and parameter validated (400 naming the field; unknown fields rejected; size
// limited), every mutating call audited, allowed or refused. Never a stack trace in an answer.
import type { HttpRequest, HttpResponseInit, InvocationContext } from "@azure/functions";
import { z } from "zod";
import type { Role } from "../src/app/auth.js";
import { authorize } from "../src/app/auth.js";
import type { Caller, Outcome } from "../src/app/operator.js";
import {
  audit,
  auditPage,
  drill,
  findGroup,
  findIncident,
  listIncidents,
  manualCommand,
  setPause,
} from "../src/app/operator.js";
import type { Runtime } from "../src/app/runtime.js";
import { readStatus } from "../src/app/status.js";
import { renderStatusPage } from "../src/app/status-page.js";
import type { HttpFunction, RuntimeSource } from "./handlers.js";
import { errorResponse, failureResponse } from "./handlers.js";
import { isConfigError } from "../src/config/problems.js";
import { isPrintable, printable } from "../src/app/printable.js";

/** Command bodies are small: a region, a reason, two flags. */
export const BODY_LIMIT = 16 * 1024;
const KEY = /^[A-Za-z0-9._:-]{1,200}$/;
const NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;

const reason = z
  .string({ error: "must be a string saying why" })
  .trim()
  .min(3, "must say why, in at least 3 characters")
  .max(500, "must be at most 500 characters")
  .refine(isPrintable, "must be one line of printable text");
const region = z.string({ error: "must be a region name" }).regex(NAME, "must be a region name");
const flag = z.boolean({ error: "must be true or false" });

const BODIES = {
  failover: z.strictObject({
    to: region,
    reason,
    dryRun: flag.optional(),
    override: flag.optional(),
  }),
  failback: z.strictObject({ to: region.optional(), reason, dryRun: flag.optional() }),
  pause: z.strictObject({ reason }),
  resume: z.strictObject({ reason }),
  drill: z.strictObject({ reason }),
} as const;
export type Command = keyof typeof BODIES;
export const COMMANDS = Object.keys(BODIES) as Command[];

class BadInput extends Error {
  readonly field: string;
  constructor(field: string, message: string) {
    super(message);
    this.field = field;
  }
}

function badRequest(error: BadInput): HttpResponseInit {
  return errorResponse(400, "BadRequest", `${error.field}: ${error.message}`, {
    field: error.field,
  });
}

/** Printable, short: what a caller sent goes into the audit log only like this. */
const clean = (text: string, max = 120) => printable(text, max);

function callerOf(request: HttpRequest, name: string, via: string): Caller {
  // The whole chain: its first entries are the caller's to choose; the platform appends the last.
  const forwarded = request.headers.get("x-forwarded-for");
  const address = forwarded ?? request.headers.get("x-client-ip") ?? undefined;
  return { name, via, ...(address ? { address: clean(address, 200) } : {}) };
}

async function parseBody<C extends Command>(
  request: HttpRequest,
  command: C,
): Promise<z.output<(typeof BODIES)[C]>> {
  const type = request.headers.get("content-type") ?? "";
  const text = await request.text();
  if (Buffer.byteLength(text) > BODY_LIMIT)
    throw new BadInput("body", `is larger than ${BODY_LIMIT} bytes`);
  if (text.trim() === "") throw new BadInput("body", "is required: a JSON object");
  if (!/^application\/json\b/i.test(type))
    throw new BadInput("content-type", `must be application/json (got "${type || "none"}")`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new BadInput("body", `is not valid JSON (${(error as Error).message})`);
  }
  const parsed = BODIES[command].safeParse(value);
  if (parsed.success) return parsed.data as z.output<(typeof BODIES)[C]>;
  const issue = parsed.error.issues[0]!;
  const keys = (issue as { keys?: string[] }).keys;
  if (issue.code === "unrecognized_keys" && keys?.length)
    throw new BadInput([...issue.path, keys[0]!].join("."), "is not a field of this command");
  throw new BadInput(issue.path.join(".") || "body", issue.message);
}

function idempotencyKey(request: HttpRequest): string | undefined {
  const key = request.headers.get("idempotency-key");
  if (key === null) return undefined;
  if (!KEY.test(key))
    throw new BadInput("Idempotency-Key", "must be 1-200 characters of A-Z a-z 0-9 . _ : -");
  return key;
}

function answer(outcome: Outcome): HttpResponseInit {
  switch (outcome.kind) {
    case "accepted":
      return {
        status: 202,
        headers: { location: `/api/incidents/${outcome.incident}` },
        jsonBody: {
          incident: outcome.incident,
          group: outcome.group,
          repeated: outcome.repeated,
          status: `/api/incidents/${outcome.incident}`,
        },
      };
    case "planned":
      return { status: 200, jsonBody: { dryRun: true, plan: outcome.plan } };
    case "done":
      return { status: 200, jsonBody: outcome.detail };
    case "conflict":
      return errorResponse(409, outcome.rule ? "Refused" : "Conflict", outcome.message, {
        ...(outcome.incident ? { incident: outcome.incident } : {}),
        ...(outcome.rule ? { rule: outcome.rule } : {}),
      });
    case "not-found":
      return errorResponse(404, "NotFound", outcome.message, { field: outcome.field });
    case "unavailable":
      return errorResponse(503, "Unavailable", outcome.message);
  }
}

/** Authorises, then runs; a refused mutating call is audited with who claimed to call. */
async function guarded(
  runtime: RuntimeSource,
  request: HttpRequest,
  context: InvocationContext,
  role: Role,
  audited: { name: string; group?: string } | undefined,
  run: (rt: Runtime, caller: Caller) => Promise<HttpResponseInit>,
): Promise<HttpResponseInit> {
  try {
    const rt = await runtime();
    const who = await authorize(rt.auth, request.headers, role);
    if (!who.ok) {
      // An unauthenticated caller is "anonymous" whatever name it claims (kept apart, in detail).
      const actor = who.status === 403 && who.claimed !== undefined ? who.claimed : "anonymous";
      if (audited)
        await audit(rt, callerOf(request, actor, "none"), {
          ...audited,
          outcome: "refused",
          reason: `${who.status} ${who.code}: ${who.message}`,
          ...(who.status === 401 && who.claimed !== undefined
            ? { detail: { claimed: clean(who.claimed) } }
            : {}),
        });
      return errorResponse(who.status, who.code, who.message);
    }
    try {
      return await run(rt, callerOf(request, who.principal.name, who.principal.via));
    } catch (error) {
      if (error instanceof BadInput) {
        if (audited)
          await audit(rt, callerOf(request, who.principal.name, who.principal.via), {
            ...audited,
            outcome: "refused",
            reason: `400 ${error.field}: ${error.message}`,
          });
        return badRequest(error);
      }
      throw error;
    }
  } catch (error) {
    if (isConfigError(error)) {
      // The problems are for the function log, not for a caller not yet known to be allowed.
      context.error(error.message);
      return errorResponse(
        500,
        "ConfigInvalid",
        "Tandem's configuration is invalid; the function log lists the problems",
      );
    }
    return failureResponse(error, context);
  }
}

function commandFunction(runtime: RuntimeSource, all: boolean): HttpFunction {
  return {
    name: all ? "commandAll" : "command",
    route: all ? "all/{command}" : "groups/{group}/{command}",
    methods: ["POST"],
    handler: async (request, context) => {
      const command = request.params["command"] ?? "";
      const group = all ? undefined : (request.params["group"] ?? "");
      // Only names that can be real go into the audit log as such.
      const auditName = COMMANDS.includes(command as Command)
        ? `api ${command}`
        : `api ${clean(JSON.stringify(command), 40)} (unknown command)`;
      const auditGroup = group !== undefined && NAME.test(group) ? group : undefined;
      return guarded(
        runtime,
        request,
        context,
        "operator",
        { name: auditName, ...(auditGroup === undefined ? {} : { group: auditGroup }) },
        async (rt, caller) => {
          if (!COMMANDS.includes(command as Command) || (all && command === "drill"))
            throw new BadInput(
              "command",
              `must be one of ${COMMANDS.filter((c) => !all || c !== "drill").join(", ")}`,
            );
          const key = idempotencyKey(request);
          const c = command as Command;
          const body = await parseBody(request, c);
          const groups = all ? rt.config.groups.map((g) => g.name) : [group!];
          const one = async (g: string): Promise<Outcome> => {
            switch (c) {
              case "failover": {
                const b = body as z.output<typeof BODIES.failover>;
                return manualCommand(
                  rt,
                  caller,
                  g,
                  {
                    kind: "failover",
                    to: b.to,
                    override: b.override ?? false,
                    by: caller.name,
                    reason: b.reason,
                  },
                  {
                    dryRun: b.dryRun ?? false,
                    ...(key ? { idempotencyKey: all ? `${key}/${g}` : key } : {}),
                  },
                );
              }
              case "failback": {
                const b = body as z.output<typeof BODIES.failback>;
                return manualCommand(
                  rt,
                  caller,
                  g,
                  {
                    kind: "failback",
                    ...(b.to ? { to: b.to } : {}),
                    by: caller.name,
                    reason: b.reason,
                  },
                  {
                    dryRun: b.dryRun ?? false,
                    ...(key ? { idempotencyKey: all ? `${key}/${g}` : key } : {}),
                  },
                );
              }
              case "pause":
              case "resume":
                return setPause(rt, caller, g, c === "pause", body.reason);
              case "drill":
                return drill(rt, caller, g, body.reason);
            }
          };
          if (!all) return answer(await one(group!));
          if (c === "pause" || c === "resume")
            return answer(await setPause(rt, caller, undefined, c === "pause", body.reason));
          const results: Record<string, unknown> = {};
          let status = 200;
          for (const g of groups) {
            const response = answer(await one(g));
            results[g] = { status: response.status, ...(response.jsonBody as object) };
            if (response.status === 202) status = 202;
          }
          return { status, jsonBody: { groups: results } };
        },
      );
    },
  };
}

const limitOf = (request: HttpRequest, max: number, fallback: number) => {
  const text = request.query.get("limit");
  if (text === null) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > max)
    throw new BadInput("limit", `must be a whole number from 1 to ${max}`);
  return n;
};

export function apiFunctions(runtime: RuntimeSource): HttpFunction[] {
  return [
    {
      name: "incidents",
      route: "incidents",
      methods: ["GET"],
      handler: (request, context) =>
        guarded(runtime, request, context, "reader", undefined, async (rt) => {
          const group = request.query.get("group");
          if (group !== null && !findGroup(rt, group))
            return errorResponse(404, "NotFound", `no group "${group}"`, { field: "group" });
          const limit = limitOf(request, 500, 50);
          const incidents = await listIncidents(rt, group ?? undefined);
          return { status: 200, jsonBody: { incidents: incidents.slice(0, limit) } };
        }),
    },
    {
      name: "incident",
      route: "incidents/{id}",
      methods: ["GET"],
      handler: (request, context) =>
        guarded(runtime, request, context, "reader", undefined, async (rt) => {
          const id = request.params["id"] ?? "";
          if (!KEY.test(id)) throw new BadInput("id", "is not an incident id");
          const incident = await findIncident(rt, id);
          if (!incident)
            return errorResponse(404, "NotFound", `no incident "${id}"`, { field: "id" });
          // Who did what for it: the lease holders' fenced steps and the operators' commands.
          const actions = (await rt.store.readActions()).filter((a) => a.incident === id);
          return { status: 200, jsonBody: { ...incident, actions } };
        }),
    },
    {
      name: "audit",
      route: "audit",
      methods: ["GET"],
      handler: (request, context) =>
        guarded(runtime, request, context, "reader", undefined, async (rt) => {
          const limit = limitOf(request, 500, 50);
          const before = request.query.get("before") ?? undefined;
          if (before !== undefined && !/^[0-9A-Za-z-]{1,80}$/.test(before))
            throw new BadInput("before", "must be the `next` value of the previous page");
          const page = await auditPage(rt, limit, before);
          return {
            status: 200,
            jsonBody: {
              entries: page.entries,
              ...(page.next === undefined
                ? {}
                : {
                    next: page.next,
                    nextUrl: `/api/audit?limit=${limit}&before=${encodeURIComponent(page.next)}`,
                  }),
            },
          };
        }),
    },
    commandFunction(runtime, false),
    commandFunction(runtime, true),
  ];
}

/** GET /api/status: JSON, or the status page for a browser (Accept: text/html). */
export function statusApiFunction(runtime: RuntimeSource): HttpFunction {
  return {
    name: "status",
    route: "status",
    methods: ["GET"],
    handler: (request, context) =>
      guarded(
        runtime,
        request,
        context,
        "reader",
        undefined,
        async (rt): Promise<HttpResponseInit> => {
          const status = await readStatus(rt);
          const accept = request.headers.get("accept") ?? "";
          if (/text\/html/i.test(accept) && !/application\/json/i.test(accept.split(",")[0] ?? ""))
            return {
              status: 200,
              body: renderStatusPage(status),
              headers: {
                "content-type": "text/html; charset=utf-8",
                "cache-control": "no-store",
                "content-security-policy":
                  "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'",
              },
            };
          return { status: 200, jsonBody: status, headers: { "cache-control": "no-store" } };
        },
      ),
  };
}
