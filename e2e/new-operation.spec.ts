// The New operation page against the built server: an operator fills the form
// for a deployment and sees the plan (POST /api/v1/operations/plan, a dry run)
// follow the fields live, sees a refused field named next to it, submits, and
// lands on the operation's page as it runs. A viewer is told why they cannot.
//
// geo-service is a tier-4 service that only shipping-service depends on: its
// estimated impact (the BLAST_RADIUS gate's figure; README "The orchestrator") is 3.1 % of
// the 42 demo services, under the 20 % threshold, and no other browser test
// changes it or a neighbour, so its plan is RUN and its canary completes.
import { expect, test } from "@playwright/test";
import { signIn } from "./helpers";

const SERVICE = "geo-service";

test.describe("new operation", () => {
  test("an operator sees the live plan of a deployment, submits it and follows it to COMPLETED", async ({ page }, testInfo) => {
    test.setTimeout(240_000);
    await signIn(page, "operator", "/operations");
    await expect(page.getByRole("heading", { name: "Operations", level: 1 })).toBeVisible();
    await page.getByRole("main").getByRole("link", { name: "New operation" }).click();
    await expect(page).toHaveURL(/\/operations\/new$/);
    await expect(page.getByRole("heading", { name: "New operation", level: 1 })).toBeVisible();
    await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "New operation" })).toHaveAttribute("aria-current", "page");
    await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Operations", exact: true })).not.toHaveAttribute("aria-current", "page");

    // An operator is not offered CRITICAL, and is told why.
    await expect(page.getByLabel("Priority").locator("option")).toHaveText(["Default for the type", "HIGH", "NORMAL", "LOW"]);
    await expect(page.getByLabel("Priority")).toHaveAccessibleDescription(/CRITICAL needs the approver role/);

    await expect(page.getByLabel("Type", { exact: true })).toHaveValue("DEPLOYMENT");
    await page.getByLabel("Service", { exact: true }).fill(SERVICE);
    await page.getByLabel("Version", { exact: true }).fill("v3.1.0");
    await expect(page.getByRole("radio", { name: /Canary/ })).toBeChecked();

    // The plan: it would run now, every gate passes, the blast radius is the gate's figure.
    const verdict = page.getByTestId("plan-verdict");
    await expect(verdict).toHaveAttribute("data-verdict", "RUN");
    await expect(verdict).toContainText("Would run now");
    await expect(page.getByTestId("plan-summary")).not.toBeEmpty();
    const plan = page.getByTestId("plan");
    const blast = plan.locator('[data-testid="gate-row"][data-gate="BLAST_RADIUS"]');
    await expect(blast).toContainText("3.1% vs 20%");
    await expect(blast).toHaveAttribute("data-passed", "true");
    await expect(plan.locator('[data-testid="gate-row"][data-passed="false"]')).toHaveCount(0);
    expect(await plan.getByTestId("gate-row").count()).toBeGreaterThan(1);
    await expect(plan.locator('[data-testid="gate-row"][data-source=""]')).toHaveCount(0); // each figure says where it came from
    await expect(plan.getByTestId("plan-lock").filter({ hasText: SERVICE })).toContainText("free");
    await expect(page.getByRole("region", { name: "Blast radius" })).toContainText("Estimated impact");
    await page.screenshot({ path: testInfo.outputPath("new-operation-run.png"), fullPage: true });

    // Asking for a review changes the plan: it would pause for a person, and says why.
    await page.getByRole("checkbox", { name: /Request a review/ }).check();
    await expect(verdict).toHaveAttribute("data-verdict", "PAUSE_FOR_REVIEW");
    await expect(verdict).toContainText("Would pause for review");
    await expect(page.getByTestId("plan-pause-causes")).toContainText(/review/i);
    await page.screenshot({ path: testInfo.outputPath("new-operation-review.png"), fullPage: true });
    await page.getByRole("checkbox", { name: /Request a review/ }).uncheck();
    await expect(verdict).toHaveAttribute("data-verdict", "RUN");

    // A field the server refuses is named next to that field.
    const correlation = page.getByLabel("Correlation id (optional)");
    await correlation.fill(`corr-${"x".repeat(200)}`);
    await expect(page.getByTestId("field-error")).toContainText("200");
    await expect(correlation).toHaveAccessibleDescription(/200/);
    await correlation.fill("");
    await expect(page.getByTestId("field-error")).toHaveCount(0);
    await expect(verdict).toHaveAttribute("data-verdict", "RUN");

    await page.getByRole("button", { name: "Submit operation" }).click();
    await expect(page).toHaveURL(/\/operations\/[0-9a-f-]{36}$/);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText(`DEPLOYMENT ${SERVICE}`);
    await expect(page.getByTestId("operation-header")).toContainText("operator@interlock.local");
    await expect(page.getByTestId("operation-header")).toContainText('"version":"v3.1.0"');
    // It runs on its own, the page following it live.
    const state = page.getByTestId("operation-state").getByTestId("state-badge");
    await expect(state).toHaveAttribute("data-state", "COMPLETED", { timeout: 180_000 });
    const timeline = page.getByTestId("timeline-entry");
    expect(await timeline.evaluateAll((els) => els.map((e) => e.getAttribute("data-to")))).toEqual(expect.arrayContaining(["LOCKED", "SAFETY_CHECK", "IN_PROGRESS", "COMPLETED"]));
    await expect(page.getByTestId("run-count")).toHaveText("First run");
    await page.screenshot({ path: testInfo.outputPath("new-operation-completed.png"), fullPage: true });
  });

  test("a viewer is told that submitting needs the operator role", async ({ page }) => {
    await signIn(page, "viewer", "/operations");
    await expect(page.getByTestId("new-operation-note")).toContainText("needs the operator role");
    await expect(page.getByRole("main").getByRole("link", { name: "New operation" })).toHaveCount(0);
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "New operation" }).click();
    await expect(page.getByRole("heading", { name: "New operation", level: 1 })).toBeVisible();
    await expect(page.getByTestId("cannot-submit")).toContainText("You are signed in as viewer");
    await expect(page.getByRole("form", { name: "New operation" })).toHaveCount(0);
  });
});
