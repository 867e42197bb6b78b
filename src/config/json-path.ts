/**
 * The JSON paths a body condition may use: `$`, then `.name` or `[index]` steps. Shared by the
 * configuration schema and the probe engine.
 */
export const JSON_PATH_PATTERN = /^\$(\.[A-Za-z_$][\w$-]*|\[\d+\])*$/;
