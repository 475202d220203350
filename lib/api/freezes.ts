// Change freeze windows, their calendar and break-glass (docs/freezes.md), for
// the browser and the OpenAPI document: zod only. The core's input schemas
// (server/core/freezes/window-schemas.ts) describe the same requests; a type
// test (server/http/api/freeze-schemas-match.test.ts) keeps them equal.
import { z } from "zod";
import { ZChangeScope } from "./halts";
import { OPERATION_TYPES } from "./operations";

export const WINDOW_KINDS = ["ALLOW", "DENY"] as const;
export const FREEZE_ACTIONS = ["BLOCK", "PAUSE", "QUEUE"] as const;
export const BREAK_GLASS_ROLES = ["OPERATOR", "APPROVER", "ADMIN"] as const;
const LOCAL_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/;
const NAME = z.string().trim().min(1).max(200);

const ZWindowScopeInput = z
  .strictObject({
    services: z.array(NAME).max(200).default([]),
    teams: z.array(NAME).max(100).default([]),
    tiers: z.array(z.number().int().min(0).max(100)).max(20).default([]),
    types: z.array(z.enum(OPERATION_TYPES)).max(OPERATION_TYPES.length).default([]),
  })
  .describe("Each non-empty list narrows (any entry within a list matches); all empty: every change. Services must be in the topology; teams and tiers those of some service");

const fields = {
  name: z.string().trim().min(1).max(100),
  kind: z.enum(WINDOW_KINDS).describe("DENY: changes in scope may not run inside it. ALLOW: changes in scope may run only inside some ALLOW window of theirs. DENY wins where both cover a change"),
  action: z.enum(FREEZE_ACTIONS).describe("What happens to a change submitted while the window holds it: BLOCK fails it, PAUSE pauses it for a person (approving needs break-glass while the freeze lasts), QUEUE makes it wait until the window opens. A change submitted before the freeze began always waits"),
  scope: ZWindowScopeInput,
  timeZone: z.string().trim().min(1).max(64).describe("IANA time zone, e.g. Europe/Berlin: start and the recurrence are wall-clock times there"),
  start: z.string().regex(LOCAL_DATE_TIME, "a local date and time, YYYY-MM-DDTHH:mm (seconds optional), read in timeZone").describe("Wall-clock start of the first occurrence, YYYY-MM-DDTHH:mm[:ss]"),
  durationMinutes: z.number().int().min(1).max(31 * 24 * 60).describe("Wall-clock length of each occurrence (09:00 + 480 ends at 17:00 local, whatever a DST change does)"),
  rrule: z.string().trim().min(1).max(500).nullable().describe("RFC 5545 RRULE body without DTSTART, e.g. FREQ=WEEKLY;BYDAY=SA,SU; FREQ at least HOURLY; null for a one-off window"),
  includesRollbacks: z.boolean().describe("ROLLBACK is exempt unless true"),
  breakGlassRole: z.enum(BREAK_GLASS_ROLES).describe("The least role that may let one operation through this window"),
  reason: z.string().trim().min(3).max(2000),
  enabled: z.boolean(),
};

export const ZFreezeWindowInput = z
  .strictObject({
    ...fields,
    action: fields.action.default("QUEUE"),
    scope: ZWindowScopeInput.default({ services: [], teams: [], tiers: [], types: [] }),
    rrule: fields.rrule.default(null),
    includesRollbacks: fields.includesRollbacks.default(false),
    breakGlassRole: fields.breakGlassRole.default("APPROVER"),
    enabled: fields.enabled.default(true),
  })
  .meta({ id: "FreezeWindowInput" });

export const ZFreezeWindowPatch = z
  .strictObject({
    name: fields.name.optional(),
    kind: fields.kind.optional(),
    action: fields.action.optional(),
    scope: ZWindowScopeInput.optional(),
    timeZone: fields.timeZone.optional(),
    start: fields.start.optional(),
    durationMinutes: fields.durationMinutes.optional(),
    rrule: fields.rrule.optional(),
    includesRollbacks: fields.includesRollbacks.optional(),
    breakGlassRole: fields.breakGlassRole.optional(),
    reason: fields.reason.optional(),
    enabled: fields.enabled.optional(),
  })
  .meta({ id: "FreezeWindowPatch" });

export const ZFreezeWindow = z
  .strictObject({
    id: z.string(),
    name: z.string(),
    kind: z.enum(WINDOW_KINDS),
    action: z.enum(FREEZE_ACTIONS),
    scope: ZChangeScope,
    timeZone: z.string(),
    start: z.string(),
    durationMinutes: z.number().int(),
    rrule: z.string().nullable(),
    includesRollbacks: z.boolean(),
    breakGlassRole: z.enum(["VIEWER", ...BREAK_GLASS_ROLES]),
    reason: z.string(),
    enabled: z.boolean(),
    createdBy: z.string(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: "FreezeWindow" });

export const ZFreezeWindowList = z.strictObject({ items: z.array(ZFreezeWindow) }).meta({ id: "FreezeWindowList" });

export const ZWindowOccurrence = z
  .strictObject({
    start: z.iso.datetime(),
    end: z.iso.datetime(),
    localStart: z.string().describe("Wall-clock start in the window's zone, YYYY-MM-DDTHH:mm"),
    localEnd: z.string(),
    startOffsetMinutes: z.number().int().describe("UTC offset at the start, minutes"),
    endOffsetMinutes: z.number().int(),
  })
  .meta({ id: "FreezeWindowOccurrence" });

export const ZFreezeCalendarQuery = z.object({ days: z.coerce.number().int().min(1).max(31).default(14) });

export const ZFreezeCalendar = z
  .strictObject({
    from: z.iso.datetime(),
    to: z.iso.datetime(),
    rows: z.array(z.strictObject({ window: ZFreezeWindow, occurrences: z.array(ZWindowOccurrence) })),
  })
  .meta({ id: "FreezeCalendar" });

export const ZBreakGlassRequest = z.strictObject({ reason: z.string().trim().min(3).max(2000) }).meta({ id: "BreakGlassRequest" });

export const ZBreakGlassResult = z
  .strictObject({
    operationId: z.string(),
    breakGlass: z.strictObject({ by: z.string(), role: z.enum(["VIEWER", ...BREAK_GLASS_ROLES]), reason: z.string(), at: z.iso.datetime() }),
    heldBy: z.string().describe("What held it when glass was broken"),
  })
  .meta({ id: "BreakGlassResult" });

export type TFreezeWindow = z.infer<typeof ZFreezeWindow>;
export type TFreezeCalendar = z.infer<typeof ZFreezeCalendar>;
