// How far a Cosmos DB read region trails the write region, as the resource provider's percentile
// metrics of a source and a target region say it (PercentileSourceTarget_ListMetrics, "only for
// PBS and Replication Latency data"; Microsoft.DocumentDB 2026-03-15, test/specs/cosmosdb/): the
// P99 replication latency from the write region to the read region over the last few grains.
// It is recent history, not this second: each value aggregates a whole grain, and metrics come
// minutes after the fact. A latency is not a backlog either; it is the nearest figure Azure gives
// to how many seconds of writes a forced failover could lose. Pure: the lever does the call.

/**
 * The metric's name in the filter. The operation's description names it ("Replication Latency");
 * the official example filters on 'Probabilistic Bounded Staleness', and its reply names the
 * metric `<name>-S-<source>-T-<target>`. Azure Monitor's counterpart is `ReplicationLatency`,
 * "P99 Replication Latency across source and target regions for geo-enabled account", in
 * milliseconds (learn.microsoft.com, supported metrics of Microsoft.DocumentDB/databaseAccounts).
 */
const METRIC = "Replication Latency";

/** The grain each value aggregates: the official example's (the spec lists none). */
const GRAIN = "PT5M";

/** How far back the lever asks: three grains, so that a late newest one still leaves a value. */
const LAG_WINDOW_MS = 15 * 60_000;

/**
 * The `$filter` for the window ending at `now` (the wall clock: Azure's metrics are stamped with
 * it). The spec: "name.value …, startTime, endTime, and timeGrain. The supported operator is eq."
 */
export function latencyFilter(now: number): string {
  const end = new Date(now).toISOString();
  const start = new Date(now - LAG_WINDOW_MS).toISOString();
  return `(name.value eq '${METRIC}') and timeGrain eq duration'${GRAIN}' and startTime eq '${start}' and endTime eq '${end}'`;
}

interface PercentileMetricView {
  readonly unit?: string;
  readonly metricValues?: readonly { readonly timestamp?: string; readonly P99?: number }[];
}

/** Seconds per unit the metric may be given in (UnitType); any other unit is not a latency. */
const SECONDS_PER: Readonly<Record<string, number>> = { Milliseconds: 0.001, Seconds: 1 };

/**
 * The newest P99 of the reply (PercentileMetricListResult), in seconds to the millisecond;
 * undefined when the reply has no value with one, or gives it in a unit that is not a time.
 */
export function lagSecondsOf(body: unknown): number | undefined {
  const metrics = (body as { value?: readonly PercentileMetricView[] } | undefined)?.value ?? [];
  let newest: { at: number; seconds: number } | undefined;
  for (const metric of metrics) {
    const per = SECONDS_PER[metric.unit ?? ""];
    if (per === undefined) continue;
    for (const v of metric.metricValues ?? []) {
      const at = Date.parse(v.timestamp ?? "");
      if (typeof v.P99 !== "number" || !Number.isFinite(v.P99) || Number.isNaN(at)) continue;
      if (!newest || at > newest.at) newest = { at, seconds: v.P99 * per };
    }
  }
  return newest && Math.round(newest.seconds * 1000) / 1000;
}
