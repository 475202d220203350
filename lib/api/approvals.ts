// Approval policies and the count of a review's approvals (docs/approvals.md),
// as the API answers them: zod only, safe for the browser.
import { z } from "zod";

const ZDateTime = z.iso.datetime();
export const APPROVAL_ROLES = ["APPROVER", "ADMIN"] as const;
const OPERATION_TYPES = ["DEPLOYMENT", "ROLLBACK", "VERIFICATION", "REMEDIATION", "CONFIG_CHANGE", "MAINTENANCE"] as const;
const ROLES = ["VIEWER", "OPERATOR", "APPROVER", "ADMIN"] as const;

export const ZQuorum = z
  .strictObject({
    met: z.boolean(),
    required: z.number().int().describe("Approvals counted so far plus the fewest still needed"),
    summary: z.string().describe('"1 of 2 approvals"'),
    approvals: z.array(z.strictObject({ by: z.string(), at: ZDateTime })),
    policies: z.array(
      z.strictObject({
        policyId: z.string().nullable().describe("Null for the default rule (one APPROVER or ADMIN)"),
        name: z.string(),
        required: z.number().int(),
        have: z.number().int(),
        met: z.boolean(),
        approvers: z.array(z.string()),
        eligible: z.string().describe('Who may count: "role APPROVER or ADMIN from team payments"'),
      }),
    ),
    needed: z.array(z.string()).describe("What is still needed, one sentence per unmet policy"),
  })
  .meta({ id: "ApprovalQuorum" });

export const ZChangeScopeBody = z.strictObject({
  services: z.array(z.string()).optional(),
  teams: z.array(z.string()).optional(),
  tiers: z.array(z.number().int()).optional(),
  types: z.array(z.enum(OPERATION_TYPES)).optional(),
});

export const ZApprovalPolicy = z
  .strictObject({
    id: z.string(),
    name: z.string(),
    scope: z.strictObject({ services: z.array(z.string()), teams: z.array(z.string()), tiers: z.array(z.number().int()), types: z.array(z.enum(OPERATION_TYPES)) }),
    requiredApprovals: z.number().int(),
    fromRoles: z.array(z.enum(ROLES)),
    fromTeams: z.array(z.string()).describe('Team names; "owning" is the team that owns the operation\'s service'),
    enabled: z.boolean(),
    createdBy: z.string(),
    createdAt: ZDateTime,
    updatedAt: ZDateTime,
  })
  .meta({ id: "ApprovalPolicy" });

/** Loose on purpose: the use case validates and names every bad field (422 VALIDATION_FAILED). */
export const ZApprovalPolicyBody = z.record(z.string(), z.unknown()).meta({ id: "ApprovalPolicyDraft" });

export const ZApprovalPolicyList = z.strictObject({ items: z.array(ZApprovalPolicy) }).meta({ id: "ApprovalPolicyList" });

export const ZApprovalPolicyPreview = z
  .strictObject({
    services: z.array(z.strictObject({ name: z.string(), team: z.string(), tier: z.number().int() })),
    approvers: z.array(z.strictObject({ email: z.string(), role: z.string(), teams: z.array(z.string()), services: z.number().int() })),
    unapprovable: z.array(z.string()).describe("Matched services with fewer eligible people than the policy requires"),
    totalServices: z.number().int(),
  })
  .meta({ id: "ApprovalPolicyPreview" });

export type TQuorum = z.infer<typeof ZQuorum>;
export type TApprovalPolicy = z.infer<typeof ZApprovalPolicy>;
export type TApprovalPolicyPreview = z.infer<typeof ZApprovalPolicyPreview>;
