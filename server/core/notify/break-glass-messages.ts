import type { JsonValue } from "../audit/types";
import type { ConsoleLinks } from "./templates";
import type { NotificationMessage } from "./types";

// A person let an operation through a freeze (docs/freezes.md#break-glass):
// told at ERROR — HIGH in the conflict and review vocabulary — so it reaches
// every channel, PagerDuty included, and is never throttled. Pure.

const str = (value: JsonValue | undefined): string | null => (typeof value === "string" && value.length > 0 ? value : null);

export function breakGlassMessage(event: { actor: string; service: string | null; operationId: string | null; correlationId: string | null; payload: { [key: string]: JsonValue } }, links: ConsoleLinks): NotificationMessage | null {
  if (!event.operationId) return null;
  const p = event.payload;
  const by = str(p.by) ?? event.actor;
  const held = str(p.heldBy) ?? "a freeze";
  return {
    template: "break_glass",
    severity: "ERROR",
    title: `Break-glass: ${by} let ${str(p.type) ?? "an operation"} on ${event.service ?? "?"} through a freeze`,
    body: `${by} (${str(p.role) ?? "?"}) broke glass: ${str(p.reason) ?? "?"}\nIt was held by: ${held}`,
    fields: [
      { label: "Service", value: event.service ?? "?" },
      { label: "Operation", value: event.operationId },
      { label: "By", value: `${by} (${str(p.role) ?? "?"})` },
    ],
    links: [{ label: "Open operation", url: `${links.baseUrl}/operations/${event.operationId}` }],
    dedupKey: `break_glass:${event.operationId}`,
    service: event.service,
    operationId: event.operationId,
    correlationId: event.correlationId,
  };
}
