import { z } from "zod";
import { ZTimestamp } from "./common";

// Identity-provider accounts linked to users (docs/security.md#identity-oidc,
// docs/api.md#settings-identity-notifications). Browser-safe (zod only).

export const ZOidcIdentity = z
  .object({
    id: z.uuid(),
    userId: z.uuid(),
    issuer: z.string(),
    subject: z.string().meta({ description: "The provider's `sub` claim for this person" }),
    linkedAt: ZTimestamp,
    linkedBy: z.string().meta({ description: "The admin who linked it, or oidc-provisioning for an account the allow-list created" }),
  })
  .meta({ id: "OidcIdentity" });

export const ZOidcIdentityList = z.object({ identities: z.array(ZOidcIdentity) }).meta({ id: "OidcIdentityList" });

export const ZLinkOidcIdentityRequest = z
  .strictObject({
    subject: z.string().min(1).max(255).meta({ description: "The `sub` claim, as the refused sign-in's audit event (session.sign_in_refused) records it" }),
    issuer: z.url().max(500).optional().meta({ description: "Defaults to OIDC_ISSUER; when given it must be that issuer" }),
  })
  .meta({ id: "LinkOidcIdentityRequest" });

export const ZUserIdentityParams = z.strictObject({ id: z.uuid({ message: "must be a UUID" }), identityId: z.uuid({ message: "must be a UUID" }) });
