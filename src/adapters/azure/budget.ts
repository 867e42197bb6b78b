// What ARM's replies say about its request budget: `x-ms-ratelimit-remaining-subscription-reads`
// on every reply, and Retry-After on a 429. Since 2024 ARM throttles per subscription and
// principal with a token bucket (reads: 250, refilled at 25 a second; "Understand how Azure
// Resource Manager throttles requests", learn.microsoft.com); resource providers add their own.
import type { PipelinePolicy, PipelineResponse } from "@azure/core-rest-pipeline";
import type { ArmBudget } from "../../ports/arm-budget.js";

/** The read bucket's refill rate, by which a reported figure grows back while nobody asks. */
const READ_REFILL_PER_SECOND = 25;
const READ_BUCKET_SIZE = 250;

/** The longest a 429's Retry-After is honoured here: five minutes. */
const MAX_THROTTLE_MS = 300_000;

export class ArmBudgetTracker implements ArmBudget {
  #remaining: number | undefined;
  #reportedAt = 0;
  #throttledUntil: number | undefined;
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /**
   * The reads left as last reported, grown back at the bucket's refill rate since then: a low
   * figure must not stop reads for good (without reads, no reply would ever report it refilled).
   */
  remainingReads(): number | undefined {
    if (this.#remaining === undefined) return undefined;
    const refilled = ((this.#now() - this.#reportedAt) / 1000) * READ_REFILL_PER_SECOND;
    return Math.min(Math.max(this.#remaining, READ_BUCKET_SIZE), this.#remaining + refilled) | 0;
  }

  throttledUntil(): number | undefined {
    const until = this.#throttledUntil;
    return until !== undefined && until > this.#now() ? until : undefined;
  }

  /** Takes in what one reply says. */
  record(status: number, header: (name: string) => string | undefined): void {
    const remaining = Number(header("x-ms-ratelimit-remaining-subscription-reads"));
    if (
      header("x-ms-ratelimit-remaining-subscription-reads") !== undefined &&
      Number.isFinite(remaining)
    )
      this.#remaining = remaining;
    if (status === 429) {
      // Capped: a bad or huge header must not park the reads a failover waits on.
      const after = Number(header("retry-after"));
      const ms = Number.isFinite(after) && after >= 0 ? after * 1000 : 60_000;
      this.#throttledUntil = this.#now() + Math.min(ms, MAX_THROTTLE_MS);
    }
  }

  /** A pipeline policy that feeds every reply to the tracker. */
  policy(): PipelinePolicy {
    return {
      name: "tandemArmBudget",
      sendRequest: async (request, next) => {
        const response: PipelineResponse = await next(request);
        this.record(response.status, (name) => response.headers.get(name));
        return response;
      },
    };
  }
}
