import "server-only";
import { ZArgoRolloutsMeasurementRequest, ZFlaggerHookParams, ZFlaggerWebhook, ZRolloutGateAnswer } from "@/lib/api/rollout-gates";
import type { z } from "zod";
import type { Container } from "../../container";
import { AppError } from "../../core/errors";
import { answerRolloutGate, rolloutName, type RolloutGateAnswer, type RolloutGateDeps, type RolloutGateRequest } from "../../core/execution/answer-rollout-gate";
import { authenticateApiToken } from "../../core/identity/authenticate-api-token";
import { actorKindOf, type Principal } from "../../core/identity/principal";
import { hasRole } from "../../core/identity/roles";
import { OPERATION_TYPES, type OperationType } from "../../core/operations/types";
import { authenticate } from "../authenticate";
import { endpoint } from "../endpoint";
import { AUTH_ERRORS, CONFLICT, NOT_FOUND } from "./responses";

// Gates in the contracts of Flagger's webhooks and Argo Rollouts' Web metric
// (docs/execution.md#rollout-gates): each question about a revision maps to
// one external Interlock operation, created on first contact, whose lease the
// questions keep alive; the tool's end report completes it.

/** A rollout gate's lease: long enough to span a Flagger analysis interval or an Argo pause between measurements. */
const DEFAULT_GATE_LEASE_SECONDS = 900;

function gateDeps(container: Container): RolloutGateDeps {
  const o = container.orchestrator;
  return {
    submit: (input) => o.submit(input),
    latestWithParams: (service, params) => o.latestWithParams(service, params),
    lease: (id) => o.lease(id),
    heartbeat: (input) => o.heartbeat(input),
    complete: (input) => o.complete(input),
    cancel: (input) => o.cancel(input),
    now: () => container.clock.now(),
  };
}

function operationTypeOf(value: string | undefined): OperationType {
  if (value === undefined) return "DEPLOYMENT";
  if (!(OPERATION_TYPES as readonly string[]).includes(value)) throw new AppError("VALIDATION_FAILED", `metadata.type "${value}" is not an operation type (${OPERATION_TYPES.join(", ")})`, { field: "metadata.type" });
  return value as OperationType;
}

function leaseSecondsOf(value: string | number | undefined): number {
  if (value === undefined) return DEFAULT_GATE_LEASE_SECONDS;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 10 || n > 3600) throw new AppError("VALIDATION_FAILED", `leaseSeconds must be a whole number of seconds from 10 to 3600; got ${value}`, { field: "leaseSeconds" });
  return n;
}

/**
 * Flagger cannot set request headers on its webhooks, so its API token may
 * come in the webhook's `metadata.token` instead; a header, when sent, wins.
 * Either way an operator's token.
 */
async function flaggerPrincipal(container: Container, request: Request, metadataToken: string | undefined): Promise<Principal> {
  const deps = { identities: container.identity.store, secret: container.identity.secret, now: container.clock.now() };
  const fromHeader = await authenticate(request, deps);
  const principal = fromHeader?.via === "token" ? fromHeader.principal : metadataToken ? await authenticateApiToken(deps, metadataToken) : null;
  if (!principal) throw new AppError("UNAUTHENTICATED", "Send an operator's API token: Authorization: Bearer <token>, or metadata.token in the Canary's webhook");
  if (!hasRole(principal.role, "OPERATOR")) throw new AppError("FORBIDDEN", `Flagger's gate needs the operator role; ${principal.actor} has ${principal.role.toLowerCase()}`, { required: "OPERATOR", role: principal.role });
  return principal;
}

