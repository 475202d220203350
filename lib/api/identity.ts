import { z } from "zod";
import { ZRole, ZTimestamp } from "./common";

export const ZPrincipal = z
  .object({
    kind: z.enum(["user", "token"]),
    actor: z.string().meta({ description: "The name recorded on what this principal does" }),
    name: z.string(),
    role: ZRole,
    email: z.string().nullable(),
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
    expiresInDays: z.number().int().min(1).max(3650).optional(),
  })
  .meta({ id: "CreateApiTokenRequest" });

export const ZCreatedApiToken = z
  .object({ token: z.string().meta({ description: "Shown once: store it now, it cannot be read again" }), record: ZApiToken })
  .meta({ id: "CreatedApiToken" });

export const ZUser = z
  .object({ id: z.uuid(), email: z.string(), name: z.string(), role: ZRole, disabledAt: ZTimestamp.nullable(), createdAt: ZTimestamp, signIn: z.enum(["password", "sso"]) })
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
