// The operator API as one table: each route with its role, whether a refusal is audited, and
// its handler; each command (fail over, fail back, pause, resume, drill) with its body schema
// and its use case. Authorisation (fails closed) and the audit of refused calls wrap every route
// once, in serve(). functions/ and the local host register these definitions as they are.
import type { ManualCommand } from "../../core/runbook.js";
import type { Caller } from "../audit.js";
import { noteRefused } from "../refused-calls.js";
import type { Role } from "../auth.js";
import { authorize } from "../auth.js";
import { manualCommand, setPause } from "../commands.js";
import type { Outcome } from "../outcome.js";
import { drill } from "../planner.js";
import { printable } from "../printable.js";
import { shortName } from "../../config/strict-json.js";
import {
  auditPage,
  findGroup,
  incidentDetail,
  listIncidents,
  noSuchGroup,
  refusedPage,
} from "../read-models.js";
import type { Page, PageQuery } from "../../ports/audit-store.js";
import type { GroupConfig } from "../../config/schema.js";
import type { Runtime } from "../runtime.js";
import { telemetryOf } from "../runtime.js";
import type { PageKind } from "../status-page.js";
import { renderStatusPage } from "../status-page.js";
import { FULL_PAGE_GROUPS } from "../status-page-summary.js";
import { readStatus } from "../status.js";
import type { HistoryView } from "../history.js";
import { readHistory } from "../history.js";
import { errorText } from "../../core/errors.js";
import type {
  AllGroupsAnswer,
  CommandAccepted,
  DryRunAnswer,
  IncidentsAnswer,
  PageAnswer,
} from "./answers.js";
import type { CommandBody, CommandName } from "./bodies.js";
import {
  BODIES,
  BadInput,
  KEY,
  NAME,
  PEER_PROBE_BODY,
  parseJson,
  fingerprint,
  idempotencyKey,
  limitOf,
  parseBody,
} from "./bodies.js";
import type { ApiRequest, ApiResponse, FailureLog } from "./http.js";
import { errorResponse, failureResponse } from "./http.js";
import { answerPeer } from "../observer-tick.js";
import { alertTestRoute } from "./alert-routes.js";
import { clientAddress } from "./client-address.js";
import { pageAnswer, pageOf } from "./paging.js";

/**
 * The runtime that answers a request: a Function App has one; the local host, running several
 * observers in one process, picks the one a peer request names.
 */
export type RuntimeSource = (request?: ApiRequest) => Promise<Runtime>;

export interface ApiRoute {
  readonly name: string;
  /** The Functions route, under /api. */
  readonly route: string;
  readonly methods: readonly ("GET" | "POST")[];
  readonly role: Role;
  /** For a mutating route: what a refused call is recorded as in the audit log. */
  readonly audited?: (request: ApiRequest) => { name: string; group?: string };
  readonly handle: (rt: Runtime, request: ApiRequest, caller: Caller) => Promise<ApiResponse>;
}

interface CommandSpec<C extends CommandName> {
  /** Whether `POST /api/all/{command}` runs it for every group. */
  readonly forAll: boolean;
  readonly run: (
    rt: Runtime,
    caller: Caller,
    group: string,
    body: CommandBody<C>,
    key: string | undefined,
  ) => Promise<Outcome>;
}

/** Fail over or fail back: the command its body and caller give, run for one group. */
const manual =
  <B extends { readonly dryRun?: boolean | undefined }>(
    command: (body: B, caller: Caller) => ManualCommand,
  ) =>
  (rt: Runtime, caller: Caller, group: string, body: B, key: string | undefined) => {
    const given = command(body, caller);
    return manualCommand(rt, caller, group, given, {
      dryRun: body.dryRun ?? false,
      ...(key ? { idempotencyKey: key, fingerprint: fingerprint(given.kind, group, body) } : {}),
    });
  };

