// The self-healing demo page (docs/demo.md) on the built server, each journey
// from sign-in: the one-click reference scenario
// (docs/demo.md#the-reference-scenario) healed end to end with its live log, MTTR
// and incident timeline; one row of the failure injection matrix; a refusal
// while a run is in progress; and a viewer and an operator who may watch but
// not run (starting a run is an admin's: docs/security.md#the-demo-on-a-real-deployment).
//
// Where the runs happen differs by project (docs/demo.md#where-a-run-happens):
// on the embedded store beside the server's own store, so the run's incident
// and operations are links into the console; on Postgres (started with
// INTERLOCK_DEMO=true) in a sandbox database of its own, so the page says so
// and names them without links. Row 14 (audit tampering) runs in a sandbox on
// both.
//
// Runs live in each server's memory and the demo heals payment-service, whose
// cooldown then holds a second change for 5 minutes: so each server runs the
// one-click demo once, and the matrix journey injects a row with no service
// (audit-tampering, row 14).
import fs from "node:fs";
import { expect, test, type Page, type TestInfo } from "@playwright/test";
import type { TDemoCatalog, TDemoRun } from "../lib/api/demo";
import type { TIncidentDetail } from "../lib/api/incidents";
import { formatSpan } from "../demo/pipeline/demo-times";
import { signIn } from "./helpers";

const SHOTS = "/tmp/shots-demo";

