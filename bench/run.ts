// `npm run bench`: runs the benchmarks and prints their figures as JSON, one line each. Copy the
// figures into bench/RESULTS.md with the date, the machine and this command.
import { startServers } from "./harness.js";
import { probeOverhead } from "./probe-overhead.js";
import { probeTick } from "./probe-tick.js";

const servers = await startServers();
try {
  console.log(JSON.stringify({ bench: "probe-overhead", ...(await probeOverhead(servers, 300)) }));
  console.log(JSON.stringify({ bench: "probe-tick-500", ...(await probeTick(servers)) }));
} finally {
  servers.stop();
}
