// Shared by the benchmarks: start the server process, summarise samples.
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";

export interface BenchServers {
  readonly ca: string;
  readonly ports: { healthy: number; slow: number; hanging: number };
  stop(): void;
}

export async function startServers(): Promise<BenchServers> {
  const script = fileURLToPath(new URL("./servers.js", import.meta.url));
  const child = spawn(process.execPath, [script], { stdio: ["pipe", "pipe", "inherit"] });
  const line = await new Promise<string>((resolve, reject) => {
    let buffer = "";
    child.stdout.on("data", (d: Buffer) => {
      buffer += d.toString();
      if (buffer.includes("\n")) resolve(buffer.split("\n")[0]!);
    });
    child.once("exit", (code) => reject(new Error(`bench servers exited with ${code}`)));
  });
  const { ca, ports } = JSON.parse(line) as { ca: string; ports: BenchServers["ports"] };
  return { ca, ports, stop: () => child.stdin.end() };
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/**
 * A loopback server answering "ok" on every path, and a configuration file at `file` of one
 * active-passive group (two regions and an entry point, all on that server) and two observers.
 */
export async function loopbackGroup(
  file: string,
  policy: { intervalSeconds: number; probeTimeoutSeconds: number },
): Promise<Server> {
  const target = createServer((_req, res) => res.end("ok"));
  await new Promise<void>((r) => target.listen(0, "127.0.0.1", r));
  const url = (path: string) =>
    `http://127.0.0.1:${(target.address() as AddressInfo).port}/${path}`;
  writeFileSync(
    file,
    JSON.stringify({
      observers: [{ region: "westeurope" }, { region: "northeurope" }],
      stateStore: { connection: "env:TANDEM_STORAGE" },
      policy,
      groups: [
        {
          name: "shop",
          model: "active-passive",
          entryPoint: { url: url("entry") },
          regions: [
            { name: "westeurope", role: "primary", probe: { url: url("weu") } },
            { name: "northeurope", role: "secondary", probe: { url: url("neu") } },
          ],
        },
      ],
    }),
  );
  return target;
}