async function shoot(page: Page, testInfo: TestInfo, name: string) {
  const file = testInfo.outputPath(`${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  fs.mkdirSync(SHOTS, { recursive: true });
  fs.copyFileSync(file, `${SHOTS}/${testInfo.project.name}-${name}.png`);
}

/** The incident stages the reference scenario must show, in order, by the names the pipeline records. */
const DEMO_STAGES = ["detection", "root_cause_analysis", "code_localization", "fix_planning", "patch_generation", "safety_gates", "canary_10%", "canary_50%", "canary_100%", "verification", "close"];

async function runOf(page: Page, id: string): Promise<TDemoRun> {
  const response = await page.request.get(`/api/v1/demo/runs/${id}`);
  expect(response.status()).toBe(200);
  return (await response.json()) as TDemoRun;
}

/** Whether this server's runs happen in a sandbox (the Postgres project), from its catalog. */
async function sandboxed(page: Page): Promise<boolean> {
  const response = await page.request.get("/api/v1/demo/scenarios");
  expect(response.status()).toBe(200);
  return ((await response.json()) as TDemoCatalog).where!.sandboxed;
}

/** No run in progress on this server (an earlier journey's run has ended). */
async function idle(page: Page) {
  await expect
    .poll(async () => ((await (await page.request.get("/api/v1/demo/runs")).json()) as { items: TDemoRun[] }).items.filter((r) => r.status === "RUNNING").length, { timeout: 120_000, intervals: [1_000] })
    .toBe(0);
}

test.describe("the self-healing demo", () => {
  test("an admin runs the reference demo: a live log, PASS, the MTTR against 45 min manual, and the incident's timeline", async ({ page, baseURL }, testInfo) => {
    test.setTimeout(300_000);
    await signIn(page, "admin");
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Demo" }).click();
    await expect(page).toHaveURL(/\/demo$/);
    await expect(page.getByRole("heading", { level: 1, name: "Demo" })).toBeVisible();
    await idle(page);
    const inSandbox = await sandboxed(page);
    await expect(page.getByTestId("demo-where")).toHaveAttribute("data-sandboxed", String(inSandbox));
    if (inSandbox) await expect(page.getByTestId("demo-where")).toContainText("Runs happen in a sandbox: a sandbox database created on this server's Postgres for each run and dropped after it");
    else await expect(page.getByTestId("demo-where")).toContainText("this server's own store");

    const card = page.getByTestId("demo-card");
    await expect(card.getByTestId("demo-injects")).toContainText("payment-service");
    await expect(card.getByTestId("demo-injects")).toContainText("NullPointerException");
    await expect(card.getByTestId("demo-injects")).toContainText("15 %");
    await expect(card.getByTestId("time-scale")).toContainText("simulated waits (canary bakes, image build) run 60× faster");
    await expect(card.getByTestId("time-scale")).toContainText("only the simulated MTTR is compared with");
    await expect(page.getByTestId("failure-matrix").getByRole("columnheader")).toHaveText(["Row", "Failure type", "Injected at", "Expected reaction", "Last result here", "Action"]);
    await expect(page.getByTestId("failure-matrix").locator("tbody tr")).toHaveCount(20);
    await shoot(page, testInfo, "demo-before");

    // A marker that a reload would wipe: everything below arrives on this page as it is.
    await page.evaluate(() => ((window as unknown as { __notReloaded: boolean }).__notReloaded = true));
    const runButton = card.getByRole("button", { name: "Run the demo" });
    await expect(runButton).toBeEnabled();
    await runButton.click();

    const panel = page.getByTestId("demo-run");
    await expect(panel).toHaveAttribute("data-status", "RUNNING");
    await expect(page.getByTestId("run-status")).toHaveText("RUNNING");
    const runId = (await panel.getAttribute("data-run-id"))!;
    expect(runId).toMatch(/^[0-9a-f-]{36}$/);
    // While it runs, nothing else may start: the buttons say why …
    await expect(card.getByRole("button", { name: /Running/ })).toBeDisabled();
    await expect(page.getByTestId("demo-blocked-reason")).toContainText("A run is in progress: “High Error Rate” (row 1), started by admin@interlock.local");
    await expect(page.getByRole("button", { name: "Inject row 14: Audit Log Tampering" })).toBeDisabled();

    // … and the log grows without a reload.
    const lines = page.getByTestId("run-log-line");
    await expect(lines.first()).toContainText("Injecting: High Error Rate at payment-service");
    const early = await lines.count();
    await expect(page.getByTestId("run-log")).toContainText("[INCIDENT DETECTOR] detection: ", { timeout: 60_000 });
    await expect(page.getByTestId("run-log")).toContainText(/\[RCA ENGINE\] root cause analysis: \w+ — blame payment-service via user-service → payment-service/, { timeout: 60_000 });
    await expect.poll(() => lines.count()).toBeGreaterThan(early);
    await expect(page.getByTestId("run-status")).toHaveText("RUNNING");
    await shoot(page, testInfo, "demo-running");

    // A page that has not yet seen this run (opened moments before it started) asks for another one: the server refuses, naming the run in progress.
    const stale = await page.context().newPage();
    await stale.route("**/api/v1/demo/runs", (route) => (route.request().method() === "GET" ? route.fulfill({ json: { items: [] } }) : route.fallback()));
    await stale.goto("/demo");
    await expect(stale.getByTestId("no-runs")).toBeVisible();
    await stale.getByRole("button", { name: "Inject row 14: Audit Log Tampering" }).click();
    const refused = stale.getByTestId("matrix-row-audit-tampering").locator("xpath=following-sibling::tr[1]").getByRole("alert");
    await expect(refused).toContainText("Not started — another run is in progress.");
    await expect(refused).toContainText("A demo run is in progress: \"High Error Rate\", started by admin@interlock.local");
    await expect(refused.getByRole("button", { name: "Show the run in progress" })).toBeVisible();
    await shoot(stale, testInfo, "demo-refused-409");
    await stale.close();
    const conflict = await page.request.post("/api/v1/demo/runs", { headers: { origin: baseURL! }, data: { scenario: "audit-tampering" } });
    expect(conflict.status()).toBe(409);
    expect(await conflict.json()).toMatchObject({ error: { code: "CONFLICT", details: { runId } } });

    // The verdict, measured.
    await expect(panel).toHaveAttribute("data-status", /PASSED|FAILED/, { timeout: 150_000 });
    const run = await runOf(page, runId);
    expect(run.status, `${run.actual}\n${run.log.map((l) => l.text).join("\n")}`).toBe("PASSED");
    await expect(page.getByTestId("run-status")).toHaveText("PASSED");
    await expect(page.getByTestId("run-verdict")).toContainText("PASS");
    await expect(page.getByTestId("run-actual")).toContainText(run.actual!);
    await expect(page.getByTestId("run-log")).toContainText(`PASS: ${run.actual}`);
    expect(run.mttrMs).not.toBeNull();
    expect(run.durationMs).not.toBeNull();
    // The MTTR on the simulated basis (wall × 60), the wall time beside it, the manual baseline compared on that basis only,
    // and Interlock's own decision time apart, in real time (docs/demo.md#time-in-the-demo).
    expect(run.times).not.toBeNull();
    const times = run.times!;
    expect(times).toMatchObject({ timeScale: 60, wallMs: run.mttrMs, simulatedMs: run.mttrMs! * 60 });
    await expect(page.getByTestId("run-mttr")).toContainText(formatSpan(times.simulatedMs));
    await expect(page.getByTestId("mttr-wall")).toHaveText(`run 60× faster: ${formatSpan(run.mttrMs!)} of wall time`);
    await expect(page.getByTestId("mttr-vs-manual")).toHaveText(times.text.versusManual);
    expect(times.text.versusManual).toMatch(new RegExp(`^against ${formatSpan(times.manualMs)} by hand: \\d`));
    await expect(page.getByTestId("run-orchestrator")).toContainText(formatSpan(run.orchestratorMs!));
    await expect(page.getByTestId("run-orchestrator")).toContainText("not scaled");
    for (const id of ["run-mttr", "run-orchestrator", "run-manual-baseline"]) await expect(page.getByTestId(id)).not.toContainText("faster than");
    await expect(page.getByTestId("run-duration")).toContainText(/\d/);
    await expect(page.getByTestId("run-duration-wall")).toContainText("of wall time");
    expect(await page.evaluate(() => (window as unknown as { __notReloaded?: boolean }).__notReloaded)).toBe(true);
    await expect(card.getByRole("button", { name: "Run the demo" })).toBeEnabled();
    await expect(page.getByTestId("matrix-row-high-error-rate").getByTestId("last-result")).toContainText("PASS");
    await page.getByTestId("run-log").evaluate((el) => (el.scrollTop = 0));
    await shoot(page, testInfo, "demo-passed");
    testInfo.annotations.push({ type: "demo", description: `run ${run.durationMs} ms, MTTR ${run.mttrMs} ms, ${run.operations.length} operations` });

    expect(run.incident).not.toBeNull();
    if (inSandbox) {
      // Its incident and operations were in the sandbox, dropped with it: named, never linked into this console's lists.
      expect(run.sandbox).toMatch(/^postgres \(temporary database interlock_demo_[0-9a-f]+\), dropped after the run$/);
      await expect(page.getByTestId("run-sandbox")).toContainText(`Ran in the sandbox: ${run.sandbox}; its operations are not in this console's lists`);
      await expect(page.getByTestId("run-links")).toHaveCount(0);
      await expect(page.getByTestId("run-records")).toContainText(`Incident ${run.incident!.key}`);
      await expect(page.getByTestId("demo-run").getByRole("link")).toHaveCount(0);
      expect((await page.request.get(`/api/v1/incidents/${run.incident!.id}`)).status()).toBe(404);
      expect((await page.request.get(`/api/v1/operations/${run.operations[0]}`)).status()).toBe(404);
      await shoot(page, testInfo, "demo-sandboxed");
      return;
    }

    // The incident it healed: RESOLVED, with every stage of the pipeline on its timeline.
    expect(run.sandbox).toBeNull();
    await expect(page.getByTestId("run-sandbox")).toHaveCount(0);
    const operationLinks = page.getByTestId("run-links").getByRole("link", { name: /^Operation / });
    await expect(operationLinks).toHaveCount(run.operations.length);
    await expect(operationLinks.first()).toHaveAttribute("href", `/operations/${run.operations[0]}`);
    await page.getByRole("link", { name: `Incident ${run.incident!.key} — its MTTR timeline` }).click();
    await expect(page).toHaveURL(new RegExp(`/incidents/${run.incident!.id}$`));
    await expect(page.getByRole("heading", { level: 1 })).toContainText(run.incident!.key);
    await expect(page.locator("main header").getByText("RESOLVED", { exact: true })).toBeVisible();
    const detail = (await (await page.request.get(`/api/v1/incidents/${run.incident!.id}`)).json()) as TIncidentDetail;
    expect(detail.incident.status).toBe("RESOLVED");
    const stageRows = page.getByTestId("stage-row");
    await expect(stageRows).toHaveCount(detail.stages.length);
    const names = await stageRows.getByRole("rowheader").allTextContents();
    expect(names, names.join(", ")).toEqual(detail.stages.map((s) => s.stage));
    expect(names.filter((n) => DEMO_STAGES.includes(n)), names.join(", ")).toEqual(DEMO_STAGES);
    const timeline = page.getByTestId("incident-timeline");
    for (const stage of DEMO_STAGES) await expect(timeline.getByText(stage, { exact: true })).toBeVisible();
    await expect(page.getByTestId("mttr-comparison")).toContainText("against the manual 45 min");
    await shoot(page, testInfo, "demo-incident-timeline");
  });

  test("an admin injects one row of the failure matrix and sees its measured verdict", async ({ page }, testInfo) => {
    test.setTimeout(180_000);
    await signIn(page, "admin", "/demo");
    await expect(page.getByRole("heading", { level: 1, name: "Demo" })).toBeVisible();
    await idle(page);

    const row = page.getByTestId("matrix-row-audit-tampering");
    await expect(row.getByRole("rowheader")).toContainText("Audit Log Tampering");
    await expect(row).toContainText("the audit log");
    await expect(row).toContainText("Tampered entry → the hash chain breaks at that entry");
    await row.getByRole("button", { name: "Inject row 14: Audit Log Tampering" }).click();

    const panel = page.getByTestId("demo-run");
    await expect(panel).toContainText("Row 14: Audit Log Tampering");
    const runId = (await panel.getAttribute("data-run-id"))!;
    await expect(panel).toHaveAttribute("data-status", /PASSED|FAILED/, { timeout: 120_000 });
    const run = await runOf(page, runId);
    expect(run.scenario.id).toBe("audit-tampering");
    expect(run.status, `${run.actual}\n${run.log.map((l) => l.text).join("\n")}`).toBe("PASSED");
    expect(run.actual).toMatch(/of event \d+ changed from .* verification broke at seq \d+/);
    // The row rewrites a stored audit event: it runs in a sandbox of its own on every store, never on this server's chain.
    expect(run.sandbox).not.toBeNull();
    await expect(page.getByTestId("run-sandbox")).toContainText("Ran in the sandbox: ");

    const last = row.getByTestId("last-result");
    await expect(last).toContainText("PASS");
    await expect(last.getByTestId("last-result-actual")).toHaveText(run.actual!);
    await expect(last.getByTestId("last-result-duration")).toHaveText(/^in (\d+ ms|[\d.]+ s)$/);
    await expect(page.getByTestId("run-actual")).toContainText(run.actual!);
    await expect(page.getByTestId("run-mttr")).toContainText("no incident healed in this run");
    await expect(page.getByTestId("matrix-summary")).toContainText(/[1-9]\d* passed/);
    await row.scrollIntoViewIfNeeded();
    await shoot(page, testInfo, "demo-matrix");
    testInfo.annotations.push({ type: "matrix", description: `row 14 ${run.durationMs} ms: ${run.actual}` });

    // An earlier run of another row is one click away.
    const earlier = ((await (await page.request.get("/api/v1/demo/runs")).json()) as { items: TDemoRun[] }).items.find((r) => r.scenario.id !== "audit-tampering");
    if (earlier) {
      await page.getByRole("button", { name: `Show the log of row ${earlier.scenario.row}'s last run` }).click();
      await expect(panel).toHaveAttribute("data-run-id", earlier.id);
      await expect(panel).toContainText(`Row ${earlier.scenario.row}: ${earlier.scenario.title}`);
      await expect(page.getByTestId("run-status")).toHaveText(earlier.status);
    }
  });

  test("a viewer watches but cannot run: the buttons are disabled with the reason, and the API refuses", async ({ page, baseURL }, testInfo) => {
    await signIn(page, "viewer", "/demo");
    await expect(page.getByRole("heading", { level: 1, name: "Demo" })).toBeVisible();
    await expect(page.getByRole("button", { name: "Run the demo" })).toBeDisabled();
    await expect(page.getByTestId("demo-blocked-reason")).toContainText("Running a scenario needs the admin role; you are signed in as viewer");
    await expect(page.getByRole("button", { name: "Run the demo" })).toHaveAccessibleDescription(/needs the admin role/);
    const inject = page.getByRole("button", { name: /^Inject row \d+: / });
    await expect(inject).toHaveCount(20);
    for (const button of await inject.all()) await expect(button).toBeDisabled();
    await expect(inject.first()).toHaveAccessibleDescription(/needs the admin role/);

    const refused = await page.request.post("/api/v1/demo/runs", { headers: { origin: baseURL! }, data: { scenario: "audit-tampering" } });
    expect(refused.status()).toBe(403);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("FORBIDDEN");
    await shoot(page, testInfo, "demo-viewer");
  });

  test("an operator watches too: starting a run is an admin's, and the API refuses it", async ({ page, baseURL }) => {
    await signIn(page, "operator", "/demo");
    await expect(page.getByRole("heading", { level: 1, name: "Demo" })).toBeVisible();
    await expect(page.getByRole("button", { name: "Run the demo" })).toBeDisabled();
    await expect(page.getByTestId("demo-blocked-reason")).toContainText("Running a scenario needs the admin role; you are signed in as operator");
    const refused = await page.request.post("/api/v1/demo/runs", { headers: { origin: baseURL! }, data: { scenario: "audit-tampering" } });
    expect(refused.status()).toBe(403);
    expect(((await refused.json()) as { error: { code: string; details: { required: string } } }).error).toMatchObject({ code: "FORBIDDEN", details: { required: "ADMIN" } });
  });
});
