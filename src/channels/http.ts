// One HTTP POST to a receiver, classified: accepted, retry (with Retry-After), gone, rejected.
// Every attempt runs under its own timeout and the caller's signal; the answer is read only in
// part; nothing in a result carries the channel's secrets (the caller's redactor sees every text).
import type { SendResult } from "../ports/alerts.js";

const ANSWER_CHARS = 1000;
/** What a receiver may answer in Retry-After that Tandem takes seriously: a day at most. */
const MAX_RETRY_AFTER_MS = 86_400_000;

export interface PostOptions {
  readonly headers?: Readonly<Record<string, string>>;
  readonly abortSignal: AbortSignal;
  readonly timeoutMs: number;
  readonly redact: (text: string) => string;
  /** Statuses that mean "gone: stop sending here" (404 and 410 by default). */
  readonly gone?: readonly number[];
}

/** Retry-After as ms: delta-seconds, or an HTTP date (relative to `now`). */
export function retryAfterMs(value: string | null, now = Date.now()): number | undefined {
  if (value === null || value.trim() === "") return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds * 1000, MAX_RETRY_AFTER_MS);
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.min(Math.max(0, date - now), MAX_RETRY_AFTER_MS);
}

function networkReason(error: unknown): string {
  const e = error as {
    name?: unknown;
    message?: unknown;
    cause?: { code?: unknown; message?: unknown };
  };
  if (e.name === "TimeoutError") return "no answer in time";
  if (e.name === "AbortError") return "cancelled";
  const code = typeof e.cause?.code === "string" ? e.cause.code : undefined;
  if (code) return `could not connect (${code})`;
  const message =
    typeof e.cause?.message === "string"
      ? e.cause.message
      : typeof e.message === "string"
        ? e.message
        : "request failed";
  return message.split("\n")[0]!.slice(0, 200);
}

export async function postJson(
  url: string,
  body: string,
  options: PostOptions,
): Promise<SendResult> {
  const timeout = AbortSignal.timeout(Math.max(1, Math.round(options.timeoutMs)));
  const signal = AbortSignal.any([options.abortSignal, timeout]);
  let response: Response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", "user-agent": "Tandem", ...options.headers },
      body,
      signal,
      // A redirect is not an answer: it is not followed (it could lead anywhere, with the body).
      redirect: "manual",
    });
  } catch (error) {
    const reason = timeout.aborted
      ? `no answer within ${options.timeoutMs} ms`
      : networkReason(error);
    return { outcome: "retry", reason: options.redact(reason) };
  }
  let answer = "";
  try {
    answer = options.redact((await readSome(response, signal)).trim());
  } catch {
    // The status is what counts; a body cut short says nothing more.
  }
  const status = response.status;
  const said = `${status}${response.statusText ? ` ${response.statusText}` : ""}${answer ? `: ${answer.slice(0, 300)}` : ""}`;
  if (status >= 200 && status < 300)
    return { outcome: "accepted", status, ...(answer ? { answer } : {}) };
  if (status === 408 || status === 429 || status >= 500) {
    const after = retryAfterMs(response.headers.get("retry-after"));
    return {
      outcome: "retry",
      status,
      reason: said,
      ...(after === undefined ? {} : { retryAfterMs: after }),
    };
  }
  if ((options.gone ?? [404, 410]).includes(status))
    return { outcome: "gone", status, reason: said };
  return { outcome: "rejected", status, reason: said };
}

async function readSome(response: Response, signal: AbortSignal): Promise<string> {
  if (!response.body) return "";
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < ANSWER_CHARS * 4) {
      if (signal.aborted) break;
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  return Buffer.concat(chunks).toString("utf8").slice(0, ANSWER_CHARS);
}
