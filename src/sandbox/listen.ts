// Starting and stopping the sandbox's small loopback servers.
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";

/** Listens on 127.0.0.1 (port 0 picks a free one) and returns the port. */
export async function listenLoopback(server: Server, port = 0): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}

/** Closes a server and every connection it holds, and waits until it is closed. */
export function closeServer(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** The one loopback server a sandbox part runs: its port once listening, and a stop safe to repeat. */
export class LoopbackServer {
  #server: Server | undefined;
  #port = 0;

  get port(): number {
    return this.#port;
  }

  async listen(server: Server): Promise<void> {
    this.#port = await listenLoopback(server);
    this.#server = server;
  }

  async stop(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = undefined;
    await closeServer(server);
  }
}
