// The practice schedule's cron: what it accepts, what it refuses (saying which field and why),
// when it fires (UTC; either restricted day field matches), and catching up with one firing.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { lastFiring, parseCron } from "../../src/core/cron.js";

type Cron = Exclude<ReturnType<typeof parseCron>, string>;
/** Whether the schedule fires in the minute `t` falls in: its latest firing up to `t` is that minute. */
const firesAt = (c: Cron, t: number) =>
  lastFiring(c, Math.floor(t / 60_000) * 60_000 - 1, t) !== undefined;

const at = (iso: string) => Date.parse(iso);
const cron = (text: string): Cron => {
  const parsed = parseCron(text);
  assert.ok(typeof parsed !== "string", `${text}: ${String(parsed)}`);
  return parsed;
};

describe("cron schedules", () => {
  const refused: [string, RegExp][] = [
    ["0 3 * *", /must have 5 fields .* not 4/],
    ["60 3 * * *", /^minute "60": must lie within 0-59/],
    ["0 24 * * *", /^hour "24": must lie within 0-23/],
    ["0 3 0 * *", /^day of month "0": must lie within 1-31/],
    ["0 3 * 13 *", /^month "13": must lie within 1-12/],
    ["0 3 * * 8", /^day of week "8": must lie within 0-7/],
    ["0 3 * * MON", /^day of week "MON": must be \*, a number/],
    ["*/0 * * * *", /^minute "\*\/0": a step must be at least 1/],
    ["5-1 * * * *", /^minute "5-1": must lie within/],
  ];
  for (const [text, why] of refused)
    it(`refuses "${text}", saying where`, () => {
      const parsed = parseCron(text);
      assert.equal(typeof parsed, "string");
      assert.match(parsed as string, why);
    });

  const fires: [string, string, boolean][] = [
    ["0 3 * * *", "2026-12-07T03:00:30Z", true],
    ["0 3 * * *", "2026-12-07T03:01:00Z", false],
    ["*/15 * * * *", "2026-12-07T10:45:00Z", true],
    ["*/15 * * * *", "2026-12-07T10:46:00Z", false],
    ["0 3 * * 1", "2026-12-07T03:00:00Z", true], // a Monday
    ["0 3 * * 2-5", "2026-12-07T03:00:00Z", false],
    ["0 3 * * 7", "2026-12-06T03:00:00Z", true], // 7 is Sunday, as 0
    ["0 3 1 * 1", "2026-12-07T03:00:00Z", true], // both days restricted: either matches
    ["0 3 1 * 2", "2026-12-07T03:00:00Z", false],
    ["0 3 7 12 *", "2026-12-07T03:00:00Z", true],
    ["0 3 7 11 *", "2026-12-07T03:00:00Z", false],
    ["0,30 1-2 * * *", "2026-12-07T02:30:00Z", true],
  ];
  for (const [text, when, expected] of fires)
    it(`"${text}" ${expected ? "fires" : "does not fire"} at ${when}`, () => {
      assert.equal(firesAt(cron(text), at(when)), expected);
    });

  it("the latest firing in a span: one, however many were slept through; none outside it", () => {
    const hourly = cron("0 * * * *");
    assert.equal(
      lastFiring(hourly, at("2026-12-07T00:30:00Z"), at("2026-12-07T05:10:00Z")),
      at("2026-12-07T05:00:00Z"),
    );
    assert.equal(
      lastFiring(hourly, at("2026-12-07T05:00:00Z"), at("2026-12-07T05:59:00Z")),
      undefined,
      "the firing at the span's start was the last run's",
    );
    assert.equal(
      lastFiring(cron("0 3 * * 1"), at("2026-12-01T03:00:00Z"), at("2026-12-07T03:00:59Z")),
      at("2026-12-07T03:00:00Z"),
    );
  });
});
