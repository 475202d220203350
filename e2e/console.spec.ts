import { expect, test } from "@playwright/test";
import { NAV_ITEMS } from "../lib/navigation";
import { signIn } from "./helpers";

test.describe("the console on a fresh store", () => {
  test("is alive and ready", async ({ request }) => {
    const health = await request.get("/api/health");
    expect(health.status()).toBe(200);
    expect(await health.json()).toEqual({ status: "ok" });
    expect(health.headers()["x-request-id"]).toBeTruthy();

    const ready = await request.get("/api/ready");
    expect(ready.status()).toBe(200);
    expect(await ready.json()).toMatchObject({ status: "ready", failed: [], checks: [{ name: "store", ok: true }] });
  });

  test("answers an unknown API path with the structured error body", async ({ request }) => {
    const response = await request.get("/api/v1/nothing-here");
    expect(response.status()).toBe(404);
    expect(await response.json()).toEqual({
      error: { code: "NOT_FOUND", message: "No API route GET /api/v1/nothing-here", details: { path: "/api/v1/nothing-here" } },
    });
  });

  test("sends a visitor who is not signed in to the sign-in page, and refuses a wrong password", async ({ page }) => {
    await page.goto("/");
    await expect(page).toHaveURL(/\/signin/);
    await page.getByLabel("Email").fill("admin@interlock.local");
    await page.getByLabel("Password").fill("wrong-password");
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await expect(page.getByRole("alert").filter({ hasText: "do not match" })).toHaveText("That email and password do not match an active user.");
  });

  test("lists the services read from the store, with tier and dependencies", async ({ page }) => {
    await signIn(page, "viewer");
    await expect(page.getByRole("heading", { name: "Overview", level: 1 })).toBeVisible();

    const payment = page.getByRole("row").filter({ has: page.getByRole("rowheader", { name: /payment-service/ }) });
    await expect(payment).toBeVisible();
    await expect(payment.getByRole("cell").nth(0)).toHaveText("2"); // tier
    await expect(payment.getByRole("cell").nth(1)).toHaveText("CRITICAL");
    await expect(payment.getByRole("cell").nth(3)).toHaveText("invoice-service"); // depends on
    await expect(payment.getByRole("cell").nth(4)).toContainText("user-service"); // depended on by
    await expect(payment.getByRole("cell").nth(5)).toHaveText("postgres_primary");

    await expect(page.getByTestId("service-row")).toHaveCount(42);
  });

  test("links only the pages that are built", async ({ page }) => {
    await signIn(page, "viewer");
    const nav = page.getByRole("navigation", { name: "Main" });
    await expect(nav.getByRole("link", { name: "Overview" })).toHaveAttribute("aria-current", "page");
    await expect(nav.getByRole("link")).toHaveCount(NAV_ITEMS.filter((i) => i.built).length);
    await expect(nav.getByText("Approvals")).toHaveAttribute("aria-disabled", "true");
  });
});
