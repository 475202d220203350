import { z } from "zod";
import { ZRole, ZTimestamp } from "./common";

export const ZPrincipal = z
  .object({
    kind: z.enum(["user", "token"]),
    actor: z.string().meta({ description: "The name recorded on what this principal does" }),
    name: z.string(),
    role: ZRole,
    email: z.string().nullable(),
    slackUserId: z.string().nullable().meta({ description: "The Slack member id linked to this user (Approve in Slack: docs/slack.md); null for tokens and unlinked users" }),
  })
  .meta({ id: "Principal" });

export const ZApiToken = z
  .object({
    id: z.uuid(),
    name: z.string(),
    prefix: z.string().meta({ description: "The token's first characters, to tell tokens apart" }),
    role: ZRole,
    createdById: z.string().nullable(),
    createdAt: ZTimestamp,
    lastUsedAt: ZTimestamp.nullable(),
    revokedAt: ZTimestamp.nullable(),
    expiresAt: ZTimestamp.nullable(),
  })
  .meta({ id: "ApiToken" });

export const ZApiTokenList = z.object({ tokens: z.array(ZApiToken) }).meta({ id: "ApiTokenList" });

export const ZCreateApiTokenRequest = z
  .strictObject({
    name: z.string().trim().min(1).max(100).regex(/^[A-Za-z0-9._:@-]+$/, "letters, digits and . _ : @ - only"),
    role: ZRole,
    expiresInDays: z.number().int().min(1).max(3650).optional().meta({ description: "Days until it stops working: API_TOKEN_DEFAULT_TTL_DAYS (90) when absent, at most API_TOKEN_MAX_TTL_DAYS (365)" }),
  })
  .meta({ id: "CreateApiTokenRequest" });

export const ZCreatedApiToken = z
  .object({ token: z.string().meta({ description: "Shown once: store it now, it cannot be read again" }), record: ZApiToken })
  .meta({ id: "CreatedApiToken" });

export const ZUser = z
  .object({ id: z.uuid(), email: z.string(), name: z.string(), role: ZRole, disabledAt: ZTimestamp.nullable(), createdAt: ZTimestamp, signIn: z.enum(["password", "sso"]), teams: z.array(z.string()).meta({ description: "The teams the person belongs to, for approval policies (docs/approvals.md#teams)" }), slackUserId: z.string().nullable().optional().meta({ description: "The linked Slack member id (docs/slack.md)" }) })
  .meta({ id: "User" });
export const ZUserList = z.object({ users: z.array(ZUser) }).meta({ id: "UserList" });
export const ZCreateUserRequest = z
  .strictObject({
    email: z.email().max(320),
    name: z.string().trim().min(1).max(200),
    role: ZRole,
    password: z.string().min(12).max(1024).optional().meta({ description: "Absent for people who sign in through OIDC only" }),
  })
  .meta({ id: "CreateUserRequest" });

export const ZUpdateUserRequest = z
  .strictObject({
    disabled: z.boolean().optional().meta({ description: "true disables the user (sessions signed out, their API tokens revoked); false enables them" }),
    role: ZRole.optional().meta({ description: "A new role (sessions signed out, their API tokens revoked)" }),
    reason: z.string().trim().min(1).max(1000).meta({ description: "Why: kept in the audit trail" }),
    slackUserId: z.string().nullable().optional().meta({ description: "Link the user's Slack member id (U… or W…), or null to unlink (Approve in Slack: docs/slack.md)" }),
    teams: z.array(z.string().trim().min(1).max(200)).max(100).optional().meta({ description: "The teams the person belongs to, replacing their current ones (approval policies: docs/approvals.md#teams); audited, no sign-out" }),
  })
  .refine((body) => body.disabled !== undefined || body.role !== undefined || body.slackUserId !== undefined || body.teams !== undefined, { message: "give disabled, role, teams, slackUserId or several", path: ["disabled"] })
  .meta({ id: "UpdateUserRequest" });

export const ZUserChange = z
  .object({
    user: ZUser,
    changes: z.array(z.enum(["disabled", "enabled", "role", "teams", "slack"])).meta({ description: "What changed, in order; empty when the user already was as asked" }),
    revokedTokens: z.array(ZApiToken).meta({ description: "The API tokens the user created that this change revoked" }),
  })
  .meta({ id: "UserChange" });
