// The sandbox's printed timeline: one line when the lease changes hands, when a kept verdict
// changes, and for each line of an incident's history. A subscriber to the domain events.
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
