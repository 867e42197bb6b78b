// Shared by the benchmarks: start the server process, summarise samples.
import { spawn } from "node:child_process";
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
