// The API as plain data, free of any host: a request (method, route parameters, query, headers,
// body) and a response (status, headers, JSON or text). functions/ maps the Azure Functions
// request onto it; the local host serves the same definitions. The one mapping of failures to
// answers lives here: a caller gets a status and a sentence it can act on, never a stack trace.
import { errorText } from "../../core/errors.js";
import { isConfigError } from "../../config/problems.js";
import { isStoreError } from "../../ports/state-store.js";
import type { HeaderSource } from "../auth.js";

export interface ApiRequest {
  readonly method: string;
  /** Route parameters, e.g. `group` of `groups/{group}/{command}`. */
  readonly params: Readonly<Record<string, string | undefined>>;
  readonly query: URLSearchParams;
  readonly headers: HeaderSource;
  /** The body as sent (decoded by the API itself, so that invalid UTF-8 is refused, not replaced). */
  bytes(): Promise<Uint8Array>;
  /** The request's id (the Functions invocation id): its events and log lines carry it. */
  readonly id: string;
}

export interface ApiResponse {
  readonly status: number;
  readonly headers?: Record<string, string>;
  readonly jsonBody?: unknown;
  readonly body?: string;
}

/** Every error answer has this body. */
export interface ErrorBody {
  readonly error: {
    readonly code: string;
    readonly message: string;
    /** The field a 400 or 404 is about. */
    readonly field?: string;
    /** The safety rule that refused a command (409 Refused). */
    readonly rule?: string;
    /** The incident a 409 is about. */
    readonly incident?: string;
    readonly problems?: readonly { readonly path: string; readonly message: string }[];
  };
}

export function errorResponse(
  status: number,
  code: string,
  message: string,
  extra?: Omit<ErrorBody["error"], "code" | "message">,
): ApiResponse {
  const body: ErrorBody = { error: { code, message, ...extra } };
  return { status, jsonBody: body };
}

/** Where the details of a failure go (the function's log); never to the caller. */
export interface FailureLog {
  error(message: string): void;
}

/** Maps a failure to a response a caller can act on; never a stack trace. */
export function failureResponse(error: unknown, log: FailureLog): ApiResponse {
  if (isConfigError(error)) {
    // The problems are for the function log, not for a caller not yet known to be allowed.
    log.error(error.message);
    return errorResponse(
      500,
      "ConfigInvalid",
      "Tandem's configuration is invalid; the function log lists the problems",
    );
  }
  if (isStoreError(error)) {
    log.error(error.message);
    if (error.kind === "unavailable")
      return errorResponse(503, "StateStoreUnavailable", error.message);
    return errorResponse(
      500,
      error.kind === "denied" ? "StateStoreDenied" : "StateStoreFailed",
      error.message,
    );
  }
  log.error(
    `unexpected failure: ${error instanceof Error ? (error.stack ?? error.message) : errorText(error)}`,
  );
  return errorResponse(
    500,
    "InternalError",
    "Tandem failed to answer; the function log has the details",
  );
}
