// A node:test reporter that adds up each test file's time (its top-level tests and suites, which
// run one after another) and prints the files from slowest to fastest when the run ends, marking
// those over the per-file budget (TANDEM_FILE_BUDGET_SECONDS, default 60). Used beside the normal
// reporter by `npm test` and `npm run test:stress`.
import { relative, sep } from "node:path";
import { WAITING, WAITING_SUITES } from "./test-files.js";

interface Event {
  readonly type: string;
  readonly data: {
    readonly nesting?: number;
    readonly file?: string;
    readonly details?: { readonly duration_ms?: number };
  };
}

export default async function* fileTimes(source: AsyncIterable<Event>): AsyncGenerator<string> {
  const budgetMs = Number(process.env["TANDEM_FILE_BUDGET_SECONDS"] ?? 60) * 1000;
  const times = new Map<string, number>();
  for await (const event of source) {
    if (event.type !== "test:pass" && event.type !== "test:fail") continue;
    const { nesting, file, details } = event.data;
    if (nesting !== 0 || !file) continue;
    times.set(file, (times.get(file) ?? 0) + (details?.duration_ms ?? 0));
  }
  const sorted = [...times].sort((a, b) => b[1] - a[1]);
  // A file that waits on real time by design (WAITING) is not held to the budget.
  const waits = (file: string) =>
    [...WAITING, ...WAITING_SUITES].some((source) =>
      file
        .split(sep)
        .join("/")
        .endsWith(source.replace(/^test\//, "dist/test/").replace(/\.ts$/, ".js")),
    );
  const over = sorted.filter(([file, ms]) => ms > budgetMs && !waits(file));
  yield `\nTime per test file (budget ${budgetMs / 1000} s each):\n`;
  for (const [file, ms] of sorted.slice(0, 12))
    yield `  ${(ms / 1000).toFixed(1).padStart(6)} s  ${relative(process.cwd(), file)}${ms <= budgetMs ? "" : waits(file) ? "  (waits on real time by design)" : "  OVER BUDGET"}\n`;
  if (sorted.length > 12) yield `  ... and ${sorted.length - 12} faster files\n`;
  yield over.length
    ? `${over.length} file(s) over the per-file budget\n`
    : `every file within the per-file budget\n`;
}
