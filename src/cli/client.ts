// The CLI's one HTTP client for Tandem's API: answers read through the types the API writes them
// with (src/app/api/types.ts), and every failure turned into an ApiFailure that carries the exit
// code scripts rely on.
import type { ErrorBody } from "../app/api/types.js";
import { tokenTransportProblem } from "./plain-http.js";

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

export interface Io {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  /** Whether stderr is a terminal (progress is then redrawn in place). */
  readonly tty: boolean;
  readonly sleep: (ms: number) => Promise<void>;
  readonly fetch: typeof fetch;
}

export interface Api {
  readonly base: string;
  readonly token?: string;
  readonly io: Io;
}

/** An answer read through the type the API writes it with (src/app/api/answers.ts). */
export interface Answer<T> {
  readonly status: number;
  readonly body: T;
}

export class ApiFailure extends Error {
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

/** Whether an error says Tandem could not be reached or could not answer (worth a retry). */
export const unavailable = (error: unknown): error is ApiFailure =>
  error instanceof ApiFailure && error.exit === EXIT.unavailable;

/** A query string of the values given; those undefined or empty are left out. */
export const queryOf = (values: Readonly<Record<string, string | undefined>>) =>
  new URLSearchParams(
    Object.entries(values).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ""),
  );

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

export async function call<T>(
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
