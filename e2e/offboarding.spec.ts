// Offboarding in the console (docs/security.md#offboarding-users-sessions-and-tokens):
// an admin changes a user's role, disables and enables them from Settings →
// Users, each with a reason, and the user's open session in another browser
// is signed out on its next page or request.
import { expect, test, type Browser, type Page } from "@playwright/test";
import { signIn } from "./helpers";

const PASSWORD = "offboarding e2e password";

async function signInAs(browser: Browser, email: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await page.goto("/signin");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page.getByTestId("signed-in-as")).toBeVisible();
  return page;
}

async function confirmChange(admin: Page, title: string, confirm: string, reason: string) {
  const dialog = admin.getByRole("dialog", { name: title });
  await expect(dialog).toBeVisible();
  await expect(dialog.getByRole("button", { name: confirm })).toBeDisabled();
  await dialog.getByLabel("Reason (kept in the audit trail)").fill(reason);
  await dialog.getByRole("button", { name: confirm }).click();
  await expect(dialog).toHaveCount(0);
}

test("an admin re-roles, disables and enables a user; the user's open session is signed out each time", async ({ page: admin, browser }) => {
  const email = `leaver-${Date.now()}@example.com`;
  await signIn(admin, "admin", "/settings");
  const form = admin.getByRole("form", { name: "Create a user" });
  await form.getByLabel("Email").fill(email);
  await form.getByLabel("Name").fill("Lee Leaver");
  await form.getByLabel("Role").selectOption("OPERATOR");
  await form.getByLabel("Password (12+ characters; empty for SSO only)").fill(PASSWORD);
  await form.getByRole("button", { name: "Create user" }).click();
  await expect(form.getByRole("status")).toContainText(`Created ${email}`);
  const row = admin.getByTestId(`user-${email}`);
  await expect(row).toContainText("active");
  // Nobody disables their own account.
  await expect(admin.getByRole("button", { name: "Disable admin@interlock.local" })).toBeDisabled();

  // A role change signs the user's session out; a new sign-in has the new role.
  let leaver = await signInAs(browser, email);
  await admin.getByLabel(`Role of ${email}`).selectOption("VIEWER");
  await confirmChange(admin, `Make ${email} viewer?`, "Change role", "moved to support");
  await expect(admin.getByLabel(`Role of ${email}`)).toHaveValue("VIEWER");
  await leaver.reload();
  await expect(leaver).toHaveURL(/\/signin/);
  await leaver.context().close();
  leaver = await signInAs(browser, email);
  expect(await (await leaver.request.get("/api/v1/me")).json()).toMatchObject({ role: "VIEWER" });

  // Disabling: the next request is refused and the console sends them to sign in, where they cannot.
  await row.getByRole("button", { name: `Disable ${email}` }).click();
  await confirmChange(admin, `Disable ${email}?`, "Disable user", "left the company");
  await expect(row).toContainText("disabled");
  const refused = await leaver.request.get("/api/v1/me");
  expect(refused.status()).toBe(401);
  expect(((await refused.json()) as { error: { message: string } }).error.message).toMatch(/disabled/);
  await leaver.reload();
  await expect(leaver).toHaveURL(/\/signin/);

  // Enabling lets them sign in again.
  await row.getByRole("button", { name: `Enable ${email}` }).click();
  await confirmChange(admin, `Enable ${email}?`, "Enable user", "rehired");
  await expect(row).toContainText("active");
  await leaver.context().close();
  await (await signInAs(browser, email)).context().close();
});
