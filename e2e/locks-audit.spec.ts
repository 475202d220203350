// The Active locks and Audit trail pages against the built server: an admin
// force-releases the SERVICE lock a running canary holds (a viewer sees no such
// button); the audit page verifies the chain, and after the test tampers with a
// row in the database, shows where it broke; filters narrow the list and an
// expanded event shows its hashes.
import fs from "node:fs";
import { expect, test, type Page, type TestInfo } from "@playwright/test";
import pg from "pg";
import { signIn } from "./helpers";

const adminUrl = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
const e2eDatabaseUrl = (() => {
  const url = new URL(adminUrl);
  url.pathname = `/interlock_e2e${process.env.E2E_DB_SUFFIX ?? ""}`;
  return url.toString();
})();

async function shot(page: Page, testInfo: TestInfo, name: string) {
  const file = testInfo.outputPath(`${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  fs.mkdirSync("/tmp/shots-b", { recursive: true });
  fs.copyFileSync(file, `/tmp/shots-b/${name}.png`);
}

test.describe("active locks", () => {
  test("an admin force-releases the lock a running deployment holds; a viewer sees no force-release button", async ({ page, browser, baseURL }, testInfo) => {
    test.setTimeout(120_000);
    // A tier-4, LOW-criticality service that only media-service depends on: its deployment passes
    // the conflict check and the gates, then bakes its canary 3 × 5 min / SIMULATION_TIME_SCALE (60) = 15 s under the SERVICE lock.
    const service = "image-resizer-service";
    const operator = await browser.newContext({ baseURL });
    const viewer = await browser.newContext({ baseURL });
    try {
      const operatorPage = await operator.newPage();
      const viewerPage = await viewer.newPage();
      await signIn(operatorPage, "operator");
      await signIn(viewerPage, "viewer", "/locks");
      await signIn(page, "admin", "/locks");
      await expect(page.getByRole("heading", { name: "Active locks", level: 1 })).toBeVisible();

      const submitted = await operatorPage.request.post("/api/v1/operations", { headers: { origin: baseURL! }, data: { type: "DEPLOYMENT", service, params: { version: `v2.${Date.now()}`, strategy: "canary" } } });
      expect(submitted.status()).toBe(202);
      const operationId = ((await submitted.json()) as { operation: { id: string } }).operation.id;
      const holderId = `op:${operationId}#1`;

      // The admin sees the lock live (no reload), with the operation as holder, its fencing token and a TTL that counts down.
      const row = page.getByTestId("lock-row").filter({ has: page.getByRole("link", { name: holderId, exact: true }) });
      await expect(row).toBeVisible({ timeout: 15_000 });
      await expect(row.getByRole("rowheader")).toContainText(`SERVICE${service}`);
      await expect(row.getByRole("link", { name: holderId, exact: true })).toHaveAttribute("href", `/operations/${operationId}`);
      const locks = (await (await page.request.get("/api/v1/locks")).json()) as { locks: { key: { scope: string; resource: string }; holders: { holderId: string; fencingToken: string }[] }[] };
      const held = locks.locks.find((l) => l.key.scope === "SERVICE" && l.key.resource === service)!.holders.find((h) => h.holderId === holderId)!;
      await expect(row.getByTestId("fencing-token")).toHaveText(held.fencingToken);
      const ttl = row.getByTestId("ttl-left");
      await expect(ttl).toHaveText(/^4m \d\ds$/); // a 300 s lease, a few seconds in
      const before = await ttl.textContent();
      await expect(ttl).not.toHaveText(before!, { timeout: 3_000 }); // ticks each second

      // A viewer sees the same lock, and no force-release button.
      const viewerRow = viewerPage.getByTestId("lock-row").filter({ has: viewerPage.getByRole("link", { name: holderId, exact: true }) });
      await expect(viewerRow).toBeVisible();
      await expect(viewerPage.getByRole("button", { name: /force release/i })).toHaveCount(0);

      await shot(page, testInfo, "locks");

      await row.getByRole("button", { name: `Force release SERVICE:${service} held by ${holderId}` }).click();
      const dialog = page.getByRole("dialog", { name: `Force release SERVICE:${service}` });
      await expect(dialog).toBeVisible();
      const reason = dialog.getByLabel(/Reason/);
      await expect(reason).toBeFocused();
      await reason.fill("ab");
      await dialog.getByRole("button", { name: "Force release" }).click();
      await expect(reason).toHaveAttribute("aria-invalid", "true"); // under 3 characters: not sent
      await reason.fill("e2e: canary stuck on image-resizer");
      await shot(page, testInfo, "locks-force-release-dialog");
      await dialog.getByRole("button", { name: "Force release" }).click();

      const released = dialog.getByRole("status");
      await expect(released).toContainText(`Released SERVICE:${service}`);
      await expect(released).toContainText(holderId);
      await expect(released).toContainText(`fencing token ${held.fencingToken}`);
      await dialog.getByRole("button", { name: "Close" }).click();
      await expect(dialog).toBeHidden();
      await expect(row).toHaveCount(0);

      // The release is audited with the reason.
      const audit = (await (await page.request.get("/api/v1/audit/events?category=LOCK_OPERATION&action=lock.force_released&limit=5")).json()) as { events: { actor: string; payload: { reason: string; released: { holderId: string }[] } }[] };
      expect(audit.events[0]).toMatchObject({ actor: "admin@interlock.local", payload: { reason: "e2e: canary stuck on image-resizer", released: [{ holderId }] } });

      // What the operation does after losing its lease: the store announces the force release, so the
      // holder learns at once (docs/locks.md), its canary stops at the next safe point and the operation
      // fails naming who released its lock and why; only its own release then fails, and that is audited.
      await expect
        .poll(async () => ((await (await page.request.get(`/api/v1/operations/${operationId}`)).json()) as { operation: { state: string } }).operation.state, { timeout: 60_000 })
        .toMatch(/^(COMPLETED|FAILED|ROLLED_BACK)$/);
      const detail = (await (await page.request.get(`/api/v1/operations/${operationId}`)).json()) as { operation: { state: string; result: string; error: string | null } };
      expect(detail.operation).toMatchObject({ state: "FAILED", result: "FAILED" });
      expect(detail.operation.error).toContain("force-released by admin@interlock.local: e2e: canary stuck on image-resizer");
      const releaseFailed = (await (await page.request.get(`/api/v1/audit/events?operationId=${operationId}&action=lock.release_failed`)).json()) as { events: { severity: string; payload: { resource: string } }[] };
      expect(releaseFailed.events).toEqual([expect.objectContaining({ severity: "WARNING", payload: expect.objectContaining({ resource: service }) })]);
    } finally {
      await operator.close();
      await viewer.close();
    }
  });
});

