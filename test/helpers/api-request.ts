// A GET request as the API's routes take it, for tests and benchmarks that call a route without
// an HTTP server.
import type { ApiRequest } from "../../src/app/api/http.js";

export function getRequest(path: string, headers: Record<string, string> = {}): ApiRequest {
  const url = new URL(`http://127.0.0.1${path}`);
  return {
    method: "GET",
    params: {},
    query: url.searchParams,
    headers: new Headers(headers),
    bytes: async () => new Uint8Array(),
    id: "local",
  };
}
