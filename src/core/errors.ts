/** The text of anything thrown: an Error's message, or the value itself as a string. */
export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * A thrown value's fields when its `name` is `name`, else undefined. Tandem's guards recognise an
 * error by its name and shape, not `instanceof`, which fails across two copies of a module; the
 * Azure SDK's `isRestError` (@typespec/ts-http-runtime, restError.ts) falls back to the name too.
 */
export function namedError(
  error: unknown,
  name: string,
): Readonly<Record<string, unknown>> | undefined {
  return typeof error === "object" && error !== null && (error as { name?: unknown }).name === name
    ? (error as Record<string, unknown>)
    : undefined;
}
