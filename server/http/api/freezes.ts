import "server-only";
import { ZIdParams } from "@/lib/api/common";
import { ZBreakGlassRequest, ZBreakGlassResult, ZFreezeCalendar, ZFreezeCalendarQuery, ZFreezeWindow, ZFreezeWindowInput, ZFreezeWindowList, ZFreezeWindowPatch, type TFreezeWindow } from "@/lib/api/freezes";
import type { Container } from "../../container";
import { AppError } from "../../core/errors";
import { breakGlass } from "../../core/freezes/break-glass";
import { changeFreezeWindow } from "../../core/freezes/change-freeze-window";
import { createFreezeWindow, type FreezeWindowDeps } from "../../core/freezes/create-freeze-window";
import { deleteFreezeWindow } from "../../core/freezes/delete-freeze-window";
import { freezeCalendar } from "../../core/freezes/freeze-calendar";
import type { FreezeWindow } from "../../core/freezes/types";
import type { WindowOccurrence } from "../../core/freezes/window-calendar";
import { endpoint } from "../endpoint";
import { AUTH_ERRORS, CONFLICT, NOT_FOUND } from "./responses";

// Change freeze windows, their calendar and break-glass (docs/freezes.md).

export function windowView(w: FreezeWindow): TFreezeWindow {
  return { ...w, scope: { ...w.scope }, createdAt: w.createdAt.toISOString(), updatedAt: w.updatedAt.toISOString() };
}

const occurrenceView = (o: WindowOccurrence) => ({ ...o, start: o.start.toISOString(), end: o.end.toISOString() });

function deps(container: Container): FreezeWindowDeps {
  return { windows: container.freezes.windows, audit: container.audit.log, clock: container.clock, newId: () => crypto.randomUUID() };
}

export const listFreezeWindowsEndpoint = endpoint({
  operationId: "listFreezeWindows",
  method: "GET",
  path: "/api/v1/freeze-windows",
  summary: "List change freeze windows",
  description: "Every window, by name (docs/freezes.md#windows).",
  tags: ["freezes"],
  access: "VIEWER",
  responses: { 200: { description: "The windows", schema: ZFreezeWindowList }, ...AUTH_ERRORS },
  async handler({ container }) {
    return { status: 200, body: { items: (await container.freezes.windows.list()).map(windowView) } };
  },
});

export const createFreezeWindowEndpoint = endpoint({
  operationId: "createFreezeWindow",
  method: "POST",
  path: "/api/v1/freeze-windows",
  summary: "Add a change freeze window",
  description:
    "A DENY window holds back changes in its scope while it is in force; ALLOW windows are the only times changes in their scope may run. One-off, or recurring by an RFC 5545 RRULE read as wall-clock times in `timeZone`. Validated (zone, RRULE, duration, scope against the topology) before anything is written; audited.",
  tags: ["freezes"],
  access: "ADMIN",
  body: ZFreezeWindowInput,
  responses: { 201: { description: "Created", schema: ZFreezeWindow }, ...AUTH_ERRORS, ...CONFLICT },
  async handler({ container, principal, body }) {
    const w = await createFreezeWindow(deps(container), body, principal!.actor);
    return { status: 201, body: windowView(w), headers: { location: `/api/v1/freeze-windows/${w.id}` } };
  },
});

export const freezeCalendarEndpoint = endpoint({
  operationId: "freezeCalendar",
  method: "GET",
  path: "/api/v1/freeze-windows/calendar",
  summary: "The freeze calendar",
  description: "Each window's occurrences over the next `days` days (1–31, default 14): start and end instants, and the wall-clock times in the window's zone they were read from (docs/freezes.md#the-calendar).",
  tags: ["freezes"],
  access: "VIEWER",
  query: ZFreezeCalendarQuery,
  responses: { 200: { description: "The calendar", schema: ZFreezeCalendar }, ...AUTH_ERRORS },
  async handler({ container, query }) {
    const cal = freezeCalendar(await container.freezes.windows.list(), container.clock.now(), query.days);
    return { status: 200, body: { from: cal.from.toISOString(), to: cal.to.toISOString(), rows: cal.rows.map((r) => ({ window: windowView(r.window), occurrences: r.occurrences.map(occurrenceView) })) } };
  },
});

