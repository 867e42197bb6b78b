// The echo kind's request and settings: a line to send to host:port, which must come back.
import * as z from "zod";
import type { ProbeRequest } from "../../../src/ports/prober.js";
import type { CommonProbeSettings } from "../../../src/probes/types.js";

export interface EchoProbeRequest extends ProbeRequest {
  readonly kind: "echo";
  readonly host: string;
  readonly port: number;
  readonly message: string;
}

export const ECHO_FIELDS = {
  message: z
    .string()
    .regex(/^[^\r\n]{1,200}$/, "must be one line of 1 to 200 characters")
    .default("ping")
    .describe("The line sent; the target must send it back."),
};

export type EchoSettings = CommonProbeSettings & z.output<z.ZodObject<typeof ECHO_FIELDS>>;
