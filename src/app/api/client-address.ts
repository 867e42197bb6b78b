// Where a request came from, as the platform states it, for the audit log. A front end that
// forwards a request appends the address it took the connection from to X-Forwarded-For: Azure
// Front Door's documentation says "If there's an existing XFF header, then Front Door appends the
// client socket IP to it" (ADR 0017 says what was and was not found for App Service's own front
// end). Whatever comes before the last entry is what the caller, or a proxy of its choosing,
// sent, and may be forged. So the client is the last entry, kept whole, and the chain before it
// is kept beside it, bounded from its start: never cut at the end, where the real address is.
// The local host appends its socket's address the same way (src/sandbox/http-host.ts).
import { printable } from "../printable.js";

/** An IPv6 address with a zone and a port is under 70 characters. */
const MAX_ADDRESS = 100;
/** The chain is for the record; its last 300 characters are what a front end wrote. */
const MAX_CHAIN = 300;

export interface ClientAddress {
  /** The last entry of X-Forwarded-For: the address the platform's front end saw. */
  readonly from: string;
  /** The whole header, when it holds more than that one entry (its end, if it is long). */
  readonly chain?: string;
}

export function clientAddress(headers: Pick<Headers, "get">): ClientAddress | undefined {
  // Several X-Forwarded-For lines arrive joined with ", " in the order sent: the last is still last.
  const header = headers.get("x-forwarded-for");
  if (header === null) return undefined;
  const entries = header
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "");
  const last = entries.at(-1);
  if (last === undefined) return undefined;
  const from = printable(last, MAX_ADDRESS);
  if (entries.length === 1) return { from };
  const chain = printable(entries.join(", "));
  return { from, chain: chain.length <= MAX_CHAIN ? chain : `…${chain.slice(-MAX_CHAIN)}` };
}
