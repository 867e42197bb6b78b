import type { Log } from "../../ports/log.js";

/** The time of day, HH:MM:SS, that starts every line the local host prints. */
export function timeOfDay(): string {
  return new Date().toISOString().slice(11, 19);
}

/** A Log that writes to the console with a time and a source, for the local host. */
export function consoleLog(source: string): Log {
  const line = (level: string, message: string) =>
    `${timeOfDay()}  ${source.padEnd(12)} ${level}${message}`;
  return {
    info: (message) => console.log(line("", message)),
    warn: (message) => console.warn(line("warning: ", message)),
    error: (message) => console.error(line("error: ", message)),
  };
}
