// `npm run bench`: runs the benchmarks and prints their figures as JSON, one line each. Copy the
// figures into bench/RESULTS.md with the date, the machine and this command.
import { parseArgs } from "node:util";
import { detection, falseFailovers } from "./detection.js";
import { footprint } from "./footprint.js";
import { startServers } from "./harness.js";
import { probeOverhead } from "./probe-overhead.js";
import { probeTick } from "./probe-tick.js";

const { values } = parseArgs({
  options: {
    only: { type: "string" },
    "region-hours": { type: "string", default: "10000" },
    "detection-runs": { type: "string", default: "500" },
  },
});
const want = (name: string) => values.only === undefined || values.only === name;

if (want("probe")) {
  const servers = await startServers();
  try {
    console.log(
      JSON.stringify({ bench: "probe-overhead", ...(await probeOverhead(servers, 300)) }),
    );
    console.log(JSON.stringify({ bench: "probe-tick-500", ...(await probeTick(servers)) }));
  } finally {
    servers.stop();
  }
}
if (want("footprint"))
  console.log(JSON.stringify({ bench: "function-app-footprint", ...(await footprint()) }));
if (want("detection"))
  console.log(
    JSON.stringify({ bench: "detection", ...(await detection(Number(values["detection-runs"]))) }),
  );
if (want("false-failovers"))
  console.log(
    JSON.stringify({
      bench: "false-failovers",
      ...(await falseFailovers(Number(values["region-hours"]))),
    }),
  );
