// Approval policies as the domain sees them (docs/approvals.md): how many
// distinct people must approve an operation a policy's scope covers, and who
// may count toward it.
import { z } from "zod";
import type { ChangeScope } from "../freezes/types";
import { ROLES, type Role } from "../identity/roles";
import { OPERATION_TYPES } from "../operations/types";

/** In `fromTeams`: the team that owns the operation's service (the topology's `team`). */
export const OWNING_TEAM = "owning";

export const MAX_REQUIRED_APPROVALS = 10;

/** Who may approve when no policy says otherwise, and the default of a new policy. */
export const DEFAULT_APPROVER_ROLES: readonly Role[] = ["APPROVER", "ADMIN"];

export interface ApprovalPolicy {
  id: string;
  name: string;
  scope: ChangeScope;
  requiredApprovals: number;
  /** Roles whose holders count (exactly these roles). */
  fromRoles: Role[];
  /** Teams whose members count; empty: any team; "owning": the service's owning team. */
  fromTeams: string[];
  enabled: boolean;
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
}

const name = z.string().trim().min(1).max(200);
const list = <T extends z.ZodType>(item: T) => z.array(item).max(200).default([]);

export const ZChangeScope = z.strictObject({
  services: list(name),
  teams: list(name),
  tiers: list(z.number().int().min(1).max(100)),
  types: list(z.enum(OPERATION_TYPES)),
});

/** A policy as an admin writes it (create, and the preview's draft). */
export const ZApprovalPolicyDraft = z.strictObject({
  name: z.string().trim().min(1, "give the policy a name").max(200),
  scope: ZChangeScope.default({ services: [], teams: [], tiers: [], types: [] }),
  requiredApprovals: z.number().int().min(1).max(MAX_REQUIRED_APPROVALS),
  fromRoles: z
    .array(z.enum(ROLES))
    .min(1, "name at least one role")
    .default([...DEFAULT_APPROVER_ROLES])
    .refine((roles) => roles.every((r) => r === "APPROVER" || r === "ADMIN"), { message: "only APPROVER and ADMIN may approve operations" }),
  fromTeams: list(name),
  enabled: z.boolean().default(true),
});
export type ApprovalPolicyDraft = z.output<typeof ZApprovalPolicyDraft>;

/** A change of a policy: any of its fields. */
export const ZApprovalPolicyPatch = z
  .strictObject({
    name: ZApprovalPolicyDraft.shape.name.optional(),
    scope: ZChangeScope.optional(),
    requiredApprovals: ZApprovalPolicyDraft.shape.requiredApprovals.optional(),
    fromRoles: z
      .array(z.enum(ROLES))
      .min(1, "name at least one role")
      .refine((roles) => roles.every((r) => r === "APPROVER" || r === "ADMIN"), { message: "only APPROVER and ADMIN may approve operations" })
      .optional(),
    fromTeams: z.array(name).max(200).optional(),
    enabled: z.boolean().optional(),
  })
  .refine((p) => Object.keys(p).length > 0, { message: "change at least one field" });
export type ApprovalPolicyPatch = z.output<typeof ZApprovalPolicyPatch>;
