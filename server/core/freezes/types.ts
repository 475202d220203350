// Change freezes and halts as the domain sees them (docs/freezes.md): plain
// data, shared by the window calendar, the FREEZE gate, the halt store and
// the console banner.
import type { Role } from "../identity/roles";
import type { OperationType } from "../operations/types";

/**
 * Which operations a window or a halt covers. Each list narrows one
 * dimension (an operation matches when it matches every non-empty list, and
 * any entry within a list); all four empty covers every operation
 * (docs/freezes.md#scope).
 */
export interface ChangeScope {
  services: string[];
  /** Owning teams, the topology's `team` field. */
  teams: string[];
  tiers: number[];
  types: OperationType[];
}

/** ALLOW: changes may run only inside (some allow window of their scope). DENY: changes may not run inside. */
export const WINDOW_KINDS = ["ALLOW", "DENY"] as const;
export type WindowKind = (typeof WINDOW_KINDS)[number];

/**
 * What the FREEZE gate does with an operation submitted while a window or a
 * halt holds it back: fail it (BLOCK), pause it for a person (PAUSE), or let
 * it wait until the freeze ends (QUEUE). An operation submitted before the
 * freeze began always waits (docs/freezes.md#what-a-freeze-does).
 */
export const FREEZE_ACTIONS = ["BLOCK", "PAUSE", "QUEUE"] as const;
export type FreezeAction = (typeof FREEZE_ACTIONS)[number];

export interface FreezeWindow {
  id: string;
  name: string;
  kind: WindowKind;
  action: FreezeAction;
  scope: ChangeScope;
  /** IANA time zone the start and the recurrence are read in, e.g. "Europe/Berlin". */
  timeZone: string;
  /** Wall-clock start of the first occurrence in `timeZone`, "YYYY-MM-DDTHH:mm". */
  start: string;
  /** Wall-clock length of each occurrence: 09:00 for 480 min ends at 17:00 local on both sides of a DST change. */
  durationMinutes: number;
  /** RFC 5545 RRULE body without DTSTART ("FREQ=WEEKLY;BYDAY=FR"); null for a one-off window. */
  rrule: string | null;
  /** ROLLBACK is exempt unless this is true. */
  includesRollbacks: boolean;
  /** The least role that may break glass through this window. */
  breakGlassRole: Role;
  reason: string;
  enabled: boolean;
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
}

/** Stop the line: no new changes in scope until lifted (docs/freezes.md#stop-the-line). */
export interface Halt {
  id: string;
  scope: ChangeScope;
  action: Extract<FreezeAction, "BLOCK" | "QUEUE">;
  reason: string;
  /** Who answers for it and lifts it. */
  owner: string;
  createdBy: string;
  since: Date;
  includesRollbacks: boolean;
  breakGlassRole: Role;
  /** MANUAL: a person called it. INCIDENT: in force while an open incident of the chosen severity is on a service in scope. */
  source: "MANUAL" | "INCIDENT";
  incidentId: string | null;
  liftedAt: Date | null;
  liftedBy: string | null;
  liftReason: string | null;
}

/** A person let one operation through a freeze (docs/freezes.md#break-glass). */
export interface BreakGlass {
  by: string;
  role: Role;
  reason: string;
  at: Date;
}
