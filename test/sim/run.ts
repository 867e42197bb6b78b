// Runs many seeded simulations and summarises them; used by the CI test and `npm run sim`.
import type { Model, SimResult } from "./simulate.js";
import { simulate } from "./simulate.js";

export const MODELS: readonly Model[] = ["active-passive", "passive-cold", "active-active"];

export interface Summary {
  readonly runs: number;
  readonly failing: readonly SimResult[];
  readonly failovers: number;
  readonly outages: number;
  readonly detectionMs: readonly number[];
  readonly elapsedMs: number;
}

export const replayCommand = (r: SimResult, minutes: number) =>
  `npm run sim -- --seed ${r.seed} --model ${r.model} --minutes ${minutes}`;

export async function simulateMany(options: {
  runs: number;
  firstSeed?: number;
  minutes: number;
  models?: readonly Model[];
}): Promise<Summary> {
  const started = Date.now();
  const models = options.models ?? MODELS;
  const failing: SimResult[] = [];
  let failovers = 0;
  let outages = 0;
  const detectionMs: number[] = [];
  for (let i = 0; i < options.runs; i++) {
    const seed = (options.firstSeed ?? 1) + Math.floor(i / models.length);
    const model = models[i % models.length]!;
    const result = await simulate(seed, { model, minutes: options.minutes });
    if (result.violations.length > 0) failing.push(result);
    failovers += result.failovers;
    outages += result.outages;
    detectionMs.push(...result.detectionMs);
  }
  return {
    runs: options.runs,
    failing,
    failovers,
    outages,
    detectionMs,
    elapsedMs: Date.now() - started,
  };
}
