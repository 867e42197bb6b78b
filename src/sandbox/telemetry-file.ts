// `npm start -- --telemetry`: both observers send about fifty records a second, which printed
// would bury the timeline. They go to a file instead, and the timeline gets one count a minute.
import { createWriteStream } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface TelemetryFile {
  readonly path: string;
  readonly record: (line: string, type: string) => void;
  close(): Promise<void>;
}

export async function telemetryFile(
  output: (line: string) => void,
  path = join(tmpdir(), "tandem-telemetry.log"),
  everyMs = 60_000,
): Promise<TelemetryFile> {
  const stream = createWriteStream(path, { flags: "w" });
  await new Promise<void>((resolve, reject) => {
    stream.once("open", () => resolve());
    stream.once("error", reject);
  });
  let counts = new Map<string, number>();
  const summary = setInterval(() => {
    if (counts.size === 0) return;
    const total = [...counts.values()].reduce((a, b) => a + b, 0);
    const kinds = [...counts].map(([type, n]) => `${n} ${type.replace(/Data$/, "")}`).join(", ");
    output(`telemetry  ${total} records in the last ${everyMs / 1000} s (${kinds}) in ${path}`);
    counts = new Map();
  }, everyMs);
  summary.unref();
  return {
    path,
    record: (line, type) => {
      stream.write(`${new Date().toISOString()} ${line}\n`);
      counts.set(type, (counts.get(type) ?? 0) + 1);
    },
    close: () => {
      clearInterval(summary);
      return new Promise<void>((resolve) => stream.end(() => resolve()));
    },
  };
}
