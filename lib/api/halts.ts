// Stop the line and what is in force now (docs/freezes.md#stop-the-line), for
// the browser and the OpenAPI document: zod only. The core's input schemas
// (server/core/freezes/halt-schemas.ts) describe the same requests; a type
// test (server/http/api/halt-schemas-match.test.ts) keeps them equal.
import { z } from "zod";
import { OPERATION_TYPES } from "./operations";

const NAME = z.string().trim().min(1).max(200);

export const ZChangeScope = z
  .strictObject({
    services: z.array(z.string()),
    teams: z.array(z.string()).describe("Owning teams, the topology's `team`"),
    tiers: z.array(z.number().int()),
    types: z.array(z.enum(OPERATION_TYPES)),
  })
  .meta({ id: "ChangeScope", description: "Each non-empty list narrows one dimension (any entry within a list matches); all four empty: every change" });

export const ZCallHaltRequest = z
  .strictObject({
    scope: z
      .strictObject({
        services: z.array(NAME).max(200).default([]),
        teams: z.array(NAME).max(100).default([]),
        tiers: z.array(z.number().int().min(0).max(100)).max(20).default([]),
        types: z.array(z.enum(OPERATION_TYPES)).max(OPERATION_TYPES.length).default([]),
      })
      .default({ services: [], teams: [], tiers: [], types: [] })
      .describe("Left out or all empty: every new change. Services must exist in the topology; teams and tiers must be those of some service"),
    action: z.enum(["BLOCK", "QUEUE"]).default("BLOCK").describe("BLOCK: an operation submitted during the halt fails saying why; QUEUE: it waits until the halt is lifted"),
    reason: z.string().trim().min(3).max(2000),
    owner: NAME.optional().describe("Who answers for the halt; the caller when left out"),
    includesRollbacks: z.boolean().default(false).describe("Rollbacks are exempt unless true"),
    breakGlassRole: z.enum(["OPERATOR", "APPROVER", "ADMIN"]).default("APPROVER").describe("The least role that may break glass through the halt"),
  })
  .meta({ id: "CallHaltRequest" });

export const ZLiftHaltRequest = z.strictObject({ reason: z.string().trim().min(3).max(2000) }).meta({ id: "LiftHaltRequest" });

export const ZHalt = z
  .strictObject({
    id: z.string().describe("A UUID, or incident:<incident id> for a halt an open incident holds"),
    scope: ZChangeScope,
    action: z.enum(["BLOCK", "QUEUE"]),
    reason: z.string(),
    owner: z.string(),
    createdBy: z.string(),
    since: z.iso.datetime(),
    includesRollbacks: z.boolean(),
    breakGlassRole: z.enum(["VIEWER", "OPERATOR", "APPROVER", "ADMIN"]),
    source: z.enum(["MANUAL", "INCIDENT"]),
    incidentId: z.string().nullable(),
    liftedAt: z.iso.datetime().nullable(),
    liftedBy: z.string().nullable(),
    liftReason: z.string().nullable(),
  })
  .meta({ id: "Halt" });

export const ZHaltList = z.strictObject({ items: z.array(ZHalt) }).meta({ id: "HaltList" });

export const ZWindowInForce = z
  .strictObject({
    id: z.string(),
    name: z.string(),
    kind: z.enum(["DENY_WINDOW", "OUTSIDE_ALLOW"]).describe("DENY_WINDOW: a deny window's occurrence is on; OUTSIDE_ALLOW: an allow window is closed, changes in its scope wait for its next opening"),
    action: z.enum(["BLOCK", "PAUSE", "QUEUE"]),
    scope: ZChangeScope,
    includesRollbacks: z.boolean(),
    reason: z.string(),
    createdBy: z.string(),
    timeZone: z.string(),
    since: z.iso.datetime(),
    until: z.iso.datetime().nullable().describe("The occurrence's end, or the allow window's next opening; null: none within 30 days"),
  })
  .meta({ id: "WindowInForce" });

export const ZChangeControl = z
  .strictObject({
    at: z.iso.datetime(),
    halts: z.array(ZHalt).describe("Halts in force: called and not lifted, and those open incidents hold"),
    windows: z.array(ZWindowInForce).describe("Freeze windows with an occurrence in force now"),
  })
  .meta({ id: "ChangeControl", description: "What holds changes back now: the console's banner" });

export const ZHaltIdParams = z.strictObject({ id: z.string().min(1).max(200) });

export type THalt = z.infer<typeof ZHalt>;
export type TWindowInForce = z.infer<typeof ZWindowInForce>;
export type TChangeControl = z.infer<typeof ZChangeControl>;
export type TChangeScope = z.infer<typeof ZChangeScope>;
