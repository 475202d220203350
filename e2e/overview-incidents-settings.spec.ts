// The overview's KPIs, the incidents pages with the MTTR timeline, and the
// admin's settings, on the built server, each journey from sign-in.
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

const SHOTS = "/tmp/shots-d";

async function shoot(page: Page, testInfo: TestInfo, name: string) {
  const file = testInfo.outputPath(`${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  fs.mkdirSync(SHOTS, { recursive: true });
  fs.copyFileSync(file, `${SHOTS}/${name}.png`);
}

interface Kpi {
  id: string;
  status: "MEASURED" | "NO_DATA" | "NOT_MEASURED";
}

test.describe("overview KPIs", () => {
  test("shows every KPI with its target, honest where there is no data, and numbers once operations ran", async ({ page, baseURL }, testInfo) => {
    await signIn(page, "operator");
    const cards = page.getByRole("list", { name: "KPIs" }).getByRole("listitem");
    await expect(cards).toHaveCount(8);
    await expect(page.getByTestId("kpi-falseRollbackRate")).toContainText("Not measured yet");
    await expect(page.getByTestId("kpi-mttr")).toContainText("Target < 5 min");

    // Whatever the store has no data for says so, never a number.
    const before = (await (await page.request.get("/api/v1/kpis")).json()) as { kpis: Kpi[] };
    for (const k of before.kpis) {
      if (k.status === "NO_DATA") await expect(page.getByTestId(`kpi-${k.id}`)).toContainText("No data yet");
      if (k.status === "NOT_MEASURED") await expect(page.getByTestId(`kpi-${k.id}`)).toContainText("not measured yet");
    }
    const operations = (await (await page.request.get("/api/v1/operations?limit=1")).json()) as { items: unknown[] };
    if (operations.items.length === 0) {
      // A fresh store: no operation, so no operations-based KPI.
      await expect(page.getByTestId("kpi-humanInterventionRate")).toContainText("No data yet");
      await expect(page.getByTestId("kpi-conflictsPer100")).toContainText("No data yet");
    }

    const stamp = Date.now();
    for (const body of [
      { type: "DEPLOYMENT", service: "search-service", params: { version: `v${stamp}.1` } },
      { type: "VERIFICATION", service: "user-service", params: { check: `kpi-${stamp}` } },
    ]) {
      const response = await page.request.post("/api/v1/operations", { headers: { origin: baseURL! }, data: body });
      expect(response.status(), await response.text()).toBe(202);
    }

    await expect(async () => {
      await page.reload();
      await expect(page.getByTestId("kpi-humanInterventionRate")).toHaveAttribute("data-status", "MEASURED", { timeout: 2_000 });
    }).toPass({ timeout: 30_000 });
    await expect(page.getByTestId("kpi-humanInterventionRate")).toContainText(/\d+(\.\d+)? %/);
    await expect(page.getByTestId("kpi-humanInterventionRate")).toContainText(/of \d+ started operations?/);
    await expect(page.getByTestId("kpi-conflictsPer100")).toHaveAttribute("data-status", "MEASURED");
    await expect(page.getByText("Operations and incidents per hour")).toBeVisible();

    await page.getByRole("button", { name: "Last 7 days" }).click();
    await expect(page.getByRole("button", { name: "Last 7 days" })).toHaveAttribute("aria-pressed", "true");
    await expect(page.getByText("Operations and incidents per day")).toBeVisible();
    await page.getByRole("button", { name: "Last 24 h" }).click();
    await expect(page.getByText("Operations and incidents per hour")).toBeVisible();
    // The demo's runs are left out unless asked for, and the panel says which figures it shows.
    await expect(page.getByTestId("kpi-demo-scope")).toHaveAttribute("data-include-demo", "false");
    await expect(page.getByTestId("kpi-humanInterventionRate")).toContainText("(demo runs left out)");
    await page.getByLabel("Include demo runs").check();
    await expect(page.getByTestId("kpi-demo-scope")).toHaveAttribute("data-include-demo", "true");
    await expect(page.getByTestId("kpi-demo-scope")).toContainText("Demo data included");
    await expect(page.getByTestId("kpi-humanInterventionRate")).toContainText("(demo runs included)");
    await page.getByLabel("Include demo runs").uncheck();
    await expect(page.getByTestId("kpi-demo-scope")).toHaveAttribute("data-include-demo", "false");
    await shoot(page, testInfo, "overview");
  });
});

// A fixture timeline shaped like the original specification's scripted demo (00:00 detected … 00:36 closed), as stages in seconds after detection.
const STAGES: [string, number, number, string][] = [
  ["detected", 0, 3, "ERROR_RATE 15%"],
  ["rca", 3, 6, "root cause: payment-service"],
  ["localized", 6, 8, "payment_processor.py:45"],
  ["planned", 8, 9, "CANARY_DEPLOY"],
  ["patched", 9, 10, "diff generated"],
  ["gates", 10, 12, "PASSED"],
  ["locked", 12, 15, "SERVICE:payment-service"],
  ["canary 10%", 15, 23, "PROMOTE"],
  ["canary 50%", 23, 28, "PROMOTE"],
  ["canary 100%", 28, 30, "PROMOTE"],
  ["verified", 30, 32, "PASSED"],
  ["released", 32, 35, "released"],
  ["closed", 35, 36, "RESOLVED"],
];

test.describe("incidents", () => {
  test("lists incidents (or says why there are none) and draws an incident's MTTR timeline with the manual comparison", async ({ page }, testInfo) => {
    await signIn(page, "viewer", "/incidents");
    await expect(page.getByRole("heading", { level: 1, name: "Incidents" })).toBeVisible();
    const existing = (await (await page.request.get("/api/v1/incidents?limit=1")).json()) as { items: unknown[] };
    if (existing.items.length === 0) await expect(page.getByTestId("incidents-empty")).toContainText("No incidents yet.");

    test.skip(testInfo.project.name !== "postgres", "inserts an incident into the database, which only the Postgres project can reach from outside the server");
    const key = `INC-E2E-${Date.now()}`;
    const client = new pg.Client({ connectionString: e2eDatabaseUrl });
    await client.connect();
    let id: string;
    try {
      const detected = new Date(Date.now() - 10 * 60_000);
      const at = (s: number) => new Date(detected.getTime() + s * 1000);
      const [incident] = (
        await client.query<{ id: string }>(
          `INSERT INTO incidents (id, key, service_id, title, status, severity, correlation_id, approach, detected_at, resolved_at)
           SELECT gen_random_uuid(), $1, s.id, 'NullPointerException in payment processing', 'RESOLVED', 'ERROR', $2, 'CANARY_DEPLOY', $3, $4
             FROM services s WHERE s.name = 'payment-service' RETURNING id::text AS id`,
          [key, `corr-${key}`, detected, at(36)],
        )
      ).rows;
      id = incident!.id;
      for (const [stage, from, to, outcome] of STAGES) {
        await client.query(`INSERT INTO incident_stages (id, incident_id, stage, started_at, ended_at, outcome) VALUES (gen_random_uuid(), $1::uuid, $2, $3, $4, $5)`, [id, stage, at(from), at(to), outcome]);
      }
    } finally {
      await client.end();
    }

    await page.reload();
    const row = page.getByRole("row").filter({ hasText: key });
    await expect(row).toContainText("RESOLVED");
    await expect(row).toContainText("payment-service");
    await expect(row).toContainText("ERROR");
    await expect(row).toContainText("36 s");
    await shoot(page, testInfo, "incidents");

    await row.getByRole("link", { name: key }).click();
    await expect(page).toHaveURL(new RegExp(`/incidents/${id}$`));
    await expect(page.getByRole("heading", { level: 1 })).toContainText(key);
    await expect(page.getByTestId("incident-mttr")).toHaveText("36 s");
    const timeline = page.getByTestId("incident-timeline");
    await expect(timeline.locator("svg.recharts-surface")).toBeVisible();
    await expect(page.getByTestId("stage-row")).toHaveCount(STAGES.length);
    for (const [n, [stage]] of STAGES.entries()) {
      await expect(page.getByTestId("stage-row").nth(n).getByRole("rowheader")).toHaveText(stage);
      await expect(timeline.getByText(stage, { exact: true })).toBeVisible(); // the chart's own axis label
    }
    const comparison = page.getByTestId("mttr-comparison");
    await expect(comparison).toContainText("Manual baseline");
    await expect(comparison).toContainText("45 min");
    // Not a demo incident: both figures are real time, so the difference and the ratio are fair.
    await expect(page.getByTestId("mttr-versus-manual")).toHaveText("44 min 24 s less than the manual baseline of 45 min (75× faster).");
    await shoot(page, testInfo, "incident-timeline");
  });
});

test.describe("settings", () => {
  test("an admin creates an API token (shown once), revokes it, and changes a gate threshold", async ({ page, request, baseURL }, testInfo) => {
    await signIn(page, "admin", "/settings");
    await expect(page.getByRole("heading", { level: 1, name: "Settings" })).toBeVisible();

    // A token, shown once, that works as a bearer token …
    const name = `e2e-bot-${Date.now()}`;
    const tokenForm = page.getByRole("form", { name: "Create an API token" });
    await tokenForm.getByLabel("Token name").fill(name);
    await tokenForm.getByLabel("Token role").selectOption("OPERATOR");
    await tokenForm.getByRole("button", { name: "Create token" }).click();
    const shown = page.getByTestId("new-token");
    await expect(shown).toContainText("shown this once");
    const token = await shown.getByLabel("New API token").inputValue();
    expect(token).toMatch(/^ilk_/);
    const me = await request.get("/api/v1/me", { headers: { authorization: `Bearer ${token}` } });
    expect(me.status()).toBe(200);
    expect(await me.json()).toMatchObject({ kind: "token", role: "OPERATOR" });
    await shown.getByRole("button", { name: "I have stored it" }).click();
    await expect(shown).toHaveCount(0);
    await expect(page.getByText(token)).toHaveCount(0);

    // … until it is revoked, after a confirmation.
    await page.getByRole("button", { name: `Revoke ${name}` }).click();
    const dialog = page.getByRole("dialog", { name: `Revoke “${name}”?` });
    await expect(dialog).toBeVisible();
    await expect(dialog.getByRole("button", { name: "Revoke token" })).toBeFocused();
    await dialog.getByRole("button", { name: "Revoke token" }).click();
    await expect(dialog).toHaveCount(0);
    await expect(page.getByTestId(`token-${name}`)).toContainText("revoked");
    expect((await request.get("/api/v1/me", { headers: { authorization: `Bearer ${token}` } })).status()).toBe(401);

    // A gate threshold: a bad value is refused by the server next to the form, a good one is saved.
    const gates = page.getByRole("form", { name: "Safety gates" });
    const cooldown = gates.getByLabel("Cooldown threshold");
    await expect(cooldown).toHaveValue("300");
    await cooldown.fill("-5");
    await gates.getByRole("button", { name: "Save safety gates" }).click();
    await expect(gates.getByRole("alert")).toContainText("COOLDOWN.threshold must not be negative");
    await cooldown.fill("240");
    await gates.getByRole("button", { name: "Save safety gates" }).click();
    await expect(gates.getByRole("status")).toContainText("Saved at");
    await expect(gates.getByRole("alert")).toHaveCount(0);
    await page.reload();
    await expect(page.getByRole("form", { name: "Safety gates" }).getByLabel("Cooldown threshold")).toHaveValue("240");

    // A test notification on every configured channel (the console inbox here), with each receiver's answer.
    await page.getByRole("button", { name: "Send test notification" }).click();
    await expect(page.getByRole("list", { name: "Test notification results" })).toContainText("INBOX: delivered");
    await shoot(page, testInfo, "settings");

    // Put the default (300 s, docs/gates.md#the-gates) back for the journeys that follow.
    const restore = await page.request.put("/api/v1/settings/gates", { headers: { origin: baseURL! }, data: { gates: { COOLDOWN: { threshold: 300 } } } });
    expect(restore.status()).toBe(200);
  });

  test("a viewer sees no settings forms, and the server refuses them anyway", async ({ page, baseURL }) => {
    await signIn(page, "viewer", "/settings");
    await expect(page.getByRole("heading", { level: 1, name: "Settings" })).toBeVisible();
    await expect(page.getByTestId("settings-needs-admin")).toContainText("Settings need the admin role");
    await expect(page.getByRole("form")).toHaveCount(0);
    await expect(page.getByRole("textbox")).toHaveCount(0);
    expect((await page.request.get("/api/v1/settings/gates")).status()).toBe(403);
    expect((await page.request.put("/api/v1/settings/gates", { headers: { origin: baseURL! }, data: { gates: {} } })).status()).toBe(403);
  });
});
