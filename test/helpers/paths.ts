import { fileURLToPath } from "node:url";

/** The repository root (tests run from dist/test/...). */
export const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
