// The operator API's HTTP functions: each route of src/app/api as an Azure Functions HTTP
// function. Everything else (authorisation, bodies, commands, answers, error mapping) is in
// src/app/api; this file only maps the Functions request onto it.
import type { HttpRequest, InvocationContext } from "@azure/functions";
import type { ApiRequest } from "../src/app/api/http.js";
import type { ApiRoute, RuntimeSource } from "../src/app/api/routes.js";
import { API_ROUTES, serve } from "../src/app/api/routes.js";
import type { HttpFunction } from "./handlers.js";

function apiRequest(request: HttpRequest, context: InvocationContext): ApiRequest {
  return {
    method: request.method,
    params: request.params,
    query: request.query,
    headers: request.headers,
    bytes: async () => new Uint8Array(await request.arrayBuffer()),
    id: context.invocationId,
  };
}

function httpFunction(route: ApiRoute, runtime: RuntimeSource): HttpFunction {
  return {
    name: route.name,
    route: route.route,
    methods: route.methods,
    handler: (request, context) =>
      serve(route, runtime, apiRequest(request, context), { error: (m) => context.error(m) }),
  };
}

/** Every HTTP function: the status (JSON or the status page), the read models, the commands. */
export function apiFunctions(runtime: RuntimeSource): HttpFunction[] {
  return API_ROUTES.map((route) => httpFunction(route, runtime));
}

/** GET /api/status alone. */
export function statusApiFunction(runtime: RuntimeSource): HttpFunction {
  return httpFunction(
    API_ROUTES.find((r) => r.name === "status")!,
    runtime,
  );
}
