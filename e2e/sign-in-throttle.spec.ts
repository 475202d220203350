// Sign-in throttling on the built server (docs/security.md#sign-in-abuse), on
// the Postgres project, whose counts are kept on Redis (playwright.config.ts runs
// it there only; each store's counting has its own contract suite): the 31st wrong
// password in a minute for an account is answered 429 before next-auth runs,
// a success clears the account's count, and the sign-in page says what is
// throttled and for how long. Accounts of its own (an email no user has, and
// one created here), so no other journey's demo user is ever throttled.
import crypto from "node:crypto";
import { expect, test, type APIRequestContext } from "@playwright/test";
import { signIn } from "./helpers";

async function attempt(request: APIRequestContext, email: string, password: string) {
  const { csrfToken } = (await (await request.get("/api/auth/csrf")).json()) as { csrfToken: string };
  return request.post("/api/auth/callback/credentials", { form: { csrfToken, email, password, json: "true" }, maxRedirects: 0 });
}

test("the 31st wrong password in a minute for an account is refused with 429, and the sign-in page says so", async ({ request, page }) => {
  const email = `throttle-${crypto.randomUUID()}@example.com`;
  for (let i = 0; i < 30; i++) expect((await attempt(request, email, `wrong-${i}`)).status()).toBe(401);
  const refused = await attempt(request, email, "wrong-31");
  expect(refused.status()).toBe(429);
  expect(Number(refused.headers()["retry-after"])).toBeGreaterThan(0);
  expect(((await refused.json()) as { error: unknown }).error).toMatchObject({ code: "RATE_LIMITED", details: { throttled: "account" } });

  await page.goto("/signin");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("another-guess");
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page.locator("#sign-in-error")).toContainText(/Too many sign-in attempts for this account\. Password sign-in is paused: try again in \d+ seconds\./);
});

test("a successful sign-in clears the account's failures", async ({ request, page, baseURL }) => {
  // A user of this test's own, created by the admin through the API.
  await signIn(page, "admin");
  const email = `reset-${crypto.randomUUID().slice(0, 8)}@example.com`;
  const password = `pw-${crypto.randomUUID()}`;
  const created = await page.request.post("/api/v1/users", { headers: { origin: baseURL! }, data: { email, name: "Throttle Reset", role: "VIEWER", password } });
  expect(created.status(), await created.text()).toBe(201);

  for (let i = 0; i < 29; i++) expect((await attempt(request, email, `wrong-${i}`)).status()).toBe(401);
  expect((await attempt(request, email, password)).status()).toBe(200);
  // Without the reset, the 31st attempt of the minute (the second of these) would be refused.
  for (let i = 0; i < 5; i++) expect((await attempt(request, email, `again-${i}`)).status()).toBe(401);
  expect((await attempt(request, email, password)).status()).toBe(200);
});
