// The built console's security headers (next.config.mjs, docs/operations.md#security-headers)
// on pages and API answers alike; no other site may frame it; its own pages run
// under the policy without a violation; and sign-in never sends the browser to
// another site, whatever ?callbackUrl= says.
import { expect, test } from "@playwright/test";

const httpsDeployment = [process.env.AUTH_URL, process.env.CONSOLE_URL].some((url) => /^https:\/\//i.test(url ?? ""));

test.describe("security headers", () => {
  for (const path of ["/", "/signin", "/api/health", "/api/v1/me", "/api/auth/session"]) {
    test(`are on ${path}`, async ({ request }) => {
      const response = await request.get(path, { maxRedirects: 0 });
      const headers = response.headers();
      expect(headers["content-security-policy"]).toContain("frame-ancestors 'none'");
      expect(headers["content-security-policy"]).toContain("script-src 'self' 'unsafe-inline'");
      expect(headers["content-security-policy"]).not.toContain("unsafe-eval");
      expect(headers["x-frame-options"]).toBe("DENY");
      expect(headers["x-content-type-options"]).toBe("nosniff");
      expect(headers["referrer-policy"]).toBe("same-origin");
      expect(headers["permissions-policy"]).toContain("camera=()");
      // The browser tests' servers are plain http on 127.0.0.1.
      if (!httpsDeployment) expect(headers["strict-transport-security"]).toBeUndefined();
    });
  }

  test("keep another page from framing the console", async ({ page, baseURL }) => {
    await page.setContent(`<iframe src="${baseURL}/signin" width="600" height="400" onload="window.__framed = true"></iframe>`);
    await page.waitForFunction(() => (window as unknown as { __framed?: boolean }).__framed === true);
    await expect(page.frameLocator("iframe").getByRole("heading", { name: "Sign in to Interlock" })).toHaveCount(0);
  });

  test("let the console's own pages run without a policy violation", async ({ page }) => {
    await page.addInitScript(() => {
      const seen: string[] = [];
      (window as unknown as { __cspViolations: string[] }).__cspViolations = seen;
      document.addEventListener("securitypolicyviolation", (e) => {
        // zod probes for eval (`new Function`) and falls back without it: not a breakage.
        if (e.blockedURI !== "eval") seen.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
      });
    });
    await page.goto("/signin?callbackUrl=%2F");
    await page.getByLabel("Email").fill("viewer@interlock.local");
    await page.getByLabel("Password").fill("interlock-viewer");
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await expect(page.getByTestId("signed-in-as")).toBeVisible();
    const violations: string[] = [];
    for (const path of ["/", "/operations", "/approvals", "/locks", "/graph", "/audit", "/incidents"]) {
      await page.goto(path);
      await expect(page.getByRole("heading", { level: 1 }).first()).toBeVisible();
      // The page's client code has run (the signed-in user is rendered after hydration) and every resource of the
      // document has loaded: what the policy could have blocked has been tried. (The event stream never lets the
      // network go idle, so there is no "networkidle" to wait for.)
      await expect(page.getByTestId("signed-in-as")).toBeVisible();
      await page.waitForLoadState("load");
      violations.push(...(await page.evaluate(() => (window as unknown as { __cspViolations: string[] }).__cspViolations)));
    }
    expect(violations).toEqual([]);
  });
});

test.describe("sign-in redirects", () => {
  for (const callbackUrl of ["//evil.example/phish", "https://evil.example/phish", "/\\evil.example"]) {
    test(`stay on the console for callbackUrl=${callbackUrl}`, async ({ page, baseURL }) => {
      await page.goto(`/signin?callbackUrl=${encodeURIComponent(callbackUrl)}`);
      await page.getByLabel("Email").fill("viewer@interlock.local");
      await page.getByLabel("Password").fill("interlock-viewer");
      await page.getByRole("button", { name: "Sign in", exact: true }).click();
      await expect(page.getByTestId("signed-in-as")).toBeVisible();
      expect(new URL(page.url()).origin).toBe(new URL(baseURL!).origin);
      expect(new URL(page.url()).pathname).toBe("/");
    });
  }

  test("keep a path of the console", async ({ page }) => {
    await page.goto(`/signin?callbackUrl=${encodeURIComponent("/audit")}`);
    await page.getByLabel("Email").fill("viewer@interlock.local");
    await page.getByLabel("Password").fill("interlock-viewer");
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await expect(page).toHaveURL(/\/audit$/);
  });

  test("from next-auth's own endpoint end on the console too", async ({ request, baseURL }) => {
    const { csrfToken } = (await (await request.get("/api/auth/csrf")).json()) as { csrfToken: string };
    const response = await request.post("/api/auth/callback/credentials", {
      form: { csrfToken, email: "viewer@interlock.local", password: "interlock-viewer", callbackUrl: "https://evil.example/phish", json: "true" },
      maxRedirects: 0,
    });
    const target = response.status() >= 300 && response.status() < 400 ? response.headers()["location"]! : ((await response.json()) as { url: string }).url;
    expect(new URL(target, baseURL).origin).toBe(new URL(baseURL!).origin);
  });
});
