import type { JsonValue } from "../audit/types";
import type { ConsoleLinks } from "./templates";
import type { NotificationMessage } from "./types";

// The messages of stop the line (docs/freezes.md#who-is-told): a halt called
// and a halt lifted, each at ERROR, so they reach every channel (PagerDuty
// included) and every inbox, and are never throttled. Pure.

const str = (value: JsonValue | undefined): string | null => (typeof value === "string" && value.length > 0 ? value : null);
const list = (value: JsonValue | undefined): string[] => (Array.isArray(value) ? value.map((v) => String(v)) : []);

/** "every change", or "services a, b; tier 1; type DEPLOYMENT": what a recorded scope covers, in words. */
export function describeRecordedScope(scope: JsonValue | undefined): string {
  const s = typeof scope === "object" && scope !== null && !Array.isArray(scope) ? scope : {};
  const parts = [
    list(s.services).length ? `${list(s.services).length === 1 ? "service" : "services"} ${list(s.services).join(", ")}` : null,
    list(s.teams).length ? `${list(s.teams).length === 1 ? "team" : "teams"} ${list(s.teams).join(", ")}` : null,
    list(s.tiers).length ? `${list(s.tiers).length === 1 ? "tier" : "tiers"} ${list(s.tiers).join(", ")}` : null,
    list(s.types).length ? `${list(s.types).length === 1 ? "type" : "types"} ${list(s.types).join(", ")}` : null,
  ].filter((p): p is string => p !== null);
  return parts.length ? parts.join("; ") : "every change";
}

interface HaltEvent {
  seq: number;
  actor: string;
  service: string | null;
  correlationId: string | null;
  payload: { [key: string]: JsonValue };
}

function fields(event: HaltEvent): { label: string; value: string }[] {
  const p = event.payload;
  return [
    { label: "Scope", value: describeRecordedScope(p.scope) },
    { label: "Owner", value: str(p.owner) ?? "?" },
    { label: "Called by", value: str(p.calledBy) ?? event.actor },
    { label: "Action", value: `${str(p.action) ?? "BLOCK"}${p.includesRollbacks === true ? ", rollbacks included" : ", rollbacks exempt"}` },
  ];
}

export function haltCalledMessage(event: HaltEvent, links: ConsoleLinks): NotificationMessage | null {
  const id = str(event.payload.haltId);
  if (!id) return null;
  const scope = describeRecordedScope(event.payload.scope);
  return {
    template: "halt_called",
    severity: "ERROR",
    title: `Stop the line: ${scope} halted by ${event.actor}`,
    body: `No new change (${scope}) runs until the halt is lifted.\nReason: ${str(event.payload.reason) ?? "?"}\nOwner: ${str(event.payload.owner) ?? event.actor}`,
    fields: fields(event),
    links: [{ label: "Open Interlock", url: links.baseUrl }],
    dedupKey: `halt_called:${id}`,
    service: event.service,
    operationId: null,
    correlationId: event.correlationId,
  };
}

export function haltLiftedMessage(event: HaltEvent, links: ConsoleLinks): NotificationMessage | null {
  const id = str(event.payload.haltId);
  if (!id) return null;
  const scope = describeRecordedScope(event.payload.scope);
  return {
    template: "halt_lifted",
    severity: "ERROR",
    title: `Halt lifted: ${scope}, by ${event.actor}`,
    body: `Changes (${scope}) may run again.\nLifted because: ${str(event.payload.liftReason) ?? "?"}\nThe halt was: ${str(event.payload.reason) ?? "?"}`,
    fields: [...fields(event), { label: "Lifted by", value: event.actor }],
    links: [{ label: "Open Interlock", url: links.baseUrl }],
    dedupKey: `halt_lifted:${id}`,
    service: event.service,
    operationId: null,
    correlationId: event.correlationId,
  };
}
