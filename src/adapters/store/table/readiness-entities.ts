// Readiness reports and drill predictions as Table rows: one partition of their own (so that the
// runbook's partition, read whole every tick, does not carry them), one row per group and kind,
// the value as JSON. A row that does not decode is skipped and reported, never fatal.
import type { ReadinessReport } from "../../../core/readiness.js";
import type { DrillRecord } from "../../../ports/readiness-store.js";
import type { Entity } from "./entities.js";

export const READINESS_PARTITION = "readiness";
const REPORT = "report|";
const DRILL = "drill|";

const isNumber = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);

function parsed(row: Record<string, unknown>): Record<string, unknown> | undefined {
  if (typeof row["data"] !== "string") return undefined;
  try {
    const value = JSON.parse(row["data"]) as unknown;
    return typeof value === "object" && value !== null
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

export function reportToEntity(report: ReadinessReport): Entity {
  return {
    partitionKey: READINESS_PARTITION,
    rowKey: `${REPORT}${report.group}`,
    data: JSON.stringify(report),
  };
}

export function drillToEntity(group: string, drill: DrillRecord): Entity {
  return {
    partitionKey: READINESS_PARTITION,
    rowKey: `${DRILL}${group}`,
    data: JSON.stringify(drill),
  };
}

/** A row of the readiness partition: a report or a drill, or undefined when it does not decode. */
export function entityToReadiness(
  row: Record<string, unknown>,
):
  | { readonly report: ReadinessReport }
  | { readonly group: string; readonly drill: DrillRecord }
  | undefined {
  const key = typeof row["rowKey"] === "string" ? row["rowKey"] : "";
  const value = parsed(row);
  if (!value) return undefined;
  if (key.startsWith(REPORT)) {
    if (
      !isNumber(value["at"]) ||
      !Array.isArray(value["checks"]) ||
      typeof value["verdict"] !== "string"
    )
      return undefined;
    return {
      report: { ...(value as unknown as ReadinessReport), group: key.slice(REPORT.length) },
    };
  }
  if (key.startsWith(DRILL)) {
    if (!isNumber(value["at"]) || !isNumber(value["expectedSeconds"])) return undefined;
    return { group: key.slice(DRILL.length), drill: value as unknown as DrillRecord };
  }
  return undefined;
}
