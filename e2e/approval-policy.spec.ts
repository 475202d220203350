// Approval policies in the console (docs/approvals.md): an admin creates a
// 2-of-2 policy in Settings, seeing live which services it would apply to; an
// operator's operation on that service pauses; the approver approves in one
// browser and the page says "1 of 2 approvals" while the operation stays
// paused; the admin, in another browser, sees who approved, approves, and the
// operation continues. The requester (operator) is neither approver.
import { expect, test, type Browser, type Page } from "@playwright/test";
import { signIn, type DemoRole } from "./helpers";

const SERVICE = "loyalty-service";

async function signedIn(browser: Browser, role: DemoRole, path: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await signIn(page, role, path);
  return page;
}

async function stateOf(page: Page, id: string): Promise<string> {
  const response = await page.request.get(`/api/v1/operations/${id}`);
  return ((await response.json()) as { operation: { state: string } }).operation.state;
}

test("a 2-of-2 approval by two people in two browsers: paused after the first, running after the second", async ({ browser, baseURL }) => {
  // Three people sign in and a policy is written through the form: more than the default minute on a loaded machine.
  test.setTimeout(120_000);
  const name = `two-people-${Date.now()}`;
  const admin = await signedIn(browser, "admin", "/settings");
  await admin.getByRole("button", { name: "New approval policy" }).click();
  const form = admin.getByRole("form", { name: "New approval policy" });
  await form.getByLabel("Name").fill(name);
  await form.getByLabel("Approvals required (distinct people)").fill("2");
  await form.getByLabel("Services (comma-separated; empty: any)").fill(SERVICE);
  const preview = form.getByTestId("approval-policy-preview");
  await expect(preview).toContainText("This policy would apply to 1 of");
  await expect(preview).toContainText(SERVICE);
  await expect(preview).toContainText("approver@interlock.local");
  await form.getByRole("button", { name: "Create policy" }).click();
  await expect(admin.getByTestId(`approval-policy-${name}`)).toContainText("2 distinct APPROVER or ADMIN");

  try {
    const operator = await signedIn(browser, "operator", "/");
    const submitted = await operator.request.post("/api/v1/operations", { headers: { origin: baseURL! }, data: { type: "DEPLOYMENT", service: SERVICE, params: { version: `e2e-${Date.now()}`, reviewRequired: "two people must agree" } } });
    expect(submitted.status()).toBe(202);
    const id = ((await submitted.json()) as { operation: { id: string } }).operation.id;
    await expect.poll(() => stateOf(operator, id), { timeout: 30_000 }).toBe("PAUSED_FOR_HUMAN_REVIEW");

    // The first approver, in a browser of their own.
    const approver = await signedIn(browser, "approver", `/approvals/${id}`);
    await expect(approver.getByTestId("quorum-summary")).toHaveText("0 of 2 approvals");
    await approver.getByRole("radio", { name: "Approve" }).check();
    await approver.getByRole("button", { name: "Approve operation" }).click();
    await expect(approver.getByTestId("decision-result")).toContainText("1 of 2 approvals");
    expect(await stateOf(approver, id)).toBe("PAUSED_FOR_HUMAN_REVIEW");
    // Back on the page later, they see that they approved rather than the button.
    await approver.reload();
    await expect(approver.getByTestId("already-approved")).toContainText("1 of 2 approvals");
    await expect(approver.getByRole("button", { name: "Approve operation" })).toHaveCount(0);

    // The second, in another browser: sees who approved, approves, and the operation goes on.
    await admin.goto(`/approvals/${id}`);
    await expect(admin.getByTestId("quorum-summary")).toHaveText("1 of 2 approvals");
    await expect(admin.getByTestId("quorum-approvers")).toContainText("approver@interlock.local");
    await admin.getByRole("radio", { name: "Approve" }).check();
    await admin.getByRole("button", { name: "Approve operation" }).click();
    await expect(admin.getByTestId("decision-result")).toContainText("Approved by admin@interlock.local");
    await expect.poll(() => stateOf(admin, id), { timeout: 30_000 }).toMatch(/^(LOCKED|SAFETY_CHECK|IN_PROGRESS|COMPLETED)$/);
    await operator.context().close();
    await approver.context().close();
  } finally {
    // The policy would hold other journeys' operations on this service for two people: remove it.
    const list = (await (await admin.request.get("/api/v1/approval-policies")).json()) as { items: { id: string; name: string }[] };
    for (const p of list.items.filter((p) => p.name === name)) await admin.request.delete(`/api/v1/approval-policies/${p.id}`, { headers: { origin: baseURL! } });
    await admin.context().close();
  }
});
