// The FREEZE gate's decision (docs/freezes.md#what-a-freeze-does): which
// freeze windows and halts hold an operation back at `now`, what that does to
// it, and until when. Pure: the windows, halts and the service's team and
// tier are read by the caller.
import { scopeMatches } from "./scope-match";
import { hasRole, ROLES, type Role } from "../identity/roles";
import type { OperationType } from "../operations/types";
import type { BreakGlass, ChangeScope, FreezeAction, FreezeWindow, Halt } from "./types";
import { nextOccurrenceAfter, occurrenceAtInstant, occurrencesBetween } from "./window-calendar";

/** How far ahead the next opening of a window is looked for (longer than the longest window, 31 days); a freeze wait longer than this fails (docs/freezes.md#queued-waits). */
export const FREEZE_HORIZON_MS = 32 * 24 * 3_600_000;

export interface FreezeSubject {
  type: OperationType;
  service: string;
  /** The service's owning team and tier in the topology; null when the topology does not have the service. */
  team: string | null;
  tier: number | null;
  createdAt: Date;
  breakGlass: BreakGlass | null;
}

/** One restriction holding an operation back. */
export interface FreezeHold {
  kind: "DENY_WINDOW" | "OUTSIDE_ALLOW" | "HALT";
  /** The window ids (one for a deny window, the allow windows of the scope for OUTSIDE_ALLOW) or the halt's id. */
  ids: string[];
  /** The window's name (the allow windows' names, joined), or "halt". */
  name: string;
  reason: string;
  /** Who made the window or called the halt. */
  by: string;
  /** When this restriction began (the occurrence's start, the end of the last allow occurrence, the halt's start). */
  since: Date;
  /** When it ends; null for a halt (until lifted), and for OUTSIDE_ALLOW with no opening within the horizon. */
  until: Date | null;
  timeZone: string | null;
  /** What the window or halt says to do. */
  action: FreezeAction;
  /** What it does to this operation: QUEUE for one submitted before it began, else `action`. */
  effect: FreezeAction;
  breakGlassRole: Role;
}

export type FreezeDecision = "PASS" | "BLOCK" | "PAUSE" | "QUEUE";

export interface FreezeVerdict {
  decision: FreezeDecision;
  /** Every restriction holding it, strictest first (also when break-glass lets it through). */
  holds: FreezeHold[];
  /** When it may next run (QUEUE): the latest end among the holds; null while a halt or an allow window without an opening holds it. */
  until: Date | null;
  /** The least role that may break glass through every hold; null when nothing holds it. */
  breakGlassRole: Role | null;
  /** The break-glass that let it through, if one did. */
  passedBy: BreakGlass | null;
  /** One sentence for the gate result and the operation's reason. */
  reason: string;
}

export interface FreezeInput {
  subject: FreezeSubject;
  windows: readonly FreezeWindow[];
  halts: readonly Halt[];
  now: Date;
}

const SEVERITY: Record<FreezeAction, number> = { BLOCK: 3, PAUSE: 2, QUEUE: 1 };
const rank = (r: Role) => ROLES.indexOf(r);

/** Whether `scope` covers the operation (docs/freezes.md#scope); the same rule as approval policies. */
export function scopeCovers(scope: ChangeScope, s: Pick<FreezeSubject, "type" | "service" | "team" | "tier">): boolean {
  return scopeMatches(scope, s);
}

/** Whether a restriction applies to this operation at all: in scope, and a ROLLBACK only when it says so. */
function applies(r: { scope: ChangeScope; includesRollbacks: boolean }, s: FreezeSubject): boolean {
  return scopeCovers(r.scope, s) && (s.type !== "ROLLBACK" || r.includesRollbacks);
}

const iso = (d: Date) => d.toISOString().replace(/\.000Z$/, "Z");

export function describeHold(h: FreezeHold): string {
  const zone = h.timeZone ? ` (${h.timeZone})` : "";
  if (h.kind === "HALT") return `Halted by ${h.by}: ${h.reason} (until lifted)`;
  if (h.kind === "DENY_WINDOW") return `Frozen by window '${h.name}'${zone} until ${iso(h.until!)}: ${h.reason}`;
  return h.until ? `Outside every allow window (${h.name}${zone}) until ${iso(h.until)}: ${h.reason}` : `Outside every allow window (${h.name}${zone}), with no opening in the next ${Math.round(FREEZE_HORIZON_MS / 86_400_000)} days: ${h.reason}`;
}