/** Every command: its body is BODIES[name]; the role is always operator. */
export const COMMAND_TABLE: { readonly [C in CommandName]: CommandSpec<C> } = {
  failover: {
    forAll: true,
    run: manual((b, caller) => ({
      kind: "failover",
      to: b.to,
      override: b.override ?? false,
      by: caller.name,
      reason: b.reason,
    })),
  },
  failback: {
    forAll: true,
    run: manual((b, caller) => ({
      kind: "failback",
      ...(b.to ? { to: b.to } : {}),
      by: caller.name,
      reason: b.reason,
    })),
  },
  pause: {
    forAll: true,
    run: (rt, caller, group, b) => setPause(rt, caller, group, true, b.reason),
  },
  resume: {
    forAll: true,
    run: (rt, caller, group, b) => setPause(rt, caller, group, false, b.reason),
  },
  drill: { forAll: false, run: (rt, caller, group, b) => drill(rt, caller, group, b.reason) },
};
export const COMMANDS = Object.keys(BODIES) as CommandName[];

/** An outcome as an answer: 202 accepted, 200 planned or done, 409, 404, 503. */
export function answer(outcome: Outcome): ApiResponse {
  switch (outcome.kind) {
    case "accepted": {
      const body: CommandAccepted = {
        incident: outcome.incident,
        group: outcome.group,
        repeated: outcome.repeated,
        status: `/api/incidents/${outcome.incident}`,
      };
      return { status: 202, headers: { location: body.status }, jsonBody: body };
    }
    case "planned": {
      const body: DryRunAnswer = { dryRun: true, plan: outcome.plan };
      return { status: 200, jsonBody: body };
    }
    case "done":
      return { status: 200, jsonBody: outcome.detail };
    case "conflict":
      return errorResponse(409, outcome.rule ? "Refused" : "Conflict", outcome.message, {
        ...(outcome.incident ? { incident: outcome.incident } : {}),
        ...(outcome.rule ? { rule: outcome.rule } : {}),
      });
    case "not-found":
      return errorResponse(404, "NotFound", outcome.message, { field: outcome.field });
    case "unprocessable":
      return errorResponse(422, "IdempotencyKeyReused", outcome.message, {
        field: "Idempotency-Key",
        ...(outcome.incident ? { incident: outcome.incident } : {}),
      });
    case "unavailable": {
      const response = errorResponse(503, "Unavailable", outcome.message);
      return outcome.retryAfterSeconds === undefined
        ? response
        : { ...response, headers: { "retry-after": String(outcome.retryAfterSeconds) } };
    }
  }
}

/** Printable, short: what a caller sent goes into the audit log only like this. */
const clean = (text: string, max = 120) => printable(text, max);

function callerOf(request: ApiRequest, name: string, via: string): Caller {
  const address = clientAddress(request.headers);
  return {
    name,
    via,
    request: request.id,
    ...(address ? { address: address.from } : {}),
    ...(address?.chain ? { forwarded: address.chain } : {}),
  };
}

/**
 * Headers on every answer: no page may frame Tandem's (clickjacking), and no browser may read an
 * answer as another type than it says (a JSON error echoing a name is never HTML).
 */
const SECURITY_HEADERS = {
  "content-security-policy": "frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
} as const;

function secured(response: ApiResponse): ApiResponse {
  return { ...response, headers: { ...SECURITY_HEADERS, ...response.headers } };
}

/**
 * Why a POST is refused as sent by another site's page, if it is: a browser signed in through App
 * Service Authentication carries its session cookie to any site's form, and the cookie now brings
 * a token the API accepts (ADR 0016), so a hostile page could act as the operator on a route that
 * takes no JSON body (a form cannot send application/json). Browsers say where a request comes
 * from (Fetch Metadata's `Sec-Fetch-Site`, and `Origin` on a POST); the CLI and the observers
 * send neither.
 */
function crossSiteOf(request: ApiRequest): string | undefined {
  if (request.method.toUpperCase() !== "POST") return undefined;
  const site = request.headers.get("sec-fetch-site");
  if (site !== null && site !== "same-origin" && site !== "none")
    return `a ${shortName(site)} request from a browser page is refused: use the status page of this app or the tandem command`;
  const origin = request.headers.get("origin");
  const host = request.headers.get("host");
  if (origin === null || host === null) return undefined;
  let from: string;
  try {
    from = new URL(origin).host;
  } catch {
    from = "";
  }
  return from.toLowerCase() === host.toLowerCase()
    ? undefined
    : "a request from another site's page (Origin) is refused: use the status page of this app or the tandem command";
}

