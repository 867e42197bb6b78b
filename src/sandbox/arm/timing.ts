// How long the emulated services take. `fast` is what the sandbox and most tests use (things
// happen at once unless a test says otherwise). `realistic` is what Azure documents or users
// report, so that drills and benchmarks can see Azure's real timing; with `timeScale` a test runs
// it scaled down (0.01 makes ten minutes six seconds) and keeps every ratio.

export interface ServiceTimings {
  /** A long-running operation (Front Door origin update, AKS agent pool update). */
  readonly operationMs: number;
  /** Front Door: from an accepted origin change until its edge serves it. */
  readonly propagationMs: number;
  /** AKS: a start, from accepted to the cluster serving. */
  readonly clusterStartMs: number;
  /** AKS: a stop, from accepted to stopped. */
  readonly clusterStopMs: number;
  /** AKS: how long after a stop ends the next start is refused. */
  readonly stopToStartMs: number;
  /** Traffic Manager: the monitor's probe interval (the profile's intervalInSeconds). */
  readonly probeIntervalMs: number;
  /** Traffic Manager: failed probes tolerated before an endpoint is Degraded. */
  readonly toleratedFailures: number;
  /** Traffic Manager: the DNS TTL resolvers keep an answer for. */
  readonly dnsTtlMs: number;
  /** AKS: a node pool scaled up, from accepted until its new nodes take pods. */
  readonly nodePoolScaleMs: number;
  /** Front Door: how often each edge probes an origin (the origin group's probe interval). */
  readonly frontDoorProbeIntervalMs: number;
  /** Front Door: how many recent probes an edge judges an origin by (sampleSize). */
  readonly frontDoorSampleSize: number;
  /** Front Door: how many of those must have passed for the origin to be healthy. */
  readonly frontDoorSuccessfulSamples: number;
}

export const TIMINGS = {
  fast: {
    operationMs: 0,
    propagationMs: 0,
    clusterStartMs: 0,
    clusterStopMs: 0,
    stopToStartMs: 0,
    probeIntervalMs: 0,
    toleratedFailures: 0,
    dnsTtlMs: 0,
    nodePoolScaleMs: 0,
    frontDoorProbeIntervalMs: 0,
    frontDoorSampleSize: 1,
    frontDoorSuccessfulSamples: 1,
  },
  realistic: {
    // An origin update's ARM operation: tens of seconds (reported).
    operationMs: 45_000,
    // Front Door edge propagation: "up to 20 minutes" reported by users; 10 typical.
    propagationMs: 10 * 60_000,
    // AKS start: minutes (learn.microsoft.com, "Stop and start an AKS cluster").
    clusterStartMs: 5 * 60_000,
    clusterStopMs: 3 * 60_000,
    // The same page asks for 15 to 30 minutes between a stop and the next start.
    stopToStartMs: 15 * 60_000,
    // Traffic Manager monitor: 30 s interval (or 10), 3 tolerated failures, as the profile sets.
    probeIntervalMs: 30_000,
    toleratedFailures: 3,
    // The DNS TTL of the profile's answers (60 s is the portal's default).
    dnsTtlMs: 60_000,
    // New nodes in a node pool: AKS publishes no duration (learn.microsoft.com, "Scale node
    // pools": the pool shows Scaling until done); virtual machines created and joined, minutes.
    // An assumption, not a measurement.
    nodePoolScaleMs: 3 * 60_000,
    // Front Door origin health probes (learn.microsoft.com, "Health probes"): "the default probe
    // frequency of 30 seconds"; an origin is healthy when successfulSamplesRequired of the last
    // sampleSize probes passed: 3 of 4, the values Azure's published templates set.
    frontDoorProbeIntervalMs: 30_000,
    frontDoorSampleSize: 4,
    frontDoorSuccessfulSamples: 3,
  },
} as const satisfies Record<string, ServiceTimings>;

export type TimingProfileName = keyof typeof TIMINGS;

/** A profile with every duration multiplied by `scale` (counts are kept). */
export function scaled(timings: ServiceTimings, scale: number): ServiceTimings {
  const ms = (v: number) => Math.round(v * scale);
  return {
    operationMs: ms(timings.operationMs),
    propagationMs: ms(timings.propagationMs),
    clusterStartMs: ms(timings.clusterStartMs),
    clusterStopMs: ms(timings.clusterStopMs),
    stopToStartMs: ms(timings.stopToStartMs),
    probeIntervalMs: ms(timings.probeIntervalMs),
    toleratedFailures: timings.toleratedFailures,
    dnsTtlMs: ms(timings.dnsTtlMs),
    nodePoolScaleMs: ms(timings.nodePoolScaleMs),
    frontDoorProbeIntervalMs: ms(timings.frontDoorProbeIntervalMs),
    frontDoorSampleSize: timings.frontDoorSampleSize,
    frontDoorSuccessfulSamples: timings.frontDoorSuccessfulSamples,
  };
}
