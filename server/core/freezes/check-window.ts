// What a freeze window must be before it is stored (docs/freezes.md#windows):
// a timing that expands (an IANA zone, a real local start, an RRULE body
// without DTSTART and no finer than HOURLY) and a scope naming only services
// in the topology and teams and tiers some service has — a typo would
// otherwise freeze nothing, silently.
import type { AuditEventInput, JsonValue } from "../audit/types";
import { AppError } from "../errors";
import type { FreezeWindow } from "./types";
import type { FreezeWindowStore, NewFreezeWindow } from "./window-ports";
import { timingProblems } from "./window-calendar";

export async function assertWindowValid(store: Pick<FreezeWindowStore, "serviceFacts" | "knownTeamsAndTiers">, w: Omit<NewFreezeWindow, "id" | "createdBy">): Promise<void> {
  const problems = timingProblems(w);
  const facts = await store.serviceFacts(w.scope.services);
  const unknown = w.scope.services.filter((s) => !facts.has(s));
  if (unknown.length > 0) problems.push(`scope.services: not in the topology: ${unknown.join(", ")}`);
  if (w.scope.teams.length > 0 || w.scope.tiers.length > 0) {
    const known = await store.knownTeamsAndTiers();
    const teams = w.scope.teams.filter((t) => !known.teams.has(t));
    const tiers = w.scope.tiers.filter((t) => !known.tiers.has(t));
    if (teams.length > 0) problems.push(`scope.teams: no service is owned by ${teams.join(", ")}`);
    if (tiers.length > 0) problems.push(`scope.tiers: no service is in tier ${tiers.join(", ")}`);
  }
  if (problems.length > 0) throw new AppError("VALIDATION_FAILED", `Invalid freeze window: ${problems.join("; ")}`, { problems });
}

/** What the audit trail keeps of a window. */
export function windowJson(w: FreezeWindow): JsonValue {
  return {
    name: w.name,
    kind: w.kind,
    action: w.action,
    scope: { services: [...w.scope.services], teams: [...w.scope.teams], tiers: [...w.scope.tiers], types: [...w.scope.types] },
    timeZone: w.timeZone,
    start: w.start,
    durationMinutes: w.durationMinutes,
    rrule: w.rrule,
    includesRollbacks: w.includesRollbacks,
    breakGlassRole: w.breakGlassRole,
    reason: w.reason,
    enabled: w.enabled,
  };
}

export function windowEvent(actor: string, action: string, payload: { [key: string]: JsonValue }): AuditEventInput {
  return { category: "MANUAL_INTERVENTION", severity: "WARNING", actor, action, payload };
}
