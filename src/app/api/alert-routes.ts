// POST /api/alerts/{channel}/test (Operator role): sends a sample alert through one channel and
// answers with what the receiver said. A refused call is audited like every mutating route.
import { testChannel } from "../alerts/test-channel.js";
import { NAME } from "./bodies.js";
import { errorResponse } from "./http.js";
import { shortName } from "../../config/strict-json.js";
import type { ApiRoute } from "./routes.js";

export const alertTestRoute: ApiRoute = {
  name: "alertTest",
  route: "alerts/{channel}/test",
  methods: ["POST"],
  role: "operator",
  audited: () => ({ name: "api alerts test" }),
  handle: async (rt, request, caller) => {
    const name = request.params["channel"] ?? "";
    const known = rt.alerts.channels.map((c) => c.channel.name);
    const answer = NAME.test(name) ? await testChannel(rt, caller, name) : undefined;
    if (!answer)
      return errorResponse(
        404,
        "NotFound",
        `no alert channel "${NAME.test(name) ? shortName(name) : "(not a name)"}"; channels: ${known.join(", ") || "none configured"}`,
        { field: "channel" },
      );
    return { status: 200, jsonBody: answer };
  },
};
