// An observer's observations packed into a few rows ("pages") of its partition (ADR 0023): at
// 1,000 groups a probe tick writes about ten rows instead of 3,000, in one transaction with its
// heartbeat. Limits that shape the packing (learn.microsoft.com, "Understanding the Table service
// data model" and "Performing entity group transactions"): an entity holds at most 1 MiB and 252
// properties, a String property at most 64 KiB (UTF-16, so 32,768 characters), and a transaction
// at most 100 entities and 4 MiB of payload.
import { CHUNK_CHARS, cut } from "./chunks.js";
import type { Observation } from "../../../core/observation.js";
import type { Entity } from "./entities.js";
import { entityToObservation, observationToEntity, observerPartition } from "./entities.js";

/** The heartbeat and the pages: every row of the layout of ADR 0023 sorts from here. */
export const PAGED_ROWS_FROM = "~";
/** Page rows sort after the heartbeat (`~heartbeat`) and after every per-target row of ADR 0014. */
const PAGE_PREFIX = "~page|";
const pageRow = (index: number) => `${PAGE_PREFIX}${String(index).padStart(4, "0")}`;
export const isPageRow = (rowKey: string | undefined) => rowKey?.startsWith(PAGE_PREFIX) ?? false;
export const pageIndex = (rowKey: string) => Number(rowKey.slice(PAGE_PREFIX.length));

/** Characters of observations in one page: 10 properties, 600,000 bytes, under the 1 MiB entity. */
const PAGE_CHARS = 10 * CHUNK_CHARS;
export const chunkProperty = (i: number) => `d${String(i).padStart(2, "0")}`;

/** One observation as packed: the Table row's fields without its keys and its observer. */
function pack(o: Observation): Record<string, unknown> {
  const {
    partitionKey: _p,
    rowKey: _r,
    observer: _o,
    ...fields
  } = observationToEntity(o) as Entity & { observer: string };
  // Typed doubles ({ value, type }) are a Table annotation; inside JSON a number is a number.
  return Object.fromEntries(
    Object.entries(fields).map(([k, v]) => [
      k,
      typeof v === "object" && v !== null && "value" in v ? (v as { value: unknown }).value : v,
    ]),
  );
}

/** The text a row was cut into (`d00`, `d01`, ... in order). */
export function joinedChunks(row: Record<string, unknown>): string {
  let text = "";
  for (let i = 0; typeof row[chunkProperty(i)] === "string"; i++) text += row[chunkProperty(i)];
  return text;
}

/**
 * The page rows of one observer's observations, in order: each page a JSON array of packed
 * observations, at most PAGE_CHARS long, in String properties `d00`, `d01`, ...
 */
export function observationPages(observer: string, observations: readonly Observation[]): Entity[] {
  const pages: string[][] = [];
  let current: string[] = [];
  let chars = 0;
  for (const o of observations) {
    const text = JSON.stringify(pack(o));
    if (current.length > 0 && chars + text.length + 1 > PAGE_CHARS) {
      pages.push(current);
      current = [];
      chars = 0;
    }
    current.push(text);
    chars += text.length + 1;
  }
  if (current.length > 0) pages.push(current);
  return pages.map((items, index) => {
    const entity: Entity = { partitionKey: observerPartition(observer), rowKey: pageRow(index) };
    cut(`[${items.join(",")}]`, CHUNK_CHARS).forEach(
      (chunk, i) => (entity[chunkProperty(i)] = chunk),
    );
    return entity;
  });
}

/** A page row with no observations: what a page an observer no longer needs is overwritten with. */
export function emptyPage(observer: string, index: number): Entity {
  return {
    partitionKey: observerPartition(observer),
    rowKey: pageRow(index),
    [chunkProperty(0)]: "[]",
  };
}

/**
 * The observations of one page row, or undefined when the row is not a page as written here.
 * A packed observation that does not decode is left out and counted in `skipped`.
 */
export function pageObservations(
  observer: string,
  row: Record<string, unknown>,
): { observations: Observation[]; skipped: number } | undefined {
  let items: unknown;
  try {
    items = JSON.parse(joinedChunks(row));
  } catch {
    return undefined;
  }
  if (!Array.isArray(items)) return undefined;
  const observations: Observation[] = [];
  let skipped = 0;
  for (const item of items) {
    const o =
      typeof item === "object" && item !== null
        ? entityToObservation({ ...(item as Record<string, unknown>), observer })
        : undefined;
    if (o) observations.push(o);
    else skipped++;
  }
  return { observations, skipped };
}
