// A local Application Insights ingestion endpoint for tests (the sandbox's receiver), and the app
// settings that send a composed runtime's telemetry to it. The SDK's usage reports (statsbeat)
// would go to Microsoft: they are off in every test process that loads the package.
import { after, before } from "node:test";
import type { Envelope } from "../../src/sandbox/ingestion-receiver.js";
import { IngestionReceiver } from "../../src/sandbox/ingestion-receiver.js";
import { SETTINGS } from "../../src/settings.js";

process.env["APPLICATION_INSIGHTS_NO_STATSBEAT"] = "1";

/** A receiver started before the suite's tests and stopped after them. */
export function ingestionReceiver(): IngestionReceiver {
  const receiver = new IngestionReceiver();
  before(() => receiver.start());
  after(() => receiver.stop());
  return receiver;
}

/** What compose needs to send to `receiver`: the app setting and the receiver's CA. */
export function sendingTo(receiver: IngestionReceiver): {
  env: Record<string, string>;
  ingestionCa: string;
} {
  return { env: { [SETTINGS.appInsights]: receiver.connectionString }, ingestionCa: receiver.ca };
}

export const ofType = (envelopes: readonly Envelope[], baseType: string) =>
  envelopes.filter((e) => e.data.baseType === baseType);

export const props = (e: Envelope): Readonly<Record<string, string>> =>
  e.data.baseData.properties ?? {};

/** "00:00:01.250" (or "1.00:00:00.000") in milliseconds. */
export function durationMs(value: unknown): number {
  const m = /^(?:(\d+)\.)?(\d\d):(\d\d):(\d\d)\.(\d+)$/.exec(String(value));
  if (!m) throw new Error(`not a duration: ${String(value)}`);
  const [, days, h, min, s, frac] = m;
  return (
    ((Number(days ?? 0) * 24 + Number(h)) * 60 + Number(min)) * 60_000 +
    Number(s) * 1000 +
    Number(`0.${frac}`) * 1000
  );
}
