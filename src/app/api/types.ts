// The API's request and answer types in one place, for clients (the CLI) to import as types.
export type * from "./answers.js";
export type { CommandInput, CommandName } from "./bodies.js";
export type { ErrorBody } from "./http.js";
export type { ChannelTestAnswer } from "../alerts/test-channel.js";
export type { ChannelStatus } from "../alerts/status.js";
export type { GroupStatus } from "../status.js";
