// 100 passive-cold groups of two regions, each with a cluster in both, at the default 10 s
// interval, against a model of ARM's token buckets: quiet, the lease holder's ARM reads stay
// under 5 % of the subscription's read budget (the hour-long figure is `npm run bench`'s); then
// every group's primary region is lost at once, and every failover completes without a single
// call throttled.
import assert from "node:assert/strict";
import { it } from "node:test";
import { READS_PER_HOUR, simulateScale } from "./scale.js";

it("100 groups: quiet reads under 5 % of ARM's read budget; every group failing over at once stays within the buckets and completes", async (t) => {
  const result = await simulateScale({ groups: 100, healthyMinutes: 5, outage: true });
  t.diagnostic(JSON.stringify(result));
  const perHour = (result.healthy.reads / result.healthy.minutes) * 60;
  assert.ok(
    perHour <= 0.05 * READS_PER_HOUR,
    `${Math.round(perHour)} reads an hour when quiet, over 5 % of ${READS_PER_HOUR}`,
  );
  assert.ok(result.healthy.reads > 0, "the quiet holder still reconciles now and then");
  assert.equal(result.healthy.throttled, 0);
  assert.equal(result.outage?.completed, 100, JSON.stringify(result.outage));
  assert.equal(result.outage?.throttled, 0, "no call was throttled during the mass failover");
});
