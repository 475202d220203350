import "server-only";
import crypto from "node:crypto";
import { ZCallHaltRequest, ZChangeControl, ZHalt, ZHaltIdParams, ZHaltList, ZLiftHaltRequest, type THalt, type TWindowInForce } from "@/lib/api/halts";
import type { Container } from "../../container";
import { callHalt, type HaltDeps } from "../../core/freezes/call-halt";
import { changeControlNow } from "../../core/freezes/change-control-now";
import { liftHalt } from "../../core/freezes/lift-halt";
import { listHalts, ZListHaltsQuery } from "../../core/freezes/list-halts";
import type { Halt } from "../../core/freezes/types";
import { endpoint } from "../endpoint";
import { AUTH_ERRORS, CONFLICT, NOT_FOUND } from "./responses";

// Stop the line (docs/freezes.md#stop-the-line) and what is in force now.

function haltDeps(container: Container): HaltDeps {
  return { halts: container.halts.store, audit: container.audit.log, clock: container.clock, newId: () => crypto.randomUUID() };
}

export function haltView(h: Halt): THalt {
  return {
    ...h,
    scope: { services: [...h.scope.services], teams: [...h.scope.teams], tiers: [...h.scope.tiers], types: [...h.scope.types] },
    since: h.since.toISOString(),
    liftedAt: h.liftedAt?.toISOString() ?? null,
  };
}

export const listHaltsEndpoint = endpoint({
  operationId: "listHalts",
  method: "GET",
  path: "/api/v1/halts",
  summary: "List halts",
  description: "Every halt called, lifted or not, newest first; with `active=true` the halts in force now, those open incidents hold included (oldest first).",
  tags: ["change control"],
  access: "VIEWER",
  query: ZListHaltsQuery,
  responses: { 200: { description: "The halts", schema: ZHaltList }, ...AUTH_ERRORS },
  async handler({ container, query }) {
    const halts = await listHalts({ halts: container.halts.store, reader: container.halts.reader, clock: container.clock }, query);
    return { status: 200, body: { items: halts.map(haltView) } };
  },
});

export const callHaltEndpoint = endpoint({
  operationId: "callHalt",
  method: "POST",
  path: "/api/v1/halts",
  summary: "Stop the line",
  description:
    "Halts every new change, or those of a scope, until lifted: operations submitted meanwhile are blocked or queued (the FREEZE gate), saying who halted them and why. A reason is required; the owner is the caller unless named. Audited and told at ERROR on every channel.",
  tags: ["change control"],
  access: "APPROVER",
  body: ZCallHaltRequest,
  responses: { 201: { description: "The halt, in force", schema: ZHalt }, ...AUTH_ERRORS },
  async handler({ container, principal, body }) {
    const halt = await callHalt(haltDeps(container), body, { actor: principal!.actor, role: principal!.role });
    return { status: 201, body: haltView(halt), headers: { location: `/api/v1/halts/${halt.id}` } };
  },
});

export const liftHaltEndpoint = endpoint({
  operationId: "liftHalt",
  method: "POST",
  path: "/api/v1/halts/{id}/lift",
  summary: "Lift a halt",
  description:
    "With a reason; audited and told like the call. 409 when it was lifted already (naming who lifted it), and for a halt an open incident holds: resolve the incident, or turn haltOnIncidentSeverity off in the incident settings.",
  tags: ["change control"],
  access: "APPROVER",
  params: ZHaltIdParams,
  body: ZLiftHaltRequest,
  responses: { 200: { description: "The halt, lifted", schema: ZHalt }, ...AUTH_ERRORS, ...NOT_FOUND, ...CONFLICT },
  async handler({ container, principal, params, body }) {
    const halt = await liftHalt(haltDeps(container), params.id, body, { actor: principal!.actor, role: principal!.role });
    return { status: 200, body: haltView(halt) };
  },
});

export const changeControlEndpoint = endpoint({
  operationId: "getChangeControl",
  method: "GET",
  path: "/api/v1/change-control",
  summary: "What holds changes back now",
  description: "The halts in force, the deny windows with an occurrence in force and the allow windows closed now, with what, why, who and until when: the console's banner.",
  tags: ["change control"],
  access: "VIEWER",
  responses: { 200: { description: "In force now", schema: ZChangeControl }, ...AUTH_ERRORS },
  async handler({ container }) {
    const now = await changeControlNow({ halts: container.halts.reader, windows: () => container.freezes.windows.list(), clock: container.clock });
    const windows: TWindowInForce[] = now.windows.map(({ window: w, kind, since, until }) => ({
      id: w.id,
      name: w.name,
      kind,
      action: w.action,
      scope: { services: [...w.scope.services], teams: [...w.scope.teams], tiers: [...w.scope.tiers], types: [...w.scope.types] },
      includesRollbacks: w.includesRollbacks,
      reason: w.reason,
      createdBy: w.createdBy,
      timeZone: w.timeZone,
      since: since.toISOString(),
      until: until?.toISOString() ?? null,
    }));
    return { status: 200, body: { at: now.at.toISOString(), halts: now.halts.map(haltView), windows } };
  },
});