/**
 * The FREEZE gate: DENY beats ALLOW; if any ALLOW window covers the
 * operation it must be inside one of them; ROLLBACK is exempt unless a
 * window or halt includes rollbacks; an operation created before a
 * restriction began waits (QUEUE) whatever its action; of several, the
 * strictest effect wins (BLOCK > PAUSE > QUEUE); a break-glass by a role at
 * least every hold's breakGlassRole passes.
 */
export function evaluateFreeze({ subject, windows, halts, now }: FreezeInput): FreezeVerdict {
  const holds: FreezeHold[] = [];
  const effect = (action: FreezeAction, since: Date): FreezeAction => (subject.createdAt.getTime() < since.getTime() ? "QUEUE" : action);
  const mine = windows.filter((w) => w.enabled && applies(w, subject));

  for (const w of mine.filter((w) => w.kind === "DENY")) {
    const o = occurrenceAtInstant(w, now);
    if (!o) continue;
    holds.push({ kind: "DENY_WINDOW", ids: [w.id], name: w.name, reason: w.reason, by: w.createdBy, since: o.start, until: o.end, timeZone: w.timeZone, action: w.action, effect: effect(w.action, o.start), breakGlassRole: w.breakGlassRole });
  }

  const allows = mine.filter((w) => w.kind === "ALLOW");
  if (allows.length > 0 && !allows.some((w) => occurrenceAtInstant(w, now) !== null)) {
    // Closed since the latest end of an allow occurrence (or, never open yet, since the windows were made).
    const lookBack = new Date(now.getTime() - FREEZE_HORIZON_MS);
    const ends = allows.flatMap((w) => occurrencesBetween(w, lookBack, now).map((o) => o.end.getTime()).filter((t) => t <= now.getTime()));
    const since = new Date(ends.length > 0 ? Math.max(...ends) : Math.max(...allows.map((w) => w.updatedAt.getTime())));
    const opens = allows.flatMap((w) => nextOccurrenceAfter(w, now, FREEZE_HORIZON_MS)?.start.getTime() ?? []);
    const strictest = allows.reduce((a, w) => (SEVERITY[w.action] > SEVERITY[a.action] ? w : a));
    const role = allows.reduce<Role>((r, w) => (rank(w.breakGlassRole) > rank(r) ? w.breakGlassRole : r), "VIEWER");
    const zones = [...new Set(allows.map((w) => w.timeZone))];
    holds.push({
      kind: "OUTSIDE_ALLOW",
      ids: allows.map((w) => w.id),
      name: allows.map((w) => `'${w.name}'`).join(", "),
      reason: [...new Set(allows.map((w) => w.reason))].join("; "),
      by: [...new Set(allows.map((w) => w.createdBy))].join(", "),
      since,
      until: opens.length > 0 ? new Date(Math.min(...opens)) : null,
      timeZone: zones.length === 1 ? zones[0]! : null,
      action: strictest.action,
      effect: effect(strictest.action, since),
      breakGlassRole: role,
    });
  }

  for (const h of halts) {
    if (h.liftedAt !== null || !applies(h, subject)) continue;
    holds.push({ kind: "HALT", ids: [h.id], name: "halt", reason: h.reason, by: h.createdBy, since: h.since, until: null, timeZone: null, action: h.action, effect: effect(h.action, h.since), breakGlassRole: h.breakGlassRole });
  }

  if (holds.length === 0) return { decision: "PASS", holds, until: null, breakGlassRole: null, passedBy: null, reason: "No freeze window or halt holds this operation" };
  holds.sort((a, b) => SEVERITY[b.effect] - SEVERITY[a.effect]);
  const needed = holds.reduce<Role>((r, h) => (rank(h.breakGlassRole) > rank(r) ? h.breakGlassRole : r), "VIEWER");
  const sentence = holds.map(describeHold).join(" ");
  const bg = subject.breakGlass;
  if (bg && hasRole(bg.role, needed)) {
    return { decision: "PASS", holds, until: null, breakGlassRole: needed, passedBy: bg, reason: `Passed by break-glass: ${bg.by} (${bg.role}): ${bg.reason}. It was held by: ${sentence}` };
  }
  const until = holds.some((h) => h.until === null) ? null : new Date(Math.max(...holds.map((h) => h.until!.getTime())));
  return { decision: holds[0]!.effect, holds, until, breakGlassRole: needed, passedBy: null, reason: sentence };
}
