// Where a request came from, as the platform states it, for the audit log. App Service's front
// end (which Flex Consumption apps are reached through) adds a `client-ip` header "as part of
// routing" and "will overwrite any existing header so they cannot be spoofed" (the App Service
// team's notes: Azure/app-service-linux-docs, Things_You_Should_Know/headers.md). That is the
// client, kept whole (it may carry the port). Without it, the last X-Forwarded-For entry: a front
// end appends the address it took the connection from after whatever the caller sent (Azure
// Front Door's documentation: "If there's an existing XFF header, then Front Door appends the
// client socket IP to it"). Whatever comes before that is the caller's, or a proxy of its
// choosing, and may be forged: the chain is kept beside the address, bounded from its start,
// never cut at the end. The local host states its socket's address the same way
// (src/sandbox/http-host.ts), overwriting a `client-ip` a caller sent.
import { printable } from "../printable.js";

/** An IPv6 address with a zone and a port is under 70 characters. */
const MAX_ADDRESS = 100;
/** The chain is for the record; its last 300 characters are what a front end wrote. */
const MAX_CHAIN = 300;

export interface ClientAddress {
  /** `client-ip`, as the platform's front end set it; else the last X-Forwarded-For entry. */
  readonly from: string;
  /** X-Forwarded-For, when it says more than `from` (its end, if it is long). */
  readonly chain?: string;
}

export function clientAddress(headers: Pick<Headers, "get">): ClientAddress | undefined {
  // Several X-Forwarded-For lines arrive joined with ", " in the order sent: the last is still last.
  const entries = (headers.get("x-forwarded-for") ?? "")
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "");
  const stated = headers.get("client-ip")?.trim() || entries.at(-1);
  if (stated === undefined) return undefined;
  const from = printable(stated, MAX_ADDRESS);
  if (entries.length === 0 || (entries.length === 1 && entries[0] === stated)) return { from };
  const chain = printable(entries.join(", "));
  return { from, chain: chain.length <= MAX_CHAIN ? chain : `…${chain.slice(-MAX_CHAIN)}` };
}
