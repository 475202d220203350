// What Flagger and Argo Rollouts send to Interlock's gates, and what they get
// back (docs/execution.md#rollout-gates). Browser-safe: zod only.
import { z } from "zod";
import { OPERATION_STATES, OPERATION_TYPES } from "./operations";

/** Flagger's webhook types Interlock answers: the gates, and post-rollout (the end). */
export const FLAGGER_HOOKS = ["confirm-rollout", "pre-rollout", "rollout", "confirm-traffic-increase", "confirm-promotion", "post-rollout"] as const;

/**
 * Flagger's webhook payload: the canary's name and namespace, its phase, the
 * checksum of the revision, and the webhook's `metadata` (strings). Fields
 * Flagger may add later are accepted and ignored.
 */
export const ZFlaggerWebhook = z
  .looseObject({
    name: z.string().min(1).max(253),
    namespace: z.string().min(1).max(253),
    phase: z.string().max(64).optional(),
    checksum: z.string().max(200).optional(),
    metadata: z
      .record(z.string(), z.string())
      .optional()
      .meta({ description: "service (default: the canary's name), type (default DEPLOYMENT), leaseSeconds (default 900), token (an API token, when no Authorization header is sent)" }),
  })
  .meta({ id: "FlaggerWebhook" });

export const ZFlaggerHookParams = z.strictObject({ hook: z.enum(FLAGGER_HOOKS) });

/** Argo Rollouts' Web metric sends this body (`method: POST`, `body` in the AnalysisTemplate). */
export const ZArgoRolloutsMeasurementRequest = z
  .strictObject({
    service: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:/-]{0,199}$/).describe("The Interlock service the rollout changes"),
    namespace: z.string().min(1).max(253),
    rollout: z.string().min(1).max(253).describe("The Rollout's name"),
    revision: z.string().min(1).max(200).describe("The revision being rolled out, e.g. {{templates.podTemplateHash}}"),
    type: z.enum(OPERATION_TYPES).optional(),
    leaseSeconds: z.coerce.number().int().min(10).max(3600).optional(),
    phase: z.enum(["proceed", "succeeded", "failed", "aborted"]).optional().describe("proceed (default): may it go on? succeeded / failed / aborted: the rollout ended"),
  })
  .meta({ id: "ArgoRolloutsMeasurementRequest" });

export const ZRolloutGateAnswer = z
  .strictObject({
    decision: z.enum(["ALLOW", "WAIT", "DENY"]).describe("ALLOW: the operation holds its locks and passed its gates. WAIT: not yet (in line, delayed, paused for review). DENY: refused for this revision"),
    allowed: z.boolean().describe("decision == ALLOW: what an AnalysisTemplate's successCondition reads"),
    reason: z.string(),
    operationId: z.guid().nullable(),
    state: z.enum(OPERATION_STATES).nullable(),
    link: z.string().nullable().describe("The operation in the console"),
  })
  .meta({ id: "RolloutGateAnswer" });