/** Runs a route: authorise (fails closed), then handle; a refused mutating call is audited. */
export async function serve(
  route: ApiRoute,
  runtime: RuntimeSource,
  request: ApiRequest,
  log: FailureLog,
): Promise<ApiResponse> {
  let rt: Runtime;
  try {
    rt = await runtime(request);
  } catch (error) {
    return secured(failureResponse(error, log));
  }
  // Every record the request causes carries its id as the operation.
  return secured(
    await telemetryOf(rt).within({ operation: request.id }, () => served(route, rt, request, log)),
  );
}

async function served(
  route: ApiRoute,
  rt: Runtime,
  request: ApiRequest,
  log: FailureLog,
): Promise<ApiResponse> {
  try {
    const audited = route.audited?.(request);
    const crossSite = crossSiteOf(request);
    if (crossSite) {
      if (audited)
        noteRefused(rt, callerOf(request, "anonymous", "none"), {
          ...audited,
          reason: `403 CrossSite: ${crossSite}`,
        });
      return errorResponse(403, "CrossSite", crossSite);
    }
    const who = await authorize(rt.auth, request.headers, route.role);
    if (!who.ok) {
      // An unauthenticated caller is "anonymous" whatever name it claims (kept apart, in detail).
      const actor = who.status === 403 && who.claimed !== undefined ? who.claimed : "anonymous";
      // Counted per caller and minute, never written one by one (ADR 0017); not awaited.
      if (audited)
        noteRefused(rt, callerOf(request, actor, "none"), {
          ...audited,
          reason: `${who.status} ${who.code}: ${who.message}${who.detail ? ` (${who.detail})` : ""}`,
          ...(who.status === 401 && who.claimed !== undefined
            ? { claimed: clean(who.claimed, 40) }
            : {}),
        });
      if (who.status === 503) log.error(`the API cannot check tokens: ${who.detail}`);
      const refusal = errorResponse(who.status, who.code, who.message);
      // RFC 6750: a 401 names the scheme it wants, and nothing of the configuration.
      return who.status === 401
        ? {
            ...refusal,
            headers: {
              "www-authenticate":
                who.code === "InvalidToken" ? 'Bearer error="invalid_token"' : "Bearer",
            },
          }
        : who.status === 503
          ? { ...refusal, headers: { "retry-after": "10" } }
          : refusal;
    }
    const caller = callerOf(request, who.principal.name, who.principal.via);
    try {
      return await route.handle(rt, request, caller);
    } catch (error) {
      if (!(error instanceof BadInput)) throw error;
      if (audited)
        noteRefused(rt, caller, {
          ...audited,
          reason: clean(`400 ${error.field}: ${error.message}`, 300),
        });
      return errorResponse(400, "BadRequest", `${error.field}: ${error.message}`, {
        field: error.field,
      });
    }
  } catch (error) {
    return failureResponse(error, log);
  }
}

