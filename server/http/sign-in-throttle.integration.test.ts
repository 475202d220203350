// The throttle in front of next-auth's credentials sign-in, through the real
// route module (app/api/auth/[...nextauth]/route.ts) and the real container
// (docs/security.md#sign-in-abuse). next-auth itself needs Next's request scope
// (next/headers), which this in-process harness does not have: the wrong
// passwords before the 429, and a success clearing the count, are driven
// through a built server in e2e/sign-in-throttle.spec.ts. Here: the answer the
// route gives once an account or an address is over its limit, before
// next-auth or any password hashing runs.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApiHarness, type ApiHarness } from "../testing/api";

let api: ApiHarness;

beforeAll(async () => {
  api = await startApiHarness("sign_in_throttle", { TRUST_PROXY_HOPS: "1", SIGN_IN_ADDRESS_LIMIT: "40" });
});
afterAll(async () => {
  await api?.close();
});

/** A sign-in POST to next-auth's route module, as Next routes /api/auth/callback/credentials to it. */
function signIn(email: string, forwardedFor: string): Promise<Response> {
  const route = api.routes.find((r) => r.template === "/api/auth/{...nextauth}");
  if (!route?.methods.POST) throw new Error("no POST in app/api/auth/[...nextauth]/route.ts");
  const request = new Request("http://interlock.test/api/auth/callback/credentials", {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", "x-forwarded-for": forwardedFor },
    body: new URLSearchParams({ email, password: "wrong", csrfToken: "x", json: "true" }),
  });
  return route.methods.POST(request, { params: Promise.resolve({ nextauth: ["callback", "credentials"] }) });
}

describe("POST /api/auth/callback/credentials under throttling", () => {
  it("answers 429 with RATE_LIMITED, what is throttled, Retry-After and next-auth's url once an account has failed 30 times in a minute", async () => {
    const attempts = api.container.identity.signInAttempts;
    for (let i = 0; i < 30; i++) expect((await attempts.admit({ email: "operator@interlock.local", address: `203.0.113.${i}` })).allowed).toBe(true);
    const refused = await signIn("Operator@Interlock.local", "203.0.113.200");
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toBe("60");
    const body = (await refused.json()) as { error: { code: string; message: string; details: Record<string, unknown> }; url: string };
    expect(body.error).toMatchObject({ code: "RATE_LIMITED", details: { throttled: "account", retryAfterSeconds: 60 } });
    expect(body.error.message).toMatch(/failed sign-ins for this account/);
    expect(new URL(body.url).searchParams.get("error")).toBe("RATE_LIMITED");

    await api.container.audit.log.settle();
    const events = (await api.container.audit.store.query({ action: "session.sign_in_throttled", limit: 10 })).events;
    expect(events.map((e) => [e.category, e.severity, e.actor, e.payload.throttled, e.payload.email, e.payload.strike])).toEqual([["ACCESS", "WARNING", "system", "account", "operator@interlock.local", 1]]);
  });

  it("counts a client address behind a trusted proxy, whatever the accounts, and not the addresses the client wrote itself", async () => {
    const attempts = api.container.identity.signInAttempts;
    for (let i = 0; i < 40; i++) expect((await attempts.admit({ email: `user-${i}@example.com`, address: "198.51.100.7" })).allowed).toBe(true);
    const refused = await signIn("someone@example.com", "10.9.9.9, 198.51.100.7");
    expect(refused.status).toBe(429);
    expect(((await refused.json()) as { error: { details: unknown } }).error.details).toEqual({ throttled: "address", retryAfterSeconds: 60 });
    // Another address (the last hop is what the trusted proxy saw) is not throttled: the route hands it to next-auth
    // (which, outside Next's request scope, fails in its own way: anything but the throttle's 429).
    expect((await signIn("someone@example.com", "198.51.100.7, 198.51.100.8").catch(() => null))?.status).not.toBe(429);
  });
});