export const getFreezeWindowEndpoint = endpoint({
  operationId: "getFreezeWindow",
  method: "GET",
  path: "/api/v1/freeze-windows/{id}",
  summary: "A change freeze window",
  description: "The window as stored.",
  tags: ["freezes"],
  access: "VIEWER",
  params: ZIdParams,
  responses: { 200: { description: "The window", schema: ZFreezeWindow }, ...AUTH_ERRORS, ...NOT_FOUND },
  async handler({ container, params }) {
    const w = await container.freezes.windows.get(params.id);
    if (!w) throw new AppError("NOT_FOUND", `No freeze window ${params.id}`, { id: params.id });
    return { status: 200, body: windowView(w) };
  },
});

export const updateFreezeWindowEndpoint = endpoint({
  operationId: "updateFreezeWindow",
  method: "PATCH",
  path: "/api/v1/freeze-windows/{id}",
  summary: "Change a change freeze window",
  description: "Any field; the window is validated as a whole after the change. Audited with before and after. Operations it holds look again within a minute.",
  tags: ["freezes"],
  access: "ADMIN",
  params: ZIdParams,
  body: ZFreezeWindowPatch,
  responses: { 200: { description: "The window now", schema: ZFreezeWindow }, ...AUTH_ERRORS, ...NOT_FOUND, ...CONFLICT },
  async handler({ container, principal, params, body }) {
    return { status: 200, body: windowView(await changeFreezeWindow(deps(container), params.id, body, principal!.actor)) };
  },
});

export const deleteFreezeWindowEndpoint = endpoint({
  operationId: "deleteFreezeWindow",
  method: "DELETE",
  path: "/api/v1/freeze-windows/{id}",
  summary: "Delete a change freeze window",
  description: "The window goes; the audit trail keeps it. Operations it held look again within a minute.",
  tags: ["freezes"],
  access: "ADMIN",
  params: ZIdParams,
  responses: { 204: { description: "Deleted" }, ...AUTH_ERRORS, ...NOT_FOUND },
  async handler({ container, principal, params }) {
    await deleteFreezeWindow(deps(container), params.id, principal!.actor);
    return new Response(null, { status: 204 });
  },
});

export const breakGlassEndpoint = endpoint({
  operationId: "breakGlass",
  method: "POST",
  path: "/api/v1/operations/{id}/break-glass",
  summary: "Let one operation through a freeze",
  description:
    "With a mandatory reason, by a role at least the break-glass role of every freeze window and halt holding the operation now (403 names the role needed; 409 when nothing holds it, it has started or finished, or glass was already broken). Recorded on the operation with an audit event (MANUAL_INTERVENTION) and a notification at HIGH; the operation is woken, and a paused one's review evidence refreshed (docs/freezes.md#break-glass).",
  tags: ["freezes"],
  access: "OPERATOR",
  params: ZIdParams,
  body: ZBreakGlassRequest,
  responses: { 200: { description: "Glass broken", schema: ZBreakGlassResult }, ...AUTH_ERRORS, ...NOT_FOUND, ...CONFLICT },
  async handler({ container, principal, params, body }) {
    const p = principal!;
    const out = await breakGlass(
      {
        windows: container.freezes.windows,
        freezes: container.freezes.source,
        operations: container.freezes.operations,
        audit: container.audit.log,
        clock: container.clock,
        refreshEvidence: (operationId, actor) => container.orchestrator.refreshEvidence({ operationId, actor }),
      },
      params.id,
      body,
      { actor: p.actor, role: p.role },
    );
    return { status: 200, body: { operationId: out.operation.id, breakGlass: { ...out.breakGlass, at: out.breakGlass.at.toISOString() }, heldBy: out.heldBy } };
  },
});