function commandRoute(all: boolean): ApiRoute {
  return {
    name: all ? "commandAll" : "command",
    route: all ? "all/{command}" : "groups/{group}/{command}",
    methods: ["POST"],
    role: "operator",
    audited: (request) => {
      const command = request.params["command"] ?? "";
      const group = all ? undefined : (request.params["group"] ?? "");
      // Only names that can be real go into the audit log as such.
      return {
        name: COMMANDS.includes(command as CommandName)
          ? `api ${command}`
          : `api ${clean(JSON.stringify(command), 40)} (unknown command)`,
        ...(group !== undefined && NAME.test(group) ? { group } : {}),
      };
    },
    handle: async (rt, request, caller) => {
      const command = request.params["command"] ?? "";
      const allowed = COMMANDS.filter((c) => !all || COMMAND_TABLE[c].forAll);
      if (!allowed.includes(command as CommandName))
        throw new BadInput("command", `must be one of ${allowed.join(", ")}`);
      const c = command as CommandName;
      const key = idempotencyKey(request);
      const body = await parseBody(request, c);
      const spec = COMMAND_TABLE[c] as CommandSpec<CommandName>;
      if (!all) return answer(await spec.run(rt, caller, request.params["group"] ?? "", body, key));
      // Pause and resume for all groups are one flag, not one per group.
      if (c === "pause" || c === "resume")
        return answer(await setPause(rt, caller, undefined, c === "pause", body.reason));
      const groups: Record<string, AllGroupsAnswer["groups"][string]> = {};
      let status = 200;
      for (const g of rt.config.groups) {
        const response = answer(
          await spec.run(rt, caller, g.name, body, key && `${key}/${g.name}`),
        );
        groups[g.name] = { httpStatus: response.status, ...(response.jsonBody as object) };
        if (response.status === 202) status = 202;
      }
      const jsonBody: AllGroupsAnswer = { groups };
      return { status, jsonBody };
    },
  };
}

/** The group a read asks for with `?group=`: undefined without one; a 404 answer for an unknown. */
function askedGroup(rt: Runtime, request: ApiRequest): GroupConfig | ApiResponse | undefined {
  const asked = request.query.get("group");
  if (asked === null) return undefined;
  return (
    findGroup(rt, asked) ??
    errorResponse(404, "NotFound", noSuchGroup(rt, asked), { field: "group" })
  );
}

const isAnswer = (x: GroupConfig | ApiResponse | undefined): x is ApiResponse =>
  x !== undefined && "status" in x;

/** The summary's page (`?page=N`, from 1). */
function summaryPage(request: ApiRequest): number {
  const text = request.query.get("page");
  if (text === null) return 1;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 10_000)
    throw new BadInput("page", "must be a whole number from 1 to 10000");
  return n;
}

const statusRoute: ApiRoute = {
  name: "status",
  route: "status",
  methods: ["GET"],
  role: "reader",
  handle: async (rt, request): Promise<ApiResponse> => {
    const accept = request.headers.get("accept") ?? "";
    // The status page for a browser (Accept: text/html); JSON otherwise.
    const html =
      /text\/html/i.test(accept) && !/application\/json/i.test(accept.split(",")[0] ?? "");
    const one = askedGroup(rt, request);
    if (isAnswer(one)) return one;
    // Many groups: a summary without history; each group's page has its own (ADR 0031).
    const page: PageKind = one
      ? { kind: "group" }
      : rt.config.groups.length > FULL_PAGE_GROUPS
        ? { kind: "summary", page: summaryPage(request) }
        : { kind: "full" };
    // The page shows the history beside the status; without it, the rest still shows.
    const [all, history] = await Promise.all([
      readStatus(rt),
      html && page.kind !== "summary"
        ? readHistory(rt, one ? [one] : rt.config.groups).catch((error: unknown) => {
            rt.log.warn(`status page: the history was not read: ${errorText(error)}`);
            return undefined;
          })
        : undefined,
    ]);
    const status = one ? { ...all, groups: all.groups.filter((g) => g.name === one.name) } : all;
    if (html)
      return {
        status: 200,
        body: renderStatusPage(status, history, page),
        headers: {
          "content-type": "text/html; charset=utf-8",
          "cache-control": "no-store",
          "content-security-policy":
            "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
        },
      };
    return { status: 200, jsonBody: status, headers: { "cache-control": "no-store" } };
  },
};

/** Groups of the history JSON per answer without `?group=`: each is a range query of 30 rows. */
const HISTORY_PAGE = { fallback: 20, max: 50 } as const;

/**
 * The status page's history as JSON: uptime, latency by phase, incidents (ADR 0025), of one
 * group (`?group=`) or of the groups in the configuration's order, `?limit=N&after=GROUP` at a
 * time (ADR 0031).
 */
