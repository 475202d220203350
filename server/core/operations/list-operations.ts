import { z } from "zod";
import { endOfMillisecond, pageOf, parseQuery, zCursor, zId, zIsoDate, zLimit, zOneOrMore, type Page } from "../pagination";
import type { OperationQueries, OperationSummary } from "./query-ports";
import { OPERATION_STATES, OPERATION_TYPES } from "./types";

const TEXT = () => z.string().trim().min(1).max(200);

/**
 * The operations list's query, as it arrives from a URL (every value may be a
 * string): filters, then a page of `limit` after `cursor`. `state` takes one
 * or more states, as an array or comma-separated. `since` and `until` bound
 * created_at, both inclusive, to the millisecond (the precision of the
 * timestamps a response shows): `until` takes in its whole millisecond.
 */
export const ZListOperationsQuery = z
  .strictObject({
    state: zOneOrMore(OPERATION_STATES).optional(),
    type: z.enum(OPERATION_TYPES).optional(),
    service: TEXT().optional(),
    actor: TEXT().optional(),
    correlationId: TEXT().optional(),
    incidentId: zId().optional(),
    since: zIsoDate().optional(),
    until: zIsoDate().optional(),
    limit: zLimit(),
    cursor: zCursor("operations").optional(),
  })
  .refine((q) => !q.since || !q.until || q.since <= q.until, { message: "since must not be after until", path: ["since"] });

export type TListOperationsQueryInput = z.input<typeof ZListOperationsQuery>;
/** The query once parsed: dates as Dates, the cursor as its position. */
export type ListOperationsQuery = z.output<typeof ZListOperationsQuery>;

export type OperationPage = Page<OperationSummary>;

/** Operations, newest first, filtered, one keyset page at a time (deep pages cost what the first does), from a query as it arrives (parsed here). */
export async function listOperations(deps: { queries: OperationQueries }, input: unknown): Promise<OperationPage> {
  return listOperationsPage(deps, parseQuery(ZListOperationsQuery, input, "operations query"));
}

/**
 * The same from a query already parsed with ZListOperationsQuery (the API
 * endpoint parses its query once, with the schema it declares). Parsing the
 * output again would fail: `since`, `until` and `cursor` are no longer strings.
 */
export async function listOperationsPage(deps: { queries: OperationQueries }, q: ListOperationsQuery): Promise<OperationPage> {
  const rows = await deps.queries.listOperations(
    {
      ...(q.state ? { states: q.state } : {}),
      ...(q.type ? { type: q.type } : {}),
      ...(q.service ? { service: q.service } : {}),
      ...(q.actor ? { actor: q.actor } : {}),
      ...(q.correlationId ? { correlationId: q.correlationId } : {}),
      ...(q.incidentId ? { incidentId: q.incidentId } : {}),
      ...(q.since ? { since: q.since } : {}),
      ...(q.until ? { before: endOfMillisecond(q.until) } : {}),
    },
    { after: q.cursor ?? null, limit: q.limit + 1 },
  );
  return pageOf("operations", rows, q.limit);
}
