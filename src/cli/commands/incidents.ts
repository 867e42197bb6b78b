// `tandem incidents [ID]`: recent incidents, or one with its steps.
import type { IncidentDetail, IncidentsAnswer } from "../../app/api/types.js";
import { EXIT, call, queryOf } from "../client.js";
import type { CommandContext } from "../command.js";
import { Usage } from "../command.js";
import { formatIncident, formatIncidents } from "../format.js";

export async function incidents({ positional, options: o, api, print }: CommandContext) {
  if (positional.length > 1) throw new Usage("incidents takes at most one ID");
  if (positional[0]) {
    const { body } = await call<IncidentDetail>(
      api,
      "GET",
      `/api/incidents/${encodeURIComponent(positional[0])}`,
    );
    print(formatIncident(body), body);
    return EXIT.ok;
  }
  const query = queryOf({ group: o.group, limit: o.limit });
  const { body } = await call<IncidentsAnswer>(api, "GET", `/api/incidents?${query}`);
  print(formatIncidents(body), body);
  return EXIT.ok;
}