const historyRoute: ApiRoute = {
  name: "statusHistory",
  route: "status/history",
  methods: ["GET"],
  role: "reader",
  handle: async (rt, request) => {
    const one = askedGroup(rt, request);
    if (isAnswer(one)) return one;
    const headers = { "cache-control": "no-store" };
    if (one) return { status: 200, jsonBody: await readHistory(rt, [one]), headers };
    const limit = limitOf(request, HISTORY_PAGE.max, HISTORY_PAGE.fallback);
    const after = request.query.get("after");
    const start = after === null ? 0 : rt.config.groups.findIndex((g) => g.name === after) + 1;
    if (start === 0 && after !== null)
      throw new BadInput("after", "must be the `next` value of the previous page (a group)");
    const groups = rt.config.groups.slice(start, start + limit);
    const last = groups.at(-1);
    const more = last !== undefined && start + limit < rt.config.groups.length;
    const jsonBody: HistoryView = {
      ...(await readHistory(rt, groups)),
      ...(more
        ? {
            next: last.name,
            nextUrl: `/api/status/history?limit=${limit}&after=${encodeURIComponent(last.name)}`,
          }
        : {}),
    };
    return { status: 200, jsonBody, headers };
  },
};

/**
 * Another observer asks this one to probe a region now (ADR 18): only an observer's identity may,
 * and only of the observer this app is. Answers once the observations are written.
 */
const peerProbeRoute: ApiRoute = {
  name: "peerProbe",
  route: "observers/{observer}/probe",
  methods: ["POST"],
  role: "observer",
  audited: () => ({ name: "peer probe" }),
  handle: async (rt, request) => {
    const observer = request.params["observer"] ?? "";
    if (observer !== rt.observer)
      return errorResponse(
        404,
        "NotFound",
        `this is observer ${rt.observer}, not ${shortName(observer)}`,
        { field: "observer" },
      );
    const body = await parseJson(request, PEER_PROBE_BODY);
    const observers = rt.config.observers.map((o) => o.region);
    if (!observers.includes(body.from) || body.from === rt.observer)
      throw new BadInput("from", `is not another observer (observers: ${observers.join(", ")})`);
    return { status: 200, jsonBody: await answerPeer(rt, body) };
  },
};

/** A read of pages, newest first: `?limit=N&before=ID`, answered with the next page's cursor. */
function pagedRoute<T>(
  name: string,
  route: string,
  read: (rt: Runtime, page: PageQuery) => Promise<Page<T>>,
): ApiRoute {
  return {
    name,
    route,
    methods: ["GET"],
    role: "reader",
    handle: async (rt, request) => {
      const page = pageOf(request, 500, 50);
      const jsonBody: PageAnswer<T> = pageAnswer(`/api/${route}`, page, await read(rt, page));
      return { status: 200, jsonBody };
    },
  };
}

/** Every route of the API. */
export const API_ROUTES: readonly ApiRoute[] = [
  statusRoute,
  historyRoute,
  peerProbeRoute,
  {
    name: "incidents",
    route: "incidents",
    methods: ["GET"],
    role: "reader",
    handle: async (rt, request) => {
      const group = request.query.get("group");
      if (group !== null && !findGroup(rt, group))
        return errorResponse(404, "NotFound", noSuchGroup(rt, group), {
          field: "group",
        });
      const limit = limitOf(request, 500, 50);
      const incidents = await listIncidents(rt, group ?? undefined);
      const jsonBody: IncidentsAnswer = { incidents: incidents.slice(0, limit) };
      return { status: 200, jsonBody };
    },
  },
  {
    name: "incident",
    route: "incidents/{id}",
    methods: ["GET"],
    role: "reader",
    handle: async (rt, request) => {
      const id = request.params["id"] ?? "";
      if (!KEY.test(id)) throw new BadInput("id", "is not an incident id");
      const detail = await incidentDetail(rt, id, pageOf(request, 500, 100));
      if (!detail)
        return errorResponse(404, "NotFound", `no incident "${shortName(id)}"`, { field: "id" });
      return { status: 200, jsonBody: detail };
    },
  },
  pagedRoute("audit", "audit", auditPage),
  pagedRoute("auditRefused", "audit/refused", refusedPage),
  commandRoute(false),
  commandRoute(true),
  alertTestRoute,
];
