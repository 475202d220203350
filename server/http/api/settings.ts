import "server-only";
import { ZConflictPolicyInput, ZConflictPolicySettings, ZGateConfigInput, ZGateSettings } from "@/lib/api/settings";
import { getConflictPolicy } from "../../core/conflicts/get-conflict-policy";
import { DEFAULT_CONFLICT_POLICY } from "../../core/conflicts/policy";
import { DEFAULT_GATE_CONFIG } from "../../core/gates/gate-config";
import { getGateConfig } from "../../core/gates/get-gate-config";
import { changeConflictPolicy } from "../../core/settings/change-conflict-policy";
import { changeGateConfig } from "../../core/settings/change-gate-config";
import { endpoint } from "../endpoint";
import { AUTH_ERRORS } from "./responses";

export const getGateSettingsEndpoint = endpoint({
  operationId: "getGateSettings",
  method: "GET",
  path: "/api/v1/settings/gates",
  summary: "Safety gate configuration",
  description: "Per gate: enabled, threshold, what a failure does (pause for review or block) and the operation types it checks; with the defaults of docs/gates.md#the-gates.",
  tags: ["settings"],
  access: "ADMIN",
  responses: { 200: { description: "The configuration in force and the defaults", schema: ZGateSettings }, ...AUTH_ERRORS },
  async handler({ container }) {
    return { status: 200, body: { config: await getGateConfig({ gates: container.settings.gates }), defaults: DEFAULT_GATE_CONFIG } };
  },
});

export const updateGateSettingsEndpoint = endpoint({
  operationId: "updateGateSettings",
  method: "PUT",
  path: "/api/v1/settings/gates",
  summary: "Change the safety gate configuration",
  description: "Missing fields are taken from the defaults; a bad threshold is refused naming the field, and nothing is written. In force within seconds on every replica; audited.",
  tags: ["settings"],
  access: "ADMIN",
  body: ZGateConfigInput,
  responses: { 200: { description: "What is now in force", schema: ZGateSettings }, ...AUTH_ERRORS },
  async handler({ container, principal, body }) {
    const config = await changeGateConfig({ gates: container.settings.gates, audit: container.audit.log }, body, principal!.actor);
    return { status: 200, body: { config, defaults: DEFAULT_GATE_CONFIG } };
  },
});

export const getConflictPolicyEndpoint = endpoint({
  operationId: "getConflictPolicy",
  method: "GET",
  path: "/api/v1/settings/conflict-policy",
  summary: "Conflict policy",
  description: "Per conflict type: enabled, severity and action; the traversal depth and the timing window; with the defaults.",
  tags: ["settings"],
  access: "ADMIN",
  responses: { 200: { description: "The policy in force and the defaults", schema: ZConflictPolicySettings }, ...AUTH_ERRORS },
  async handler({ container }) {
    return { status: 200, body: { policy: await getConflictPolicy({ policies: container.settings.conflictPolicy }), defaults: DEFAULT_CONFLICT_POLICY } };
  },
});

export const updateConflictPolicyEndpoint = endpoint({
  operationId: "updateConflictPolicy",
  method: "PUT",
  path: "/api/v1/settings/conflict-policy",
  summary: "Change the conflict policy",
  description: "Missing fields are taken from the defaults; bad values are refused naming the field, and nothing is written. In force within seconds on every replica; audited.",
  tags: ["settings"],
  access: "ADMIN",
  body: ZConflictPolicyInput,
  responses: { 200: { description: "What is now in force", schema: ZConflictPolicySettings }, ...AUTH_ERRORS },
  async handler({ container, principal, body }) {
    const policy = await changeConflictPolicy({ policies: container.settings.conflictPolicy, audit: container.audit.log }, body, principal!.actor);
    return { status: 200, body: { policy, defaults: DEFAULT_CONFLICT_POLICY } };
  },
});
