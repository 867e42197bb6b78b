// A stand-in for an http target, on loopback, for tests (the sandbox's regional apps are the
// fuller one): `/healthz` answers 200, `/hang` is accepted and never answered.
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { ProbeStandIn } from "../types.js";

export async function startStandIn(): Promise<ProbeStandIn> {
  const server = http.createServer((req, res) => {
    if (req.url === "/hang") return;
    res.writeHead(200, { "content-type": "text/plain" }).end("ok");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    upUrl: `${base}/healthz`,
    hangUrl: `${base}/hang`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
