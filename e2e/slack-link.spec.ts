// Linking a Slack account in the console's Profile (docs/slack.md#linking):
// the member id is checked as typed, saved through PATCH /api/v1/me, shown
// after a reload, and can be unlinked.
import { expect, test } from "@playwright/test";
import { signIn } from "./helpers";

test("a signed-in person links and unlinks their Slack member id under Profile", async ({ page }) => {
  const memberId = `U0E2E${Date.now().toString(36).toUpperCase()}`;
  await signIn(page, "viewer");
  await page.getByRole("link", { name: "Profile" }).click();
  await expect(page.getByRole("heading", { name: "Profile", level: 1 })).toBeVisible();

  const form = page.getByRole("form", { name: "Slack account" });
  await expect(form.getByTestId("slack-link-status")).toHaveText("No Slack account is linked.");
  const input = form.getByLabel("Slack member ID");
  await input.fill("not-a-member-id");
  await expect(form.getByRole("button", { name: "Link", exact: true })).toBeDisabled();
  await expect(form).toContainText("A member ID starts with U or W");

  await input.fill(memberId);
  await form.getByRole("button", { name: "Link", exact: true }).click();
  await expect(form.getByRole("status")).toHaveText(`Linked to Slack member ${memberId}.`);

  await page.reload();
  await expect(page.getByRole("form", { name: "Slack account" }).getByTestId("slack-link-status")).toHaveText(`Linked to Slack member ${memberId}.`);

  await page.getByRole("form", { name: "Slack account" }).getByLabel("Slack member ID").fill("");
  await page.getByRole("form", { name: "Slack account" }).getByRole("button", { name: "Unlink", exact: true }).click();
  await expect(page.getByRole("form", { name: "Slack account" }).getByTestId("slack-link-status")).toHaveText("No Slack account is linked.");
});
