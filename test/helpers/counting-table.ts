// A Table client that counts every request it sends: a query page, a batch, a point read or a
// write each count one, as Table Storage bills them; and the bytes of the answers. For tests and
// benchmarks on Azurite.
import type { PipelinePolicy } from "@azure/core-rest-pipeline";
import { TableClient } from "@azure/data-tables";

export interface CountingTableClient {
  readonly client: TableClient;
  /** Requests sent so far. */
  requests(): number;
  /** Bytes of the answers' bodies received so far (as text: what the client parses). */
  bytes(): number;
}

export function countingTableClient(connectionString: string, table: string): CountingTableClient {
  let sent = 0;
  let received = 0;
  const counter: PipelinePolicy = {
    name: "count-requests",
    sendRequest: async (request, next) => {
      sent++;
      const response = await next(request);
      received += Buffer.byteLength(response.bodyAsText ?? "");
      return response;
    },
  };
  const client = TableClient.fromConnectionString(connectionString, table, {
    allowInsecureConnection: true,
    additionalPolicies: [{ policy: counter, position: "perCall" }],
  });
  return { client, requests: () => sent, bytes: () => received };
}
