// The API through the built server: sign-in with next-auth's credentials flow
// (its CSRF token, its cookie), the session used on /api/v1, cross-site writes
// refused, the OpenAPI document served.
import { expect, test, type APIRequestContext } from "@playwright/test";

async function signIn(request: APIRequestContext, email: string, password: string) {
  const { csrfToken } = (await (await request.get("/api/auth/csrf")).json()) as { csrfToken: string };
  return request.post("/api/auth/callback/credentials", { form: { csrfToken, email, password, json: "true" }, maxRedirects: 0 });
}

test.describe("the API", () => {
  test("signs an approver in with email and password and knows who they are", async ({ request, baseURL }) => {
    await signIn(request, "approver@interlock.local", "interlock-approver");
    const me = await request.get("/api/v1/me");
    expect(me.status()).toBe(200);
    expect(await me.json()).toEqual({ kind: "user", actor: "approver@interlock.local", name: "Ada Approver", role: "APPROVER", email: "approver@interlock.local", slackUserId: null });

    const session = (await (await request.get("/api/auth/session")).json()) as { user?: { role?: string } };
    expect(session.user?.role).toBe("APPROVER");

    // A write from the console's own origin passes; the same write from another site is refused.
    const verified = await request.post("/api/v1/audit/verify", { headers: { origin: baseURL! } });
    expect(verified.status()).toBe(200);
    expect(await verified.json()).toMatchObject({ valid: true });
    const crossSite = await request.post("/api/v1/audit/verify", { headers: { origin: "https://evil.example" } });
    expect(crossSite.status()).toBe(403);
    expect(((await crossSite.json()) as { error: { code: string } }).error.code).toBe("FORBIDDEN");

    // Approvers cannot manage tokens.
    const tokens = await request.get("/api/v1/tokens");
    expect(tokens.status()).toBe(403);
  });

  test("refuses a wrong password without a session", async ({ request }) => {
    await signIn(request, "admin@interlock.local", "not-the-password");
    const me = await request.get("/api/v1/me");
    expect(me.status()).toBe(401);
    expect(((await me.json()) as { error: { code: string } }).error.code).toBe("UNAUTHENTICATED");
  });

  test("serves its OpenAPI 3.1 document without signing in", async ({ request }) => {
    const response = await request.get("/api/v1/openapi.json");
    expect(response.status()).toBe(200);
    const doc = (await response.json()) as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(["/api/v1/operations", "/api/v1/locks", "/api/v1/audit/verify"]));
  });
});
