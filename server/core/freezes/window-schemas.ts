// The requests that create and change a freeze window (docs/freezes.md#windows).
// lib/api/freezes.ts describes the same shapes for the browser and OpenAPI;
// server/http/api/freeze-schemas-match.test.ts keeps them equal.
import { z } from "zod";
import { OPERATION_TYPES } from "../operations/types";
import { FREEZE_ACTIONS, WINDOW_KINDS } from "./types";
import { LOCAL_DATE_TIME, MAX_DURATION_MINUTES } from "./window-calendar";

const NAME = z.string().trim().min(1).max(200);

export const ZWindowScope = z.strictObject({
  services: z.array(NAME).max(200).default([]),
  teams: z.array(NAME).max(100).default([]),
  tiers: z.array(z.number().int().min(0).max(100)).max(20).default([]),
  types: z.array(z.enum(OPERATION_TYPES)).max(OPERATION_TYPES.length).default([]),
});

const fields = {
  name: z.string().trim().min(1).max(100),
  kind: z.enum(WINDOW_KINDS),
  action: z.enum(FREEZE_ACTIONS),
  scope: ZWindowScope,
  timeZone: z.string().trim().min(1).max(64),
  start: z.string().regex(LOCAL_DATE_TIME, "a local date and time, YYYY-MM-DDTHH:mm (seconds optional), read in timeZone"),
  durationMinutes: z.number().int().min(1).max(MAX_DURATION_MINUTES),
  rrule: z.string().trim().min(1).max(500).nullable(),
  includesRollbacks: z.boolean(),
  breakGlassRole: z.enum(["OPERATOR", "APPROVER", "ADMIN"]),
  reason: z.string().trim().min(3).max(2000),
  enabled: z.boolean(),
};

export const ZFreezeWindowInput = z.strictObject({
  ...fields,
  action: fields.action.default("QUEUE"),
  scope: ZWindowScope.default({ services: [], teams: [], tiers: [], types: [] }),
  rrule: fields.rrule.default(null),
  includesRollbacks: fields.includesRollbacks.default(false),
  breakGlassRole: fields.breakGlassRole.default("APPROVER"),
  enabled: fields.enabled.default(true),
});

export const ZFreezeWindowPatch = z.strictObject({
  name: fields.name.optional(),
  kind: fields.kind.optional(),
  action: fields.action.optional(),
  scope: ZWindowScope.optional(),
  timeZone: fields.timeZone.optional(),
  start: fields.start.optional(),
  durationMinutes: fields.durationMinutes.optional(),
  rrule: fields.rrule.optional(),
  includesRollbacks: fields.includesRollbacks.optional(),
  breakGlassRole: fields.breakGlassRole.optional(),
  reason: fields.reason.optional(),
  enabled: fields.enabled.optional(),
});

export const ZBreakGlassInput = z.strictObject({ reason: z.string().trim().min(3).max(2000) });
