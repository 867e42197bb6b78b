// The page a read asks for (`?limit=N&before=ID`) and the link an answer gives to the next one.
import type { Page, PageQuery } from "../../ports/audit-store.js";
import type { PageAnswer } from "./answers.js";
import { BadInput, limitOf } from "./bodies.js";
import type { ApiRequest } from "./http.js";

/** A cursor is an id the store gave: letters, digits and hyphens. */
const CURSOR = /^[0-9A-Za-z-]{1,80}$/;

export function pageOf(request: ApiRequest, max: number, fallback: number): PageQuery {
  const limit = limitOf(request, max, fallback);
  const before = request.query.get("before");
  if (before === null) return { limit };
  if (!CURSOR.test(before))
    throw new BadInput("before", "must be the `next` value of the previous page");
  return { limit, before };
}

/** A page as an answer: its entries, and the cursor and the path of the next (older) page. */
export function pageAnswer<T>(path: string, query: PageQuery, page: Page<T>): PageAnswer<T> {
  return {
    entries: page.entries,
    ...(page.next === undefined
      ? {}
      : {
          next: page.next,
          nextUrl: `${path}?limit=${query.limit}&before=${encodeURIComponent(page.next)}`,
        }),
  };
}