export const flaggerWebhookEndpoint = endpoint({
  operationId: "flaggerWebhook",
  method: "POST",
  path: "/api/v1/integrations/flagger/{hook}",
  summary: "Flagger webhook gate",
  description:
    "Point a Canary's webhooks here, one URL per type: confirm-rollout, pre-rollout, rollout, confirm-traffic-increase and confirm-promotion answer 200 when Interlock's operation for this revision (namespace/name + checksum) holds the service's locks and passed its gates, and 409 with the reason otherwise (waiting in line, paused for review, blocked); the first call submits the operation (external execution), later calls keep its lease. post-rollout with phase Succeeded completes it, Failed records it ROLLED_BACK. metadata: service (default the canary's name), type (default DEPLOYMENT), leaseSeconds (default 900), token (when no Authorization header). docs/execution.md#rollout-gates.",
  tags: ["integrations"],
  access: "public",
  params: ZFlaggerHookParams,
  body: ZFlaggerWebhook,
  responses: { 200: { description: "Proceed (or, for post-rollout, recorded)", schema: ZRolloutGateAnswer }, ...AUTH_ERRORS, ...NOT_FOUND, ...CONFLICT },
  async handler({ container, request, params, body }) {
    const principal = await flaggerPrincipal(container, request, body.metadata?.token);
    const meta = body.metadata ?? {};
    const ask: RolloutGateRequest["ask"] =
      params.hook === "post-rollout"
        ? body.phase === "Succeeded"
          ? { kind: "ended", status: "SUCCEEDED", summary: `Flagger promoted canary ${body.namespace}/${body.name}` }
          : { kind: "ended", status: "ROLLED_BACK", summary: `Flagger rolled canary ${body.namespace}/${body.name} back (phase ${body.phase ?? "unknown"})` }
        : { kind: "proceed", hook: params.hook };
    const answer = await answerRolloutGate(gateDeps(container), {
      tool: "flagger",
      rollout: rolloutName(body.namespace, body.name),
      revision: body.checksum ?? meta.revision ?? "current",
      service: meta.service ?? body.name,
      type: operationTypeOf(meta.type),
      leaseSeconds: leaseSecondsOf(meta.leaseSeconds),
      actor: principal.actor,
      actorKind: actorKindOf(principal),
      ask,
      consoleUrl: container.notifications.baseUrl,
    });
    return respond(answer, `Flagger ${params.hook}`);
  },
});

export const argoRolloutsMeasurementEndpoint = endpoint({
  operationId: "argoRolloutsMeasurement",
  method: "POST",
  path: "/api/v1/integrations/argo-rollouts/measurement",
  summary: "Argo Rollouts Web metric gate",
  description:
    "An AnalysisTemplate's Web metric (method POST, Authorization: Bearer <operator token>) asks whether the revision may proceed. Always 200 with JSON: `allowed` is true when Interlock's operation for this revision (namespace/rollout + revision) holds the service's locks and passed its gates; `decision` says ALLOW, WAIT or DENY and `reason` why. The first measurement submits the operation (external execution), later ones keep its lease; phase succeeded, failed or aborted completes it. docs/execution.md#rollout-gates.",
  tags: ["integrations"],
  access: "OPERATOR",
  body: ZArgoRolloutsMeasurementRequest,
  responses: { 200: { description: "The measurement", schema: ZRolloutGateAnswer }, ...AUTH_ERRORS, ...NOT_FOUND },
  async handler({ container, principal, body }) {
    const phase = body.phase ?? "proceed";
    const rollout = rolloutName(body.namespace, body.rollout);
    const ask: RolloutGateRequest["ask"] =
      phase === "proceed"
        ? { kind: "proceed", hook: "measurement" }
        : phase === "succeeded"
          ? { kind: "ended", status: "SUCCEEDED", summary: `Argo Rollouts completed rollout ${rollout}` }
          : { kind: "ended", status: "ROLLED_BACK", summary: `Argo Rollouts ${phase === "aborted" ? "aborted" : "failed"} rollout ${rollout}` };
    const answer = await answerRolloutGate(gateDeps(container), {
      tool: "argo-rollouts",
      rollout,
      revision: body.revision,
      service: body.service,
      type: body.type ?? "DEPLOYMENT",
      leaseSeconds: leaseSecondsOf(body.leaseSeconds),
      actor: principal!.actor,
      actorKind: actorKindOf(principal!),
      ask,
      consoleUrl: container.notifications.baseUrl,
    });
    return { status: 200, body: answer satisfies z.infer<typeof ZRolloutGateAnswer> };
  },
});

/** Flagger reads only the status: 200 proceeds, anything else holds (its log keeps the body's reason). */
function respond(answer: RolloutGateAnswer, what: string): { status: 200; body: RolloutGateAnswer } {
  if (answer.decision === "ALLOW") return { status: 200, body: answer };
  throw new AppError("CONFLICT", `${what}: ${answer.decision === "WAIT" ? "not yet" : "refused"}. ${answer.reason}`, { decision: answer.decision, operationId: answer.operationId, state: answer.state, link: answer.link });
}
