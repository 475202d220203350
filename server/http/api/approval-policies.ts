import "server-only";
import { ZIdParams } from "@/lib/api/common";
import { ZApprovalPolicy, ZApprovalPolicyBody, ZApprovalPolicyList, ZApprovalPolicyPreview } from "@/lib/api/approvals";
import type { z } from "zod";
import { changeApprovalPolicy, createApprovalPolicy, deleteApprovalPolicy, type PolicyDeps } from "../../core/approvals/manage-approval-policies";
import type { ApprovalDeps } from "../../core/approvals/ports";
import { previewApprovalPolicy } from "../../core/approvals/preview-approval-policy";
import type { ApprovalPolicy } from "../../core/approvals/types";
import { AppError } from "../../core/errors";
import type { Container } from "../../container";
import { endpoint } from "../endpoint";
import { AUTH_ERRORS, CONFLICT, NOT_FOUND } from "./responses";

/** The orchestrator's view of approvals over the container's store (the operation page's and the queue's counts). */
export function approvalDepsOf(container: Container): ApprovalDeps {
  return { policies: container.approvals, facts: container.approvals, reviews: container.approvals };
}

function policyDeps(container: Container): PolicyDeps {
  return { policies: container.approvals, audit: container.audit.log, now: container.clock.now(), newId: () => crypto.randomUUID() };
}

function policyOf(p: ApprovalPolicy): z.infer<typeof ZApprovalPolicy> {
  return { ...p, scope: { ...p.scope }, createdAt: p.createdAt.toISOString(), updatedAt: p.updatedAt.toISOString() };
}

const WRITE_NOTE = "Admins only; validated first (every bad field named, nothing written), then written with its audit event in one transaction (docs/approvals.md#editing-policies).";

export const listApprovalPoliciesEndpoint = endpoint({
  operationId: "listApprovalPolicies",
  method: "GET",
  path: "/api/v1/approval-policies",
  summary: "Approval policies",
  description: "Every approval policy, by name: its scope (services, teams, tiers, types), how many distinct approvers it needs and from which roles and teams.",
  tags: ["approvals"],
  access: "VIEWER",
  responses: { 200: { description: "The policies", schema: ZApprovalPolicyList }, ...AUTH_ERRORS },
  async handler({ container }) {
    return { status: 200, body: { items: (await container.approvals.listPolicies()).map(policyOf) } };
  },
});

export const createApprovalPolicyEndpoint = endpoint({
  operationId: "createApprovalPolicy",
  method: "POST",
  path: "/api/v1/approval-policies",
  summary: "Create an approval policy",
  description: `Operations its scope covers need requiredApprovals distinct approvers from fromRoles (and fromTeams, where "owning" is the service's owning team). ${WRITE_NOTE} 409 when the name is taken.`,
  tags: ["approvals"],
  access: "ADMIN",
  body: ZApprovalPolicyBody,
  responses: { 201: { description: "The policy", schema: ZApprovalPolicy }, ...AUTH_ERRORS, ...CONFLICT },
  async handler({ container, principal, body }) {
    const created = await createApprovalPolicy(policyDeps(container), body, principal!.actor);
    return { status: 201, body: policyOf(created), headers: { location: `/api/v1/approval-policies/${created.id}` } };
  },
});

export const previewApprovalPolicyEndpoint = endpoint({
  operationId: "previewApprovalPolicy",
  method: "POST",
  path: "/api/v1/approval-policies/preview",
  summary: "Preview an approval policy",
  description: "For a policy draft: the services of the topology its scope covers, the people who could approve under it, and the services where fewer people could approve than it requires. Writes nothing.",
  tags: ["approvals"],
  access: "ADMIN",
  body: ZApprovalPolicyBody,
  responses: { 200: { description: "What the draft would apply to", schema: ZApprovalPolicyPreview }, ...AUTH_ERRORS },
  async handler({ container, body }) {
    return { status: 200, body: await previewApprovalPolicy({ facts: container.approvals }, body) };
  },
});

export const getApprovalPolicyEndpoint = endpoint({
  operationId: "getApprovalPolicy",
  method: "GET",
  path: "/api/v1/approval-policies/{id}",
  summary: "Get an approval policy",
  description: "One approval policy.",
  tags: ["approvals"],
  access: "VIEWER",
  params: ZIdParams,
  responses: { 200: { description: "The policy", schema: ZApprovalPolicy }, ...AUTH_ERRORS, ...NOT_FOUND },
  async handler({ container, params }) {
    const policy = await container.approvals.getPolicy(params.id);
    if (!policy) throw new AppError("NOT_FOUND", `Approval policy ${params.id} does not exist`, { policyId: params.id });
    return { status: 200, body: policyOf(policy) };
  },
});

export const updateApprovalPolicyEndpoint = endpoint({
  operationId: "updateApprovalPolicy",
  method: "PATCH",
  path: "/api/v1/approval-policies/{id}",
  summary: "Change an approval policy",
  description: `Any of its fields; the rest stay. Reviews already waiting are counted against the policy as it now is. ${WRITE_NOTE}`,
  tags: ["approvals"],
  access: "ADMIN",
  params: ZIdParams,
  body: ZApprovalPolicyBody,
  responses: { 200: { description: "The policy as changed", schema: ZApprovalPolicy }, ...AUTH_ERRORS, ...NOT_FOUND, ...CONFLICT },
  async handler({ container, principal, params, body }) {
    return { status: 200, body: policyOf(await changeApprovalPolicy(policyDeps(container), params.id, body, principal!.actor)) };
  },
});

export const deleteApprovalPolicyEndpoint = endpoint({
  operationId: "deleteApprovalPolicy",
  method: "DELETE",
  path: "/api/v1/approval-policies/{id}",
  summary: "Delete an approval policy",
  description: "Reviews waiting are counted without it from then on; the audit trail keeps it. Admins only, audited.",
  tags: ["approvals"],
  access: "ADMIN",
  params: ZIdParams,
  responses: { 204: { description: "Deleted" }, ...AUTH_ERRORS, ...NOT_FOUND },
  async handler({ container, principal, params }) {
    await deleteApprovalPolicy(policyDeps(container), params.id, principal!.actor);
    return new Response(null, { status: 204 });
  },
});
