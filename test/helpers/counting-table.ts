// A Table client that counts every request it sends: a query page, a batch, a point read or a
// write each count one, as Table Storage bills them. For tests and benchmarks on Azurite.
import type { PipelinePolicy } from "@azure/core-rest-pipeline";
import { TableClient } from "@azure/data-tables";

export interface CountingTableClient {
  readonly client: TableClient;
  /** Requests sent so far. */
  requests(): number;
}

export function countingTableClient(connectionString: string, table: string): CountingTableClient {
  let sent = 0;
  const counter: PipelinePolicy = {
    name: "count-requests",
    sendRequest: (request, next) => {
      sent++;
      return next(request);
    },
  };
  const client = TableClient.fromConnectionString(connectionString, table, {
    allowInsecureConnection: true,
    additionalPolicies: [{ policy: counter, position: "perCall" }],
  });
  return { client, requests: () => sent };
}
