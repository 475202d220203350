import fs from "node:fs";
import path from "node:path";
import { expect, test, type APIRequestContext, type Page, type TestInfo } from "@playwright/test";
import { signIn } from "./helpers";

// How these tests make a deployment pause for review, reliably: the simulated
// signal source starts healthy and the browser cannot set signals, so the
// pause comes from the BLAST_RADIUS gate, which needs no signal. The gate reads
// the *estimated impact* — the weighted blast radius (direct 1.0, shared
// resource 0.8, downstream 0.5, upstream 0.3) over all services — and pauses
// above 20 % (docs/specification.md#blast-radius; gate defaults:
// docs/gates.md#the-gates). On the demo
// topology api-gateway scores 14.6 of 42 services = 34.8 % and
// customer-support-service 8.5 of 42 = 20.2 %; each test asserts this through
// GET /api/v1/graph/blast-radius before relying on it.
// Every test targets its own service, and none of them is one edge from
// another (no DIRECT block, no DEPENDENCY pause, no TIMING delay, no cooldown
// between the tests): api-gateway, customer-support-service, and the
// unconnected metrics-gateway (2.4 %), which runs straight to COMPLETED.

async function shot(page: Page, testInfo: TestInfo, name: string) {
  const file = testInfo.outputPath(`${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  fs.mkdirSync("/tmp/shots-a", { recursive: true });
  fs.copyFileSync(file, path.join("/tmp/shots-a", `${name}.png`));
}

async function submit(request: APIRequestContext, baseURL: string, data: Record<string, unknown>): Promise<string> {
  const response = await request.post("/api/v1/operations", { headers: { origin: baseURL }, data });
  expect(response.status(), await response.text()).toBe(202);
  return ((await response.json()) as { operation: { id: string } }).operation.id;
}

async function waitForState(request: APIRequestContext, id: string, state: string, timeout = 60_000) {
  await expect
    .poll(async () => ((await (await request.get(`/api/v1/operations/${id}`)).json()) as { operation: { state: string } }).operation.state, { timeout, intervals: [250, 500, 1000] })
    .toBe(state);
}

async function expectEstimatedImpactOver20(request: APIRequestContext, service: string) {
  const b = (await (await request.get(`/api/v1/graph/blast-radius?service=${service}`)).json()) as { score: number; totalServices: number };
  expect((b.score / b.totalServices) * 100).toBeGreaterThan(20);
}

test.describe("operations and approvals", () => {
  test("an approver approves a paused deployment from the queue and sees it proceed to COMPLETED without a reload", async ({ page, baseURL }, testInfo) => {
    test.setTimeout(240_000);
    await signIn(page, "operator");
    await expectEstimatedImpactOver20(page.request, "api-gateway");
    const id = await submit(page.request, baseURL!, { type: "DEPLOYMENT", service: "api-gateway", params: { version: "v2.4.0", strategy: "canary" } });
    await waitForState(page.request, id, "PAUSED_FOR_HUMAN_REVIEW");

    await page.context().clearCookies();
    await signIn(page, "approver", "/approvals");
    await expect(page.getByRole("heading", { name: "Approvals", level: 1 })).toBeVisible();
    const row = page.locator(`[data-testid="review-row"][data-operation-id="${id}"]`);
    await expect(row).toBeVisible();
    await expect(row).toContainText("api-gateway");
    await expect(row).toContainText("HIGH");
    await expect(row).toContainText("BLAST_RADIUS");
    await expect(row).toContainText("to version v2.4.0");
    // The countdown to the next escalation ticks every second.
    const countdown = row.getByTestId("escalation-countdown");
    await expect(countdown).toContainText(/level 1 in \d+m \d\ds/);
    const before = await countdown.textContent();
    await expect(countdown).not.toHaveText(before!, { timeout: 5_000 });
    await shot(page, testInfo, "approvals-queue");

    await row.getByRole("link", { name: /DEPLOYMENT api-gateway/ }).click();
    await expect(page).toHaveURL(new RegExp(`/approvals/${id}$`));
    await expect(page.getByRole("heading", { level: 1 })).toContainText("Review: DEPLOYMENT api-gateway");
    await expect(page.getByRole("heading", { level: 1 })).toContainText("to version v2.4.0");
    await expect(page.getByTestId("review-reason")).toContainText("Blast radius too large");
    await expect(page.locator('[data-testid="gate-row"][data-gate="BLAST_RADIUS"]')).toContainText("34.8% vs 20%");
    await expect(page.getByRole("region", { name: "Blast radius" })).toContainText("Estimated impact");
    await expect(page.getByRole("region", { name: "Blast radius" }).getByText("api-gateway", { exact: true })).toBeVisible();
    await expect(page.getByTestId("params-json")).toContainText('"strategy": "canary"');
    await expect(page.getByTestId("evidence-hash")).toHaveText(/^[0-9a-f]{64}$/);
    await expect(page.getByTestId("operation-state").getByTestId("state-badge")).toHaveAttribute("data-state", "PAUSED_FOR_HUMAN_REVIEW");
    await shot(page, testInfo, "review-page");

    // Marks this document: if anything reloaded the page, the mark would be gone.
    await page.evaluate(() => ((window as unknown as { __sameDocument: boolean }).__sameDocument = true));
    const submitButton = page.getByRole("button", { name: "Choose approve or reject" });
    await expect(submitButton).toBeDisabled();
    await page.getByRole("radio", { name: "Approve" }).check();
    await page.getByLabel("Notes").fill("Gateway change reviewed with the platform team; canary watched.");
    await page.getByRole("button", { name: "Approve operation" }).click();

    const result = page.getByTestId("decision-result");
    await expect(result).toContainText("Approved by approver@interlock.local");
    await expect(page.getByTestId("approval-id")).not.toHaveText("—");
    // Live: the state moves past PAUSED to COMPLETED on its own.
    await expect(page.getByTestId("operation-state").getByTestId("state-badge")).not.toHaveAttribute("data-state", "PAUSED_FOR_HUMAN_REVIEW", { timeout: 30_000 });
    await expect(page.getByTestId("operation-state").getByTestId("state-badge")).toHaveAttribute("data-state", "COMPLETED", { timeout: 180_000 });
    await expect(result.getByTestId("state-badge")).toHaveAttribute("data-state", "COMPLETED");
    expect(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);

    const detail = (await (await page.request.get(`/api/v1/operations/${id}`)).json()) as { review: { status: string; notes: string; decidedBy: string } };
    expect(detail.review).toMatchObject({ status: "APPROVED", decidedBy: "approver@interlock.local", notes: "Gateway change reviewed with the platform team; canary watched." });
  });

  test("the requester cannot approve their own operation: the page disables it and the server refuses with 403", async ({ page, baseURL }) => {
    test.setTimeout(120_000);
    await signIn(page, "approver");
    await expectEstimatedImpactOver20(page.request, "customer-support-service");
    const id = await submit(page.request, baseURL!, { type: "DEPLOYMENT", service: "customer-support-service", params: { version: "v1.8.0" } });
    await waitForState(page.request, id, "PAUSED_FOR_HUMAN_REVIEW");

    // The notification's Approve link preselects, but never submits, and here cannot be used.
    await page.goto(`/approvals/${id}?decision=approve`);
    await expect(page.getByRole("heading", { level: 1 })).toContainText("Review: DEPLOYMENT customer-support-service");
    await expect(page.getByTestId("own-operation-note")).toHaveText(/You requested this operation, so you cannot approve or reject it: another approver must decide/);
    await expect(page.getByRole("radio", { name: "Approve" })).toBeChecked();
    await expect(page.getByRole("radio", { name: "Approve" })).toBeDisabled();
    await expect(page.getByRole("radio", { name: "Reject" })).toBeDisabled();
    await expect(page.getByRole("button", { name: "Approve operation" })).toBeDisabled();
    await expect(page.getByLabel("Notes")).toBeDisabled();

    // The page's own client (session cookie, same origin) is refused by the server anyway.
    const refused = await page.evaluate(async (opId) => {
      const response = await fetch(`/api/v1/operations/${opId}/approve`, { method: "POST", headers: { "content-type": "application/json", accept: "application/json" }, body: JSON.stringify({ notes: "mine" }), credentials: "same-origin" });
      return { status: response.status, body: (await response.json()) as { error: { code: string; message: string } } };
    }, id);
    expect(refused.status).toBe(403);
    expect(refused.body.error).toMatchObject({ code: "FORBIDDEN", message: `approver@interlock.local requested operation ${id} and cannot approve it; another approver must decide` });
    const rejected = await page.request.post(`/api/v1/operations/${id}/reject`, { headers: { origin: baseURL! }, data: {} });
    expect(rejected.status()).toBe(403);
    await expect(page.getByTestId("operation-state").getByTestId("state-badge")).toHaveAttribute("data-state", "PAUSED_FOR_HUMAN_REVIEW");

    // They may cancel it, though, from the operation page; the server's answer is shown.
    await page.getByRole("link", { name: `operation ${id}` }).click();
    await expect(page.getByRole("heading", { level: 1 })).toContainText("DEPLOYMENT customer-support-service");
    await page.getByLabel("Cancellation reason (optional)").fill("Not needed after all");
    await page.getByRole("button", { name: "Cancel operation" }).click();
    await expect(page.getByRole("status").filter({ hasText: "Cancelled" })).toContainText("the operation is now cancelled");
    await expect(page.getByTestId("operation-state").getByTestId("state-badge")).toHaveAttribute("data-state", "CANCELLED");
  });

  test("the operations list filters by state and links to the detail with timeline, gates, locks and audit events", async ({ page, baseURL }, testInfo) => {
    test.setTimeout(180_000);
    await signIn(page, "operator");
    const id = await submit(page.request, baseURL!, { type: "DEPLOYMENT", service: "metrics-gateway", params: { version: "v0.9.1" } });
    await waitForState(page.request, id, "COMPLETED", 150_000);

    await page.goto("/operations");
    await expect(page.getByRole("heading", { name: "Operations", level: 1 })).toBeVisible();
    const ourRow = page.locator(`[data-testid="operation-row"][data-operation-id="${id}"]`);
    await expect(ourRow).toBeVisible();

    // Paused only: our completed deployment is not among them.
    await page.getByRole("checkbox", { name: "Paused for review" }).check();
    await page.getByRole("button", { name: "Apply filters" }).click();
    await expect(page).toHaveURL(/state=PAUSED_FOR_HUMAN_REVIEW/);
    await expect(ourRow).toHaveCount(0);
    for (const badge of await page.getByTestId("operation-row").getByTestId("state-badge").all()) await expect(badge).toHaveAttribute("data-state", "PAUSED_FOR_HUMAN_REVIEW");

    // Completed (and paused): it is back, and every row is in one of the two states.
    await page.getByRole("checkbox", { name: "Completed" }).check();
    await page.getByLabel("Service").fill("metrics-gateway");
    await page.getByRole("button", { name: "Apply filters" }).click();
    await expect(page).toHaveURL(/state=PAUSED_FOR_HUMAN_REVIEW%2CCOMPLETED|state=PAUSED_FOR_HUMAN_REVIEW,COMPLETED/);
    await expect(ourRow).toBeVisible();
    await expect(page.getByTestId("operation-row")).toHaveCount(1);
    await expect(ourRow.getByTestId("state-badge")).toHaveAttribute("data-state", "COMPLETED");
    await expect(ourRow).toContainText("operator@interlock.local");
    await shot(page, testInfo, "operations-list");

    await ourRow.getByRole("link").click();
    await expect(page).toHaveURL(new RegExp(`/operations/${id}$`));
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("DEPLOYMENT metrics-gateway");
    await expect(page.getByTestId("operation-state").getByTestId("state-badge")).toHaveAttribute("data-state", "COMPLETED");
    await expect(page.getByTestId("operation-header")).toContainText("SUCCESS");

    const timeline = page.getByTestId("timeline-entry");
    expect(await timeline.evaluateAll((els) => els.map((e) => e.getAttribute("data-to")))).toEqual(expect.arrayContaining(["LOCKED", "SAFETY_CHECK", "IN_PROGRESS", "COMPLETED"]));
    await expect(timeline.last()).toContainText("Completed");

    const gates = page.getByTestId("gate-row");
    // The six threshold gates and FREEZE (no freeze window or halt holds it: docs/freezes.md#the-freeze-gate).
    await expect(gates).toHaveCount(7);
    await expect(page.locator('[data-testid="gate-row"][data-gate="FREEZE"]')).toContainText("No freeze window or halt holds this operation");
    await expect(page.locator('[data-testid="gate-row"][data-passed="false"]')).toHaveCount(0);
    await expect(page.locator('[data-testid="gate-row"][data-gate="BLAST_RADIUS"]')).toContainText("2.4% vs 20%");

    const locks = page.getByTestId("lock-row");
    await expect(locks.first()).toContainText("metrics-gateway");
    await expect(locks.first().getByTestId("fencing-token")).toHaveText(/^\d+$/);
    await expect(locks.first()).toContainText("SERVICE");
    await expect(locks.first()).toContainText("RELEASED");

    const audit = page.getByTestId("audit-row");
    expect(await audit.count()).toBeGreaterThan(3);
    await expect(page.getByRole("region", { name: "Audit events" })).toContainText("STATE_TRANSITION");
    await expect(audit.first().getByRole("cell").last()).toHaveText(/^[0-9a-f]{12}…$/);
    await expect(page.getByRole("button", { name: "Cancel operation" })).toHaveCount(0); // finished: nothing to cancel
    await shot(page, testInfo, "operation-detail");
  });
});
