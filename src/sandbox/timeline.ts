// The sandbox's printed timeline: one line when the lease changes hands, when a kept verdict
// changes, for each line of an incident's history, and when a data store is asked to move (or is
// not moved). A subscriber to the domain events.
import { timeOfDay } from "../adapters/log/console-log.js";
import type { NamedSubscriber } from "../ports/events.js";

export function timeline(output: (line: string) => void): NamedSubscriber {
  return {
    name: "sandbox timeline",
    fn: (e) => {
      switch (e.type) {
        case "lease.acquired":
          return output(
            `${timeOfDay()}  lease                    ${e.holder} holds epoch ${e.epoch} and acts`,
          );
        case "verdict.changed":
          return output(
            `${timeOfDay()}  ${`${e.group}/${e.region}`.padEnd(24)} ${e.from ?? "(start)"} -> ${e.to}  (${e.reason})`,
          );
        // What happened to the data, beside the incident's steps: what a forced failover costs,
        // and why a store was left where it was.
        case "data.failover-asked":
          return output(
            `${timeOfDay()}  ${`${e.group} data ${e.store}`.padEnd(24)} ${e.region} asked to take the primary: ${e.mode === "forced" ? "forced, writes not yet replicated there are lost (allowDataLoss)" : "planned, no data lost"}`,
          );
        case "data.refused":
          return output(
            `${timeOfDay()}  ${`${e.group} data ${e.store}`.padEnd(24)} not moved to ${e.region}: ${e.reason}`,
          );
        case "data.stranded":
          return output(
            `${timeOfDay()}  ${`${e.group} data ${e.store}`.padEnd(24)} may be left in ${e.region}: ${e.reason}`,
          );
        case "incident.opened":
        case "incident.step":
        case "incident.closed":
          return output(
            `${timeOfDay()}  ${`${e.group} ${e.kind}`.padEnd(24)} ${e.step}: ${e.note}`,
          );
        default:
          return;
      }
    },
  };
}
