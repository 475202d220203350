// Change freeze windows in the console (docs/freezes.md#the-calendar): an
// admin creates a recurring window from the Freezes page, and the 14-day
// calendar shows it on the expected days with its local times and zone.
import { expect, test } from "@playwright/test";
import { signIn } from "./helpers";

const DAY_MS = 86_400_000;

test("an admin creates a weekly window and the calendar shows it every Friday with its local times", async ({ page }) => {
  await signIn(page, "admin");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Freezes" }).click();
  await expect(page.getByRole("heading", { name: "Change freezes" })).toBeVisible();

  const name = `Friday evening freeze ${Date.now()}`;
  await page.getByRole("button", { name: "New window" }).click();
  const form = page.getByRole("form", { name: "New freeze window" });
  await form.getByLabel("Name").fill(name);
  await form.getByLabel("Kind").selectOption("DENY");
  await form.getByLabel("Action").selectOption("QUEUE");
  await form.getByLabel("Time zone").fill("America/New_York");
  // 2 January 2026 was a Friday: 18:00–20:00 New York time (23:00 UTC in winter, the same UTC day).
  await form.getByLabel("Start (local)").fill("2026-01-02T18:00");
  await form.getByLabel("Duration (minutes)").fill("120");
  await form.getByLabel("Recurrence (RRULE)").fill("FREQ=WEEKLY;BYDAY=FR");
  await form.getByLabel("Reason").fill("No changes on Friday evenings");
  await form.getByRole("button", { name: "Create window" }).click();
  await expect(form).toHaveCount(0);

  await expect(page.getByTestId("window-row").filter({ hasText: name })).toContainText("FREQ=WEEKLY;BYDAY=FR");
  const row = page.locator(`[data-testid="calendar-row"][data-name="${name}"]`);
  await expect(row).toBeVisible();
  const days = await page.getByTestId("calendar-day").evaluateAll((els) => els.map((e) => e.getAttribute("data-day")!));
  expect(days).toHaveLength(14);
  // Every day between the first and the last column (whose Friday may fall either side of the range's edges).
  for (const day of days.slice(1, -1)) {
    const starts = row.locator(`[data-testid="calendar-cell"][data-day="${day}"] [data-testid="occurrence"][data-starts="true"]`);
    if (new Date(Date.parse(`${day}T00:00:00Z`)).getUTCDay() === 5) {
      await expect(starts).toHaveText("18:00–20:00 America/New_York");
      await expect(starts).toHaveAttribute("data-kind", "DENY");
    } else {
      await expect(starts).toHaveCount(0);
    }
  }
  expect(days.slice(1, -1).filter((d) => new Date(Date.parse(`${d}T00:00:00Z`)).getUTCDay() === 5).length).toBeGreaterThanOrEqual(1);
  expect(Date.parse(`${days.at(-1)}T00:00:00Z`) - Date.parse(`${days[0]}T00:00:00Z`)).toBe(13 * DAY_MS);
});
