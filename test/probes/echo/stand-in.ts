// The echo kind's stand-in on loopback: one server sends every line back (up), another accepts
// and stays silent (hang).
import net from "node:net";
import type { AddressInfo } from "node:net";
import type { ProbeStandIn } from "../../../src/probes/types.js";

async function server(onSocket: (socket: net.Socket) => void) {
  const sockets = new Set<net.Socket>();
  const listener = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    onSocket(socket);
  });
  await new Promise<void>((resolve) => listener.listen(0, "127.0.0.1", resolve));
  return {
    url: `echo://127.0.0.1:${(listener.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        listener.close(() => resolve());
      }),
  };
}

export async function startStandIn(): Promise<ProbeStandIn> {
  const up = await server((socket) => socket.pipe(socket));
  const hang = await server(() => {});
  return {
    upUrl: up.url,
    hangUrl: hang.url,
    close: async () => {
      await Promise.all([up.close(), hang.close()]);
    },
  };
}
