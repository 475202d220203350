import { z } from "zod";
import { ZTimestamp } from "./common";

export const LOCK_SCOPES = ["SYSTEM", "SERVICE", "INCIDENT", "DEPLOYMENT"] as const;
export const LOCK_MODES = ["EXCLUSIVE", "SHARED"] as const;
export const ZLockScope = z.enum(LOCK_SCOPES).meta({ id: "LockScope" });
const ZLockMode = z.enum(LOCK_MODES);

export const ZLockView = z
  .object({
    key: z.object({ scope: ZLockScope, resource: z.string() }),
    holders: z.array(
      z.object({
        holderId: z.string(),
        mode: ZLockMode,
        fencingToken: z.string().meta({ description: "Strictly increasing per resource; a decimal string (64-bit)" }),
        acquiredAt: ZTimestamp,
        expiresAt: ZTimestamp,
        ageMs: z.number(),
        ttlLeftMs: z.number(),
      }),
    ),
    waiters: z.array(z.object({ holderId: z.string(), mode: ZLockMode, priority: z.number(), enqueuedAt: ZTimestamp, waitingMs: z.number() })),
  })
  .meta({ id: "Lock" });

export const ZLockList = z.object({ at: ZTimestamp, backend: z.string(), locks: z.array(ZLockView) }).meta({ id: "LockList" });

export const ZForceReleaseRequest = z
  .strictObject({
    scope: ZLockScope,
    resource: z.string().trim().min(1).max(200),
    holderId: z.string().trim().min(1).max(200).optional().meta({ description: "Only this holder's lease; every holder when absent" }),
    reason: z.string().trim().min(3).max(2000).meta({ description: "Why: recorded in the audit trail" }),
  })
  .meta({ id: "ForceReleaseRequest" });

export const ZForceReleaseResult = z
  .object({ released: z.array(z.object({ holderId: z.string(), mode: ZLockMode, fencingToken: z.string() })) })
  .meta({ id: "ForceReleaseResult" });

export const ZLockStatistics = z
  .object({
    at: ZTimestamp,
    backend: z.string(),
    locks: z.array(
      z.object({
        key: z.object({ scope: ZLockScope, resource: z.string() }),
        acquisitions: z.number().int(),
        contentions: z.number().int().meta({ description: "Grants that had to wait" }),
        contentionRate: z.number().meta({ description: "contentions / acquisitions (above 0.1 is high contention)" }),
        avgWaitMs: z.number(),
        maxWaitMs: z.number(),
        releases: z.number().int(),
        avgHoldMs: z.number(),
        maxHoldMs: z.number(),
      }),
    ),
  })
  .meta({ id: "LockStatistics" });
