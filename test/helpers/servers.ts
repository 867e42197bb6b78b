// Real servers on loopback for probe tests: each answers in one particular way.
import http from "node:http";
import net from "node:net";
import type { AddressInfo } from "node:net";

export interface TestServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

async function listen(server: net.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

function closer(server: net.Server, sockets: Set<net.Socket>): () => Promise<void> {
  return () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
}

function track(server: net.Server): Set<net.Socket> {
  const sockets = new Set<net.Socket>();
  server.on("connection", (socket: net.Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  return sockets;
}

/** Answers every request with `status` and a small body. */
export async function statusServer(status: number): Promise<TestServer> {
  const server = http.createServer((_req, res) => {
    res.writeHead(status, { "content-type": "text/plain" });
    res.end(`status ${status}`);
  });
  const sockets = track(server);
  const port = await listen(server);
  return { url: `http://127.0.0.1:${port}/healthz`, port, close: closer(server, sockets) };
}

/** Accepts connections and never answers. */
export async function hangingServer(): Promise<TestServer> {
  const server = net.createServer(() => {});
  const sockets = track(server);
  const port = await listen(server);
  return { url: `http://127.0.0.1:${port}/healthz`, port, close: closer(server, sockets) };
}

/** Accepts each connection and resets it at once. */
export async function resettingServer(): Promise<TestServer> {
  const server = net.createServer((socket) => socket.resetAndDestroy());
  const sockets = track(server);
  const port = await listen(server);
  return { url: `http://127.0.0.1:${port}/healthz`, port, close: closer(server, sockets) };
}

/** A loopback port with nothing listening on it. */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  const port = await listen(server);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A loopback port whose connections hang in the handshake (the tcp kind's stand-in has it). */
export { unacceptingPort } from "../../src/probes/tcp/stand-in.js";
