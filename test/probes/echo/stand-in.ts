// The echo kind's stand-in on loopback: one server sends every line back (up), another accepts
// and stays silent (hang). The up one can be silenced, as a region is lost, and brought back.
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

export interface EchoStandIn extends ProbeStandIn {
  /** Whether the up target sends lines back; false: it accepts and stays silent, as hang does. */
  answering: boolean;
}

export async function startStandIn(): Promise<EchoStandIn> {
  const standIn = { answering: true };
  const up = await server((socket) =>
    socket.on("data", (chunk) => {
      if (standIn.answering) socket.write(chunk);
    }),
  );
  const hang = await server(() => {});
  return Object.assign(standIn, {
    upUrl: up.url,
    hangUrl: hang.url,
    close: async () => {
      await Promise.all([up.close(), hang.close()]);
    },
  });
}
