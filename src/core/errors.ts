/** The text of anything thrown: an Error's message, or the value itself as a string. */
export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * A thrown value's fields when its `name` is `name`, else undefined. Tandem's guards recognise an
 * error by its name and shape rather than `instanceof`, which fails across module copies (as
 * @azure/core-rest-pipeline's `isRestError` does for its own errors).
 */
export function namedError(
  error: unknown,
  name: string,
): Readonly<Record<string, unknown>> | undefined {
  return typeof error === "object" && error !== null && (error as { name?: unknown }).name === name
    ? (error as Record<string, unknown>)
    : undefined;
}
