// Pause, resume and abort from the operation page against the built server:
// an approver pauses a running canary with a reason, sees it held for review
// (and the review's causes and freshness), resumes it and sees it continue to
// COMPLETED; then aborts another running canary and sees it rolled back.
//
// The canary bakes 3 steps × 5 min of simulated time; the e2e servers run
// SIMULATION_TIME_SCALE 60 (server/env.ts default), so each step takes 5 s and
// a deployment stays IN_PROGRESS about 15 s: long enough for a person's click.
// config-service (6.0 % estimated impact) and ledger-service (4.3 %) are tier-4
// services no other browser test changes, one per test (a second change within
// the 300 s COOLDOWN would be blocked; README "The orchestrator").
import { expect, test, type APIRequestContext, type Browser, type Page } from "@playwright/test";
import { signIn } from "./helpers";

async function submit(request: APIRequestContext, baseURL: string, data: Record<string, unknown>): Promise<string> {
  const response = await request.post("/api/v1/operations", { headers: { origin: baseURL }, data });
  expect(response.status(), await response.text()).toBe(202);
  return ((await response.json()) as { operation: { id: string } }).operation.id;
}

/** The operator submits (an approver may not resume what they requested); the approver watches and controls it. */
async function submitAsOperator(browser: Browser, baseURL: string, data: Record<string, unknown>): Promise<string> {
  const context = await browser.newContext({ baseURL });
  try {
    const page = await context.newPage();
    await signIn(page, "operator");
    return await submit(page.request, baseURL, data);
  } finally {
    await context.close();
  }
}

function stateBadge(page: Page) {
  return page.getByTestId("operation-state").getByTestId("state-badge");
}

/** Opens the control's confirmation, checks the reason is required, and confirms. */
async function control(page: Page, action: "Pause" | "Resume" | "Abort", reason: string) {
  await page.getByTestId("operation-controls").getByRole("button", { name: `${action}…` }).click();
  const dialog = page.getByRole("dialog", { name: new RegExp(`^${action} `) });
  await expect(dialog).toBeVisible();
  const confirm = dialog.getByRole("button", { name: `${action} operation` });
  await expect(confirm).toBeDisabled(); // no reason yet
  await dialog.getByLabel("Reason (required)").fill(reason);
  await confirm.click();
  await expect(dialog).toHaveCount(0);
  await expect(page.getByTestId("control-result")).toContainText(`${action} requested`);
}

test.describe("operation controls", () => {
  test("an approver pauses a running canary with a reason, then resumes it and it continues to COMPLETED", async ({ page, browser, baseURL }, testInfo) => {
    test.setTimeout(240_000);
    await signIn(page, "approver");
    const id = await submitAsOperator(browser, baseURL!, { type: "DEPLOYMENT", service: "config-service", params: { version: "v5.2.0", strategy: "canary" } });
    await page.goto(`/operations/${id}`);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("DEPLOYMENT config-service");
    await expect(stateBadge(page)).toHaveAttribute("data-state", "IN_PROGRESS", { timeout: 30_000 });
    await expect(page.getByTestId("operation-controls").getByRole("button")).toHaveText(["Pause…", "Abort…"]);

    const reason = "e2e: hold the rollout while the on-call checks a dashboard";
    await control(page, "Pause", reason);
    // Held at the next safe point, live: paused for review, no pause left pending.
    await expect(stateBadge(page)).toHaveAttribute("data-state", "PAUSED_FOR_HUMAN_REVIEW", { timeout: 30_000 });
    await expect(page.getByTestId("pending-control")).toHaveCount(0);
    await expect(page.getByTestId("operation-controls").getByRole("button")).toHaveText(["Resume…", "Abort…"]);
    await page.screenshot({ path: testInfo.outputPath("paused.png"), fullPage: true });

    // The review says why it paused (the person and their reason) and when the evidence was evaluated.
    await page.getByRole("link", { name: "Open the review →" }).click();
    await expect(page.getByRole("heading", { level: 1 })).toContainText("Review: DEPLOYMENT config-service");
    await expect(page.getByTestId("review-reason")).toContainText(reason);
    await expect(page.getByTestId("evidence-evaluated-at")).toContainText("Evidence last evaluated");
    await page.getByRole("button", { name: "Re-evaluate now" }).click();
    await expect(page.getByTestId("refresh-result")).toBeVisible();
    await page.screenshot({ path: testInfo.outputPath("paused-review.png"), fullPage: true });
    await page.getByRole("link", { name: `operation ${id}` }).click();
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("DEPLOYMENT config-service");

    await control(page, "Resume", "e2e: dashboard is clean, carry on");
    await expect(stateBadge(page)).not.toHaveAttribute("data-state", "PAUSED_FOR_HUMAN_REVIEW", { timeout: 30_000 });
    await expect(stateBadge(page)).toHaveAttribute("data-state", "COMPLETED", { timeout: 120_000 });
    // A resume is not presented as a retry.
    await expect(page.getByTestId("run-count")).toContainText("×1");
    await expect(page.getByTestId("run-count")).not.toContainText("Worker retries");
    await expect(page.getByTestId("operation-controls").getByRole("button")).toHaveCount(0);
    const entries = page.getByTestId("timeline-entry");
    expect(await entries.evaluateAll((els) => els.map((e) => e.getAttribute("data-to")))).toEqual(expect.arrayContaining(["IN_PROGRESS", "PAUSED_FOR_HUMAN_REVIEW", "COMPLETED"]));
    await page.screenshot({ path: testInfo.outputPath("resumed-completed.png"), fullPage: true });
  });

  test("an approver aborts a partly rolled-out canary and sees it rolled back", async ({ page, browser, baseURL }, testInfo) => {
    test.setTimeout(180_000);
    await signIn(page, "approver");
    const id = await submitAsOperator(browser, baseURL!, { type: "DEPLOYMENT", service: "ledger-service", params: { version: "v7.0.1", strategy: "canary" } });
    await page.goto(`/operations/${id}`);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("DEPLOYMENT ledger-service");
    await expect(stateBadge(page)).toHaveAttribute("data-state", "IN_PROGRESS", { timeout: 30_000 });
    // Partly rolled out: the 10 % step has passed (the steps are what the operation page lists).
    await expect
      .poll(async () => ((await (await page.request.get(`/api/v1/operations/${id}`)).json()) as { steps: { name: string; outcome: string }[] }).steps.some((s) => s.name === "canary 10%" && s.outcome === "PASSED"), {
        timeout: 30_000,
      })
      .toBe(true);
    await expect(stateBadge(page)).toHaveAttribute("data-state", "IN_PROGRESS");

    await control(page, "Abort", "e2e: wrong version, stop it");
    await expect(stateBadge(page)).toHaveAttribute("data-state", "ROLLED_BACK", { timeout: 60_000 });
    const entries = page.getByTestId("timeline-entry");
    expect(await entries.evaluateAll((els) => els.map((e) => e.getAttribute("data-to")))).toEqual(expect.arrayContaining(["IN_PROGRESS", "FAILED", "ROLLED_BACK"]));
    await expect(page.getByTestId("operation-controls").getByRole("button")).toHaveCount(0);
    await page.screenshot({ path: testInfo.outputPath("aborted.png"), fullPage: true });
  });
});