test.describe("audit trail", () => {
  test("filters narrow the list and an expanded event shows its hashes, linked to the event before it", async ({ page, baseURL }, testInfo) => {
    await signIn(page, "admin", "/audit");
    await expect(page.getByRole("heading", { name: "Audit trail", level: 1 })).toBeVisible();
    // A LOCK_OPERATION event of our own: a force release of a lock nobody holds is still audited.
    const response = await page.request.post("/api/v1/locks/force-release", { headers: { origin: baseURL! }, data: { scope: "SERVICE", resource: "e2e-filter-probe", reason: "e2e: audit filter probe" } });
    expect(response.status()).toBe(200);

    const rows = page.getByTestId("audit-row");
    // Our probe arrives by live update: wait for it at the top, or a late arrival shifts the rows under the clicks below.
    await expect(rows.first()).toContainText("e2e-filter-probe");
    await expect(page.getByRole("button", { name: "Verify chain" })).toBeVisible();

    // Consecutive events: the newer one's previous hash is the older one's hash.
    await rows.nth(1).getByRole("button", { name: /show detail/ }).click();
    await rows.nth(2).getByRole("button", { name: /show detail/ }).click();
    const details = page.getByTestId("audit-detail");
    await expect(details).toHaveCount(2);
    await expect(details.nth(0).getByTestId("hash")).toHaveText(/^[0-9a-f]{64}$/);
    await expect(details.nth(0).getByTestId("prev-hash")).toHaveText((await details.nth(1).getByTestId("hash").textContent())!);

    const form = page.getByRole("form", { name: "Filter audit events" });
    await form.getByLabel("Category").selectOption("LOCK_OPERATION");
    await form.getByRole("button", { name: "Apply" }).click();
    await expect(rows.filter({ hasText: "lock.force_released" }).first()).toBeVisible();
    const categories = await rows.locator("td:nth-child(4)").allTextContents();
    expect(categories.length).toBeGreaterThan(0);
    expect(new Set(categories)).toEqual(new Set(["LOCK_OPERATION"]));

    const probe = rows.filter({ hasText: "lock.force_released" }).first();
    await probe.getByRole("button", { name: /show detail/ }).click();
    const probeDetail = page.getByTestId("audit-detail").first();
    await expect(probeDetail.getByTestId("hash")).toHaveText(/^[0-9a-f]{64}$/);
    await expect(probeDetail.getByTestId("prev-hash")).toHaveText(/^[0-9a-f]{64}$/);
    await expect(probeDetail.locator("pre")).toContainText('"reason": "e2e: audit filter probe"');

    // Narrower still: the actor, and then one that matches nothing.
    await form.getByLabel("Actor").fill("nobody@example.com");
    await form.getByRole("button", { name: "Apply" }).click();
    await expect(page.getByText("No event matches these filters")).toBeVisible();
    await form.getByRole("button", { name: "Clear" }).click();
    await expect(rows.first()).toBeVisible();

    const shown = await rows.count();
    const more = page.getByRole("button", { name: "Load more" });
    if (await more.isVisible()) {
      await more.click();
      await expect.poll(() => rows.count()).toBeGreaterThan(shown);
    }
    const newest = rows.first().getByRole("button", { name: /^Event \d+: (show|hide) detail$/ });
    if ((await newest.getAttribute("aria-expanded")) !== "true") await newest.click();
    await expect(page.getByTestId("audit-detail").first()).toBeVisible();
    await shot(page, testInfo, "audit");
  });

  test("verifies the chain, shows where it broke after a row is tampered with, and is valid again once it is restored", async ({ page }, testInfo) => {
    test.skip(testInfo.project.name !== "postgres", "tampers with the database, which only the Postgres project can reach from outside the server");
    await signIn(page, "viewer", "/audit");
    const verify = page.getByRole("button", { name: "Verify chain" });
    const result = page.getByTestId("verify-result");
    await verify.click();
    await expect(result).toContainText("The chain is valid.");
    await expect(result).toContainText(/\d+ events checked up to seq \d+/);

    const db = new pg.Client({ connectionString: e2eDatabaseUrl });
    await db.connect();
    let tampered: { seq: string; action: string } | null = null;
    try {
      const { rows } = await db.query<{ seq: string; action: string }>("SELECT seq::text, action FROM audit_events ORDER BY seq LIMIT 1 OFFSET 2");
      tampered = rows[0]!;
      await db.query("UPDATE audit_events SET action = action || '.tampered' WHERE seq = $1", [tampered.seq]);

      await verify.click();
      const broken = page.getByTestId("chain-broken");
      await expect(broken).toBeVisible();
      await expect(broken).toContainText(`Chain broken at seq ${tampered.seq}`);
      await expect(broken).toContainText("edited");
      await broken.getByRole("button", { name: `Show event ${tampered.seq}` }).click();
      const row = page.locator(`#audit-event-${tampered.seq}`);
      await expect(row).toBeInViewport();
      await expect(row).toContainText(`${tampered.action}.tampered`);
      await expect(page.locator(`#audit-event-detail-${tampered.seq}`)).toContainText(/[0-9a-f]{64}/);
      await page.evaluate(() => window.scrollTo(0, 0));
      await shot(page, testInfo, "audit-broken");
    } finally {
      if (tampered) await db.query("UPDATE audit_events SET action = $2 WHERE seq = $1", [tampered.seq, tampered.action]);
      await db.end();
    }
    await verify.click();
    await expect(result).toContainText("The chain is valid.");
  });
});
