import type { JsonValue } from "../audit/types";
import type { ConsoleLinks } from "./templates";
import type { NotificationMessage } from "./types";

// A removal a graph source proposes waits for an admin (docs/graph-sources.md#held-changes):
// told at WARNING with a link to the Sources page, once per held change. Pure.

const str = (value: JsonValue | undefined): string | null => (typeof value === "string" && value.length > 0 ? value : null);
const num = (value: JsonValue | undefined): number => (typeof value === "number" ? value : 0);
const obj = (value: JsonValue | undefined): { [key: string]: JsonValue } => (typeof value === "object" && value !== null && !Array.isArray(value) ? value : {});

const SOURCE_NAMES: Record<string, string> = { CATALOG: "the Backstage catalog", TRACES: "the traces", FILE: "a topology file", CONSOLE: "the console" };

/** "3 edges and 1 service": what a held removal takes out, from the diff the event carries. */
function whatIsRemoved(diff: { [key: string]: JsonValue }): string {
  const count = (kind: string) => {
    const removed = obj(diff[kind]).removed;
    return Array.isArray(removed) ? removed.length : 0;
  };
  const parts = [
    [count("services"), "service"],
    [count("edges"), "edge"],
    [count("groups"), "resource group"],
  ]
    .filter(([n]) => (n as number) > 0)
    .map(([n, word]) => `${n} ${word}${n === 1 ? "" : "s"}`);
  return parts.length ? parts.join(" and ") : "nothing";
}

export function graphRemovalHeldMessage(event: { actor: string; correlationId: string | null; payload: { [key: string]: JsonValue } }, links: ConsoleLinks): NotificationMessage | null {
  const id = str(event.payload.heldChangeId);
  if (!id) return null;
  const source = str(event.payload.source) ?? "a source";
  const diff = obj(event.payload.diff);
  const removed = whatIsRemoved(diff);
  const summary = obj(event.payload.summary);
  return {
    template: "graph_removal_held",
    severity: "WARNING",
    title: `Graph change waits for review: ${SOURCE_NAMES[source] ?? source} would remove ${removed}`,
    body: `${SOURCE_NAMES[source] ?? source} no longer asserts ${removed} it alone had put in the dependency graph. Nothing is removed until an admin approves it on the Sources page.\nWhy: ${str(event.payload.reason) ?? "?"}`,
    fields: [
      { label: "Source", value: source },
      { label: "Removals", value: String(num(summary.removed)) },
      { label: "Held change", value: id },
    ],
    links: [{ label: "Review on the Sources page", url: `${links.baseUrl}/graph/sources` }],
    dedupKey: `graph_removal_held:${id}`,
    service: null,
    operationId: null,
    correlationId: event.correlationId,
  };
}
