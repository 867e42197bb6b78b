// Detection and false failovers, on seeded simulated timelines (test/sim), against a model of
// Traffic Manager's own probing.
//
// Detection: one hard outage of the primary at a random moment; the time from its start to the
// lease holder's kept `down` verdict (Tandem: 10 s interval, failureThreshold 3 counting
// confirmation re-probes, 3 observers, 2 % probe loss). Traffic Manager model: one probe per
// interval at a random phase; the endpoint is degraded at the probe after `tolerated` failed
// probes (its documented rule: tolerated failures, then degraded). Real Traffic Manager probes
// from many agents and aggregates them; the model keeps only its timing.
//
// False failovers: timelines with no outage at all, but 2 % probe loss, latency spikes seen by
// one observer, and partitions between one observer and one region, a few times an hour: every
// failover opened is a false one.
import type { FailureKind } from "../test/sim/simulate.js";
import { FAILURE_KINDS, random, simulate } from "../test/sim/simulate.js";

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

export function trafficManagerDetection(
  seed: number,
  intervalMs: number,
  tolerated: number,
): number {
  const rand = random(seed ^ 0x5f3759df);
  const phase = rand() * intervalMs;
  // Probes at phase + k * interval; the first one at or after the outage start fails, and the
  // endpoint is degraded after `tolerated` more.
  return phase + tolerated * intervalMs;
}

export async function detection(runs: number) {
  const tandem: number[] = [];
  for (let seed = 1; seed <= runs; seed++) {
    const result = await simulate(seed, {
      model: "active-passive",
      minutes: 6,
      scenario: "outage",
      noQuietPeriod: true,
    });
    tandem.push(...result.detectionMs);
  }
  const tmFast = Array.from({ length: runs }, (_, i) => trafficManagerDetection(i + 1, 10_000, 3));
  const tmDefault = Array.from({ length: runs }, (_, i) =>
    trafficManagerDetection(i + 1, 30_000, 3),
  );
  const row = (values: number[]) => ({
    outages: values.length,
    medianS: Math.round(percentile(values, 50) / 100) / 10,
    p99S: Math.round(percentile(values, 99) / 100) / 10,
  });
  const t = row(tandem);
  return {
    runs,
    tandem: t,
    trafficManagerFast: row(tmFast),
    trafficManagerDefault: row(tmDefault),
    goal: "Tandem median <= 6 s, p99 <= 12 s",
    met: t.medianS <= 6 && t.p99S <= 12 && t.outages === runs,
  };
}

/**
 * Detection per way the primary fails, on the same seeds (the outage starts at the same moment in
 * each kind's run of a seed): refused, reset and 5xx fail at once; a hang and a TLS stall only
 * after the probe's timeout (2 s in the simulation), too slow after 1.5 s. Goal: every kind's
 * median and p99 within 1.5 times the refused connection's.
 */
export async function detectionByKind(runs: number) {
  const figures: Record<string, { outages: number; medianS: number; p99S: number }> = {};
  for (const kind of FAILURE_KINDS) {
    const values: number[] = [];
    for (let seed = 1; seed <= runs; seed++) {
      const result = await simulate(seed, {
        model: "active-passive",
        minutes: 6,
        scenario: "outage",
        noQuietPeriod: true,
        failure: kind as FailureKind,
      });
      values.push(...result.detectionMs);
    }
    figures[kind] = {
      outages: values.length,
      medianS: Math.round(percentile(values, 50) / 100) / 10,
      p99S: Math.round(percentile(values, 99) / 100) / 10,
    };
  }
  const refused = figures["refused"]!;
  const within = (f: { medianS: number; p99S: number; outages: number }) =>
    f.outages === runs && f.medianS <= refused.medianS * 1.5 && f.p99S <= refused.p99S * 1.5;
  return {
    runs,
    byKind: figures,
    goal: "every kind's median and p99 <= 1.5 x the refused connection's",
    met: Object.values(figures).every(within),
  };
}

/**
 * `regionHours` of noise timelines (10 hours of two regions each), from the timeline `from`
 * (1-based), so a long soak can be split across processes: `--region-hours 5000 --from 251` is
 * the second half of the default 10,000. Progress goes to stderr every 25 timelines, with the
 * failovers so far, so a run stopped early still says what it covered.
 */
export async function falseFailovers(regionHours: number, from = 1) {
  const hoursPerRun = 10;
  const runs = Math.ceil(regionHours / (2 * hoursPerRun));
  const started = Date.now();
  const cpu = process.cpuUsage();
  const cpuSeconds = () => {
    const used = process.cpuUsage(cpu);
    return (used.user + used.system) / 1e6;
  };
  let failovers = 0;
  for (let i = 0; i < runs; i++) {
    const seed = from + i;
    const result = await simulate(100_000 + seed, {
      model: "active-passive",
      minutes: hoursPerRun * 60,
      scenario: "noise",
      noQuietPeriod: true,
    });
    failovers += result.failovers;
    if ((i + 1) % 25 === 0 || i + 1 === runs)
      process.stderr.write(
        `false-failovers: timelines ${from} to ${seed} (${(i + 1) * hoursPerRun * 2} region-hours): ${failovers} failovers, ${Math.round((Date.now() - started) / 1000)} s, ${(cpuSeconds() / (i + 1)).toFixed(2)} s of CPU per timeline\n`,
      );
  }
  return {
    timelines: `${from} to ${from + runs - 1}`,
    regionHours: runs * hoursPerRun * 2,
    falseFailovers: failovers,
    cpuSecondsPerTimeline: Math.round((cpuSeconds() / runs) * 100) / 100,
    goal: "0 in >= 10,000 region-hours",
    met: failovers === 0 && runs * hoursPerRun * 2 >= 10_000,
  };
}
