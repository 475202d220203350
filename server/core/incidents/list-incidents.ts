import { z } from "zod";
import { endOfMillisecond, pageOf, parseQuery, zCursor, zIsoDate, zLimit, zOneOrMore, type Page } from "../pagination";
import { INCIDENT_SOURCES } from "./incident-store";
import { INCIDENT_STATUSES, type IncidentQueries, type IncidentSummary } from "./ports";

const TEXT = () => z.string().trim().min(1).max(200);

/**
 * The incidents list's query, as it arrives from a URL: `status` takes one or
 * more statuses (array or comma-separated); `since` and `until` bound
 * detected_at, both inclusive, to the millisecond (`until` takes in its whole
 * millisecond, so the detectedAt a response shows finds its incident).
 */
export const ZListIncidentsQuery = z
  .strictObject({
    status: zOneOrMore(INCIDENT_STATUSES).optional(),
    service: TEXT().optional(),
    correlationId: TEXT().optional(),
    source: zOneOrMore(INCIDENT_SOURCES).optional(),
    since: zIsoDate().optional(),
    until: zIsoDate().optional(),
    limit: zLimit(),
    cursor: zCursor("incidents").optional(),
  })
  .refine((q) => !q.since || !q.until || q.since <= q.until, { message: "since must not be after until", path: ["since"] });

export type TListIncidentsQueryInput = z.input<typeof ZListIncidentsQuery>;
/** The query once parsed: dates as Dates, the cursor as its position. */
export type ListIncidentsQuery = z.output<typeof ZListIncidentsQuery>;

export type IncidentPage = Page<IncidentSummary>;

/** Incidents, most recently detected first, one keyset page at a time, from a query as it arrives (parsed here). */
export async function listIncidents(deps: { incidents: IncidentQueries }, input: unknown): Promise<IncidentPage> {
  return listIncidentsPage(deps, parseQuery(ZListIncidentsQuery, input, "incidents query"));
}

/** The same from a query already parsed with ZListIncidentsQuery (the API endpoint parses its query once). */
export async function listIncidentsPage(deps: { incidents: IncidentQueries }, q: ListIncidentsQuery): Promise<IncidentPage> {
  const rows = await deps.incidents.listIncidents(
    {
      ...(q.status ? { statuses: q.status } : {}),
      ...(q.service ? { service: q.service } : {}),
      ...(q.correlationId ? { correlationId: q.correlationId } : {}),
      ...(q.source ? { sources: q.source } : {}),
      ...(q.since ? { since: q.since } : {}),
      ...(q.until ? { before: endOfMillisecond(q.until) } : {}),
    },
    { after: q.cursor ?? null, limit: q.limit + 1 },
  );
  return pageOf("incidents", rows, q.limit);
}
