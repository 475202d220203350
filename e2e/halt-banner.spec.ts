// Stop the line in the console (docs/freezes.md#the-banner): an approver stops
// the line from the navigation; every console page then shows the banner with
// the reason, the owner and "until lifted" — on a viewer's open page too,
// without a reload — and lifting it from the banner removes it everywhere.
import { expect, test, type Page } from "@playwright/test";
import { signIn } from "./helpers";

const REASON = `Checkout outage, hold every change (e2e ${Date.now()})`;
const OWNER = "payments-lead@example.com";

/** Lifts whatever halt this journey left in force, so later journeys can submit operations. */
async function liftLeftovers(page: Page) {
  const baseURL = new URL(page.url()).origin;
  const active = await page.request.get("/api/v1/halts?active=true");
  if (!active.ok()) return;
  for (const halt of ((await active.json()) as { items: { id: string; source: string; reason: string }[] }).items) {
    if (halt.source === "MANUAL" && halt.reason === REASON) await page.request.post(`/api/v1/halts/${halt.id}/lift`, { headers: { origin: baseURL }, data: { reason: "e2e clean-up" } });
  }
}

test.afterEach(async ({ page }) => {
  await liftLeftovers(page).catch(() => {});
});

test("an approver stops the line; the banner says what, why, who and until when on every page, and the lift removes it", async ({ page, browser }) => {
  // It visits every page of the navigation (a dozen loads), more than the default minute allows on a busy machine.
  test.setTimeout(150_000);
  const viewer = await (await browser.newContext()).newPage();
  await signIn(viewer, "viewer", "/operations");
  // A viewer cannot stop the line.
  await expect(viewer.getByRole("button", { name: "Stop the line" })).toHaveCount(0);
  await expect(viewer.getByTestId("halt-banner")).toHaveCount(0);

  await signIn(page, "approver", "/");
  await page.getByRole("button", { name: "Stop the line" }).click();
  const dialog = page.getByRole("dialog", { name: "Stop the line" });
  await expect(dialog).toBeVisible();
  await expect(dialog.getByRole("button", { name: "Stop the line" })).toBeDisabled();
  await dialog.getByLabel("Reason (required)").fill(REASON);
  await dialog.getByLabel("Owner").fill(OWNER);
  await dialog.getByRole("button", { name: "Stop the line" }).click();
  await expect(dialog).toHaveCount(0);

  const banner = page.getByTestId("halt-banner").filter({ hasText: REASON });
  await expect(banner).toBeVisible();
  await expect(banner.getByTestId("halt-owner")).toHaveText(OWNER);
  await expect(banner.getByTestId("halt-until")).toHaveText("until lifted");
  await expect(banner).toContainText("called by approver@interlock.local");
  await expect(banner).toContainText("every change");

  // The viewer's open page shows it without a reload.
  await expect(viewer.getByTestId("halt-banner").filter({ hasText: REASON })).toBeVisible();
  await expect(viewer.getByTestId("halt-banner").getByRole("button", { name: "Lift" })).toHaveCount(0);

  // Every page of the navigation.
  const links = page.getByRole("navigation", { name: "Main" }).getByRole("link");
  const hrefs = [...new Set(await links.evaluateAll((as) => as.map((a) => a.getAttribute("href") ?? "")))].filter((h) => h.startsWith("/"));
  expect(hrefs.length).toBeGreaterThanOrEqual(10);
  for (const href of hrefs) {
    await page.goto(href);
    const onPage = page.getByTestId("halt-banner").filter({ hasText: REASON });
    await expect(onPage, href).toBeVisible();
    await expect(onPage.getByTestId("halt-owner"), href).toHaveText(OWNER);
    await expect(onPage.getByTestId("halt-until"), href).toHaveText("until lifted");
  }

  // Lifted from the banner, with a reason: gone here and on the viewer's page.
  await page.goto("/audit");
  await page.getByTestId("halt-banner").filter({ hasText: REASON }).getByRole("button", { name: "Lift" }).click();
  const lift = page.getByRole("dialog", { name: "Lift the halt" });
  await lift.getByLabel("Reason (required)").fill("Checkout is back");
  await lift.getByRole("button", { name: "Lift halt" }).click();
  await expect(page.getByTestId("halt-banner").filter({ hasText: REASON })).toHaveCount(0);
  await expect(viewer.getByTestId("halt-banner").filter({ hasText: REASON })).toHaveCount(0);
  await page.goto("/operations");
  await expect(page.getByTestId("signed-in-as")).toBeVisible();
  await expect(page.getByTestId("halt-banner").filter({ hasText: REASON })).toHaveCount(0);
  await viewer.context().close();
});
