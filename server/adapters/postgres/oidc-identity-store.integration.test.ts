// The linked-identity store on both stores (docs/security.md#identity-oidc): one
// provider account (issuer + subject) belongs to at most one user, a link is
// removed only through its own user, and links go with their user.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppError } from "../../core/errors";
import { openTestStore, type StoreKind, type TestStore } from "../../testing/stores";
import { PostgresOidcIdentityStore } from "./oidc-identity-store";

const ISSUER = "https://sso.example.com";
const at = new Date("2026-12-07T10:00:00Z");

describe.each<StoreKind>(["postgres", "pglite"])("oidc identity store (%s)", (kind) => {
  let store: TestStore;
  let identities: PostgresOidcIdentityStore;
  beforeAll(async () => {
    store = await openTestStore(kind, "oidc_identities");
    identities = new PostgresOidcIdentityStore(store.db);
  });
  afterAll(async () => {
    await store?.close();
  });

  it("links a subject to one user only, finds it by (issuer, subject), unlinks only through its user, and drops links with their user", async () => {
    const [pat, sam] = await identities.transact(async (tx) => [
      await identities.insertUser(tx, { email: "pat@corp.example", name: "Pat", role: "VIEWER" }),
      await identities.insertUser(tx, { email: "sam@corp.example", name: "Sam", role: "ADMIN" }),
    ]);
    await expect(identities.transact((tx) => identities.insertUser(tx, { email: "pat@corp.example", name: "Again", role: "VIEWER" }))).rejects.toSatisfy((e) => e instanceof AppError && e.code === "CONFLICT");

    const link = await identities.transact((tx) => identities.insertIdentity(tx, { userId: pat!.id, issuer: ISSUER, subject: "sub-1", linkedAt: at, linkedBy: "admin@corp.example" }));
    expect(link).toMatchObject({ userId: pat!.id, issuer: ISSUER, subject: "sub-1", linkedAt: at, linkedBy: "admin@corp.example" });
    expect(await identities.findIdentity(ISSUER, "sub-1")).toEqual(link);
    expect(await identities.findIdentity(`${ISSUER}/other`, "sub-1")).toBeNull();
    await expect(identities.transact((tx) => identities.insertIdentity(tx, { userId: sam!.id, issuer: ISSUER, subject: "sub-1", linkedAt: at, linkedBy: "x" }))).rejects.toSatisfy(
      (e) => e instanceof AppError && e.code === "CONFLICT",
    );
    // The same subject at another issuer is another person.
    await identities.transact((tx) => identities.insertIdentity(tx, { userId: sam!.id, issuer: "https://other.example", subject: "sub-1", linkedAt: at, linkedBy: "x" }));

    expect(await identities.transact((tx) => identities.deleteIdentity(tx, sam!.id, link.id))).toBeNull();
    expect(await identities.transact((tx) => identities.deleteIdentity(tx, pat!.id, "not-a-uuid"))).toBeNull();
    expect(await identities.transact((tx) => identities.deleteIdentity(tx, pat!.id, link.id))).toEqual(link);
    expect(await identities.listIdentities(pat!.id)).toEqual([]);

    expect(await identities.listIdentities(sam!.id)).toHaveLength(1);
    await store.db.query("DELETE FROM users WHERE id = $1", [sam!.id]);
    expect(await identities.findIdentity("https://other.example", "sub-1")).toBeNull();
    expect(await identities.transact((tx) => identities.lockUser(tx, sam!.id))).toBeNull();
  });
});
