// What calling and lifting a halt accept (docs/freezes.md#stop-the-line),
// validated in the core. lib/api/halts.ts describes the same shapes for the
// browser and the OpenAPI document; server/http/api/halt-schemas-match.test.ts
// fails the type check when the two drift.
import { z } from "zod";
import { OPERATION_TYPES } from "../operations/types";

const NAME = z.string().trim().min(1).max(200);

export const ZHaltScopeInput = z.strictObject({
  services: z.array(NAME).max(200).default([]),
  teams: z.array(NAME).max(100).default([]),
  tiers: z.array(z.number().int().min(0).max(100)).max(20).default([]),
  types: z.array(z.enum(OPERATION_TYPES)).max(OPERATION_TYPES.length).default([]),
});

export const ZCallHaltInput = z.strictObject({
  /** Left out, or every list empty: every new change. */
  scope: ZHaltScopeInput.default({ services: [], teams: [], tiers: [], types: [] }),
  action: z.enum(["BLOCK", "QUEUE"]).default("BLOCK"),
  reason: z.string().trim().min(3).max(2000),
  /** Who answers for the halt; the caller when left out. */
  owner: NAME.optional(),
  includesRollbacks: z.boolean().default(false),
  /** The least role that may break glass through it (a viewer cannot submit anything). */
  breakGlassRole: z.enum(["OPERATOR", "APPROVER", "ADMIN"]).default("APPROVER"),
});

export const ZLiftHaltInput = z.strictObject({
  reason: z.string().trim().min(3).max(2000),
});
