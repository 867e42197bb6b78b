// The status page's history on Table Storage (ADR 0025): partition `rollup`, one row per UTC day
// and group (RowKey `{day}|{group}`), so that a range of days is one range query and a write of
// every group's day is one transaction per 100 groups. A row's JSON is cut into String
// properties as observation pages are (ADR 0023): at most 64 KiB each, 1 MiB per entity
// (learn.microsoft.com, "Understanding the Table service data model").
import type { TableClient, TransactionAction } from "@azure/data-tables";
import { odata } from "@azure/data-tables";
import type { RollupDay } from "../../../core/rollup.js";
import { rollupProblem } from "../../../core/rollup.js";
import type { Log } from "../../../ports/log.js";
import type { Entity } from "./entities.js";
import { CHUNK_CHARS, chunkProperty, cut, joinedChunks } from "./observation-pages.js";

const PARTITION = "rollup";
/** Table Storage accepts at most 100 operations in one transaction. */
const BATCH_LIMIT = 100;
/** After every `{day}|...` row key of a day: `|` sorts before `~`. */
const dayEnd = (day: string) => `${day}~`;

function rollupToEntity(row: RollupDay): Entity {
  const entity: Entity = { partitionKey: PARTITION, rowKey: `${row.day}|${row.group}` };
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
  return row["rowKey"] === `${day.day}|${day.group}`
    ? day
    : "a row key that is not its day and group";
}

async function inBatches(
  client: TableClient,
  actions: TransactionAction[],
  abortSignal: AbortSignal,
): Promise<void> {
  for (let i = 0; i < actions.length; i += BATCH_LIMIT)
    await client.submitTransaction(actions.slice(i, i + BATCH_LIMIT), { abortSignal });
}

export async function readRollupRows(
  client: TableClient,
  from: string,
  to: string,
  abortSignal: AbortSignal,
  log: Log | undefined,
): Promise<RollupDay[]> {
  const rows = client.listEntities<Record<string, unknown>>({
    queryOptions: {
      filter: odata`PartitionKey eq ${PARTITION} and RowKey ge ${from} and RowKey lt ${dayEnd(to)}`,
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
  return out;
}

export function writeRollupRows(
  client: TableClient,
  rows: readonly RollupDay[],
  abortSignal: AbortSignal,
): Promise<void> {
  // The rows of one call share a partition: every 100 of them go in one transaction.
  const unique = new Map(rows.map((r) => [`${r.day}|${r.group}`, r]));
  const actions = [...unique.values()].map((row): TransactionAction => [
    "upsert",
    rollupToEntity(row),
    "Replace",
  ]);
  return inBatches(client, actions, abortSignal);
}

export async function pruneRollupRows(
  client: TableClient,
  before: string,
  abortSignal: AbortSignal,
): Promise<number> {
  const keys = client.listEntities<Record<string, unknown>>({
    queryOptions: {
      filter: odata`PartitionKey eq ${PARTITION} and RowKey lt ${before}`,
      select: ["RowKey"],
    },
    abortSignal,
  });
  const actions: TransactionAction[] = [];
  for await (const row of keys)
    actions.push(["delete", { partitionKey: PARTITION, rowKey: String(row.rowKey) }]);
  await inBatches(client, actions, abortSignal);
  return actions.length;
}
