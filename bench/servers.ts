// Loopback HTTPS servers for the benchmarks, run in a child process so that their CPU is not the
// prober's: `healthy` answers at once, `slow` after 200 ms, `hanging` accepts and never answers.
// Prints one JSON line {ca, ports} when ready; stops when its parent closes stdin.
import https from "node:https";
import net from "node:net";
import type { AddressInfo } from "node:net";
import { createCertificateAuthority } from "../src/sandbox/certificates.js";

const ca = await createCertificateAuthority("Tandem bench CA");
const cert = await ca.issue({ names: ["bench.example.test", "127.0.0.1"] });

const listen = (server: net.Server) =>
  new Promise<number>((resolve) =>
    server.listen({ port: 0, host: "127.0.0.1", backlog: 2048 }, () =>
      resolve((server.address() as AddressInfo).port),
    ),
  );

const healthy = https.createServer(cert, (_req, res) => {
  res.writeHead(200, { "content-type": "application/json" });
  res.end('{"status":"ok"}');
});
const slow = https.createServer(cert, (_req, res) => {
  setTimeout(() => {
    res.writeHead(200, { "content-type": "application/json" });
    res.end('{"status":"ok"}');
  }, 200);
});
const sockets = new Set<net.Socket>();
const hanging = net.createServer((socket) => {
  sockets.add(socket);
  socket.on("error", () => {});
  socket.on("close", () => sockets.delete(socket));
});

const ports = {
  healthy: await listen(healthy),
  slow: await listen(slow),
  hanging: await listen(hanging),
};
process.stdout.write(`${JSON.stringify({ ca: ca.cert, ports })}\n`);
process.stdin.resume();
process.stdin.on("end", () => process.exit(0));
