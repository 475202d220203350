import { expect, type Page } from "@playwright/test";

export type DemoRole = "viewer" | "operator" | "approver" | "admin";

/** Signs in through the console's own sign-in page as one of the seeded demo users (README). */
export async function signIn(page: Page, role: DemoRole, path = "/"): Promise<void> {
  await page.goto(`/signin?callbackUrl=${encodeURIComponent(path)}`);
  await page.getByLabel("Email").fill(`${role}@interlock.local`);
  await page.getByLabel("Password").fill(`interlock-${role}`);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page.getByTestId("signed-in-as")).toBeVisible();
}
