// An alert channel kind that exists only for tests, in this folder alone: `relay` posts a small
// JSON message to a URL with a bearer token (the secret). It has its settings schema, a lazily
// loaded sender and a receiver; registered through withChannels(), nothing in src/ knows it.
import * as z from "zod";
import { httpUrl, secretRef } from "../../../src/config/fields.js";
import type { ChannelKind } from "../../../src/channels/types.js";

export type RelaySettings = { kind: "relay"; name: string; url: string; token: string };

/** How many times its sender was loaded (once, when the first relay channel is built). */
export let loads = 0;

export const relay = {
  kind: "relay",
  title: "Relay (a test kind)",
  schema: z
    .strictObject({
      kind: z.literal("relay").describe("A test relay."),
      url: httpUrl.describe("Where the relay posts (https; http only to loopback)."),
      token: secretRef.describe("Secret reference to the relay's bearer token."),
    })
    .describe("A test relay: JSON with a bearer token."),
  create: async (settings, secret) => {
    loads++;
    return (await import("./channel.js")).relayChannel(settings, secret);
  },
  receiver: new URL("./receiver.js", import.meta.url).href,
} satisfies ChannelKind<RelaySettings>;
