// Azurite's Table service, in this process, in memory, on a free loopback port: no global
// install, nothing written to disk, started in milliseconds.
import { createRequire } from "node:module";
import { join } from "node:path";

/** Azurite's documented development account; not a secret. */
const DEV_ACCOUNT = "devstoreaccount1";
const DEV_KEY =
  "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

interface AzuriteServer {
  start(): Promise<void>;
  close(): Promise<void>;
  clean(): Promise<void>;
  readonly httpServer: { address(): { port: number } | string | null };
}

export interface Azurite {
  readonly connectionString: string;
  readonly endpoint: string;
  readonly port: number;
  stop(): Promise<void>;
}

function load(): {
  TableServer: new (config: unknown) => AzuriteServer;
  TableConfiguration: new (...args: unknown[]) => unknown;
} {
  const require = createRequire(import.meta.url);
  try {
    return {
      TableServer: (require("azurite/dist/src/table/TableServer") as { default: never }).default,
      TableConfiguration: (
        require("azurite/dist/src/table/TableConfiguration") as { default: never }
      ).default,
    };
  } catch (error) {
    throw new Error(
      `the sandbox needs the azurite package (a dev dependency): run "npm ci" without --omit=dev (${(error as Error).message})`,
      { cause: error },
    );
  }
}

/**
 * Starts Azurite's Table service. `port` 0 picks a free port. With `persistDir`, tables live in
 * that folder and survive a stop and a restart on the same port (for outage tests); otherwise in
 * memory.
 */
export async function startAzurite(
  port = 0,
  options: { persistDir?: string } = {},
): Promise<Azurite> {
  const { TableServer, TableConfiguration } = load();
  // Positional arguments of TableConfiguration: host, port, keep-alive timeout, database path,
  // debug log, access log, access log stream, debug log path, loose, skip api-version check,
  // cert, key, password, oauth, disable product-style URL, in-memory persistence.
  const config = new TableConfiguration(
    "127.0.0.1",
    port,
    undefined,
    options.persistDir
      ? join(options.persistDir, "azurite-table.json")
      : "azurite-table-unused.json",
    false,
    false,
    undefined,
    undefined,
    false,
    true,
    "",
    "",
    "",
    undefined,
    false,
    options.persistDir === undefined,
  );
  const server = new TableServer(config);
  await server.start();
  const address = server.httpServer.address();
  const actual = typeof address === "object" && address !== null ? address.port : port;
  const endpoint = `http://127.0.0.1:${actual}/${DEV_ACCOUNT}`;
  return {
    connectionString: `DefaultEndpointsProtocol=http;AccountName=${DEV_ACCOUNT};AccountKey=${DEV_KEY};TableEndpoint=${endpoint};`,
    endpoint,
    port: actual,
    stop: async () => {
      await server.close();
      // In memory, clean() frees the data; on disk it would delete what a restart should find.
      if (options.persistDir === undefined) await server.clean();
    },
  };
}
