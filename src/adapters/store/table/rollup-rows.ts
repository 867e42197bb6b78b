// The status page's history on Table Storage (ADR 0025, 0031): partition `rollup`, one row per
// group and UTC day (RowKey `{group}|{day}`, and the day again in the property `day`), so that
// one group's 30 days are one range query, and a write of every group's day is still one
// transaction per 100 groups. The reads of every group's day (a new holder's, the daily
// compaction and prune) filter on `day`: a scan of the partition, once per epoch or day. A row's
// JSON is cut into String properties as observation pages are (ADR 0023): at most 64 KiB each,
// 1 MiB per entity (learn.microsoft.com, "Understanding the Table service data model"; "Design
// for querying": a PartitionKey and RowKey range is a range query, a filter on another property
// scans the partition).
import type { TableClient, TransactionAction } from "@azure/data-tables";
import { odata } from "@azure/data-tables";
import type { RollupDay } from "../../../core/rollup.js";
import { rollupProblem } from "../../../core/rollup.js";
import type { Log } from "../../../ports/log.js";
import type { Entity } from "./entities.js";
import { CHUNK_CHARS, cut } from "./chunks.js";
import { chunkProperty, joinedChunks } from "./observation-pages.js";

const PARTITION = "rollup";
/** Table Storage accepts at most 100 operations in one transaction. */
const BATCH_LIMIT = 100;
const rowKey = (group: string, day: string) => `${group}|${day}`;

function rollupToEntity(row: RollupDay): Entity {
  const entity: Entity = {
    partitionKey: PARTITION,
    rowKey: rowKey(row.group, row.day),
    day: row.day,
  };
  cut(JSON.stringify(row), CHUNK_CHARS).forEach((chunk, i) => (entity[chunkProperty(i)] = chunk));
  return entity;
}

/** The row's day, or why it is not a rollup row as written here. */
function entityToRollup(row: Record<string, unknown>): RollupDay | string {
  let value: unknown;
  try {
    value = JSON.parse(joinedChunks(row));
  } catch {
    return "not JSON";
  }
  const problem = rollupProblem(value);
  if (problem) return problem;
  const day = value as RollupDay;
  return row["rowKey"] === rowKey(day.group, day.day)
    ? day
    : "a row key that is not its group and day";
}

async function inBatches(
  client: TableClient,
  actions: TransactionAction[],
  abortSignal: AbortSignal,
): Promise<void> {
  for (let i = 0; i < actions.length; i += BATCH_LIMIT)
    await client.submitTransaction(actions.slice(i, i + BATCH_LIMIT), { abortSignal });
}

/**
 * The rows of the days `from` to `to`: of one group, a range of row keys (a group name has no
 * `|`, which sorts after every character a name may hold); of every group, a filter on `day`.
 * Oldest day first, then by group.
 */
export async function readRollupRows(
  client: TableClient,
  from: string,
  to: string,
  group: string | undefined,
  abortSignal: AbortSignal,
  log: Log | undefined,
): Promise<RollupDay[]> {
  const rows = client.listEntities<Record<string, unknown>>({
    queryOptions: {
      filter:
        group === undefined
          ? odata`PartitionKey eq ${PARTITION} and day ge ${from} and day le ${to}`
          : odata`PartitionKey eq ${PARTITION} and RowKey ge ${rowKey(group, from)} and RowKey le ${rowKey(group, to)}`,
    },
    abortSignal,
  });
  const out: RollupDay[] = [];
  for await (const row of rows) {
    const day = entityToRollup(row);
    if (typeof day === "string")
      log?.warn(`state store: skipped a malformed rollup row (${String(row.rowKey)}): ${day}`);
    else out.push(day);
  }
  return out.sort((a, b) => a.day.localeCompare(b.day) || a.group.localeCompare(b.group));
}

export function writeRollupRows(
  client: TableClient,
  rows: readonly RollupDay[],
  abortSignal: AbortSignal,
): Promise<void> {
  // The rows of one call share a partition: every 100 of them go in one transaction.
  const unique = new Map(rows.map((r) => [rowKey(r.group, r.day), r]));
  const actions = [...unique.values()].map((row): TransactionAction => [
    "upsert",
    rollupToEntity(row),
    "Replace",
  ]);
  return inBatches(client, actions, abortSignal);
}

/**
 * Deletes the rows of days before `before`, and rows without a `day` (written as `{day}|{group}`
 * before ADR 0031, by no released version): the keys of the whole partition are read, a page per
 * 1,000 rows, once a day.
 */
export async function pruneRollupRows(
  client: TableClient,
  before: string,
  abortSignal: AbortSignal,
): Promise<number> {
  const keys = client.listEntities<Record<string, unknown>>({
    queryOptions: { filter: odata`PartitionKey eq ${PARTITION}`, select: ["RowKey", "day"] },
    abortSignal,
  });
  const actions: TransactionAction[] = [];
  for await (const row of keys)
    if (typeof row["day"] !== "string" || row["day"] < before)
      actions.push(["delete", { partitionKey: PARTITION, rowKey: String(row.rowKey) }]);
  await inBatches(client, actions, abortSignal);
  return actions.length;
}
