// What Azure Resource Manager says about its read budget, as the levers' replies report it: the
// `x-ms-ratelimit-remaining-subscription-reads` header, and a 429's Retry-After. The lease holder
// stretches its reconcile reads while the budget is low; it never slows a failover for it.
export interface ArmBudget {
  /** Reads left in the current window, as last reported; undefined before any reply says. */
  remainingReads(): number | undefined;
  /** Until when ARM asked to be left alone (epoch ms), if a 429 said so and it has not passed. */
  throttledUntil(): number | undefined;
}
