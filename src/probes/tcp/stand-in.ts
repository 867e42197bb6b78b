// A stand-in for tcp targets, on loopback, for tests: a listener that accepts (up), and a port
// whose connections never complete (hang). Loaded by name, never by the Function App.
import { spawn } from "node:child_process";
import net from "node:net";
import type { AddressInfo } from "node:net";
import type { ProbeStandIn } from "../types.js";

/**
 * A loopback port whose listener never accepts and whose backlog is full, so a new connection
 * hangs in the handshake: a connect timeout without leaving the machine. The listener runs in a
 * child process whose event loop is blocked.
 */
export async function unacceptingPort(): Promise<{ port: number; close(): void }> {
  const child = spawn(
    process.execPath,
    [
      "-e",
      "const s=require('net').createServer();s.listen({port:0,host:'127.0.0.1',backlog:1},()=>{process.stdout.write(s.address().port+'\\n');Atomics.wait(new Int32Array(new SharedArrayBuffer(4)),0,0,60000)})",
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const port = await new Promise<number>((resolve) =>
    child.stdout.once("data", (d: Buffer) => resolve(Number(String(d).trim()))),
  );
  const fillers = Array.from({ length: 10 }, () =>
    net.connect(port, "127.0.0.1").on("error", () => {}),
  );
  await new Promise((resolve) => setTimeout(resolve, 200));
  return {
    port,
    close: () => {
      for (const f of fillers) f.destroy();
      child.kill();
    },
  };
}

export async function startStandIn(): Promise<ProbeStandIn> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const stuck = await unacceptingPort();
  return {
    upUrl: `tcp://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hangUrl: `tcp://127.0.0.1:${stuck.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        stuck.close();
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
