/** Where use cases write what they did: the Functions invocation log, or the console locally. */
export interface Log {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export const silentLog: Log = { info: () => {}, warn: () => {}, error: () => {} };
