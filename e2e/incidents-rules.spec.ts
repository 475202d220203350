// Incidents from the console and from Alertmanager, and remediation rules, on
// the built server, each journey from sign-in (docs/console.md): an operator
// opens, acknowledges and resolves an incident and sees its timeline and
// measured MTTR; a refused move (409) is shown as the server explains it; an
// admin adds a dry-run rule, an Alertmanager notification opens an incident,
// and the rule's dry-run match shows on the rule and on the incident; a viewer
// gets no buttons and the server refuses them anyway.
import { expect, test, type APIRequestContext, type Page, type TestInfo } from "@playwright/test";
import type { z } from "zod";
import type { ZAlertmanagerIntakeResult, TIncidentDetail } from "../lib/api/incidents";
import { signIn } from "./helpers";

type IntakeResult = z.infer<typeof ZAlertmanagerIntakeResult>;

async function shoot(page: Page, testInfo: TestInfo, name: string) {
  await page.screenshot({ path: testInfo.outputPath(`${name}.png`), fullPage: true });
}

/** Signs an API client in with the credentials flow (its CSRF token, its cookie), as e2e/api.spec.ts does. */
async function apiSignIn(request: APIRequestContext, role: "operator" | "viewer") {
  const { csrfToken } = (await (await request.get("/api/auth/csrf")).json()) as { csrfToken: string };
  await request.post("/api/auth/callback/credentials", { form: { csrfToken, email: `${role}@interlock.local`, password: `interlock-${role}`, json: "true" }, maxRedirects: 0 });
  expect((await request.get("/api/v1/me")).status()).toBe(200);
}

const entry = (page: Page, kind: string) => page.locator(`[data-testid="timeline-entry"][data-kind="${kind}"]`);

/** One Alertmanager webhook notification (payload version 4) with one alert. */
function notification(alert: { status: "firing" | "resolved"; labels: Record<string, string>; fingerprint: string; startsAt: string; endsAt?: string }) {
  return {
    version: "4",
    groupKey: `{}:{alertname="${alert.labels.alertname}", service="${alert.labels.service}"}`,
    truncatedAlerts: 0,
    status: alert.status,
    receiver: "interlock",
    groupLabels: { alertname: alert.labels.alertname, service: alert.labels.service },
    commonLabels: alert.labels,
    commonAnnotations: { summary: "5xx above 5 % on payment-service" },
    externalURL: "http://alertmanager.example:9093",
    alerts: [
      {
        status: alert.status,
        labels: alert.labels,
        annotations: { summary: "5xx above 5 % on payment-service" },
        startsAt: alert.startsAt,
        endsAt: alert.endsAt ?? "0001-01-01T00:00:00Z",
        generatorURL: "http://prometheus.example:9090/graph?g0.expr=rate",
        fingerprint: alert.fingerprint,
      },
    ],
  };
}

test.describe("incidents", () => {
  test("an operator opens an incident in the console, acknowledges it and resolves it with a note: the timeline and the measured MTTR", async ({ page, baseURL }, testInfo) => {
    const title = `Search latency above 2 s (e2e ${Date.now()})`;
    await signIn(page, "operator", "/incidents");
    await expect(page.getByRole("heading", { level: 1, name: "Incidents" })).toBeVisible();

    await page.getByRole("button", { name: "Open incident" }).click();
    const form = page.getByRole("form", { name: "Open an incident" });
    await form.getByLabel("Title").fill(title);
    // Without a service the server refuses, and says why next to the form.
    await form.getByRole("button", { name: "Open incident" }).click();
    await expect(form.getByRole("alert")).toContainText("service");
    await expect(form.getByLabel("Service").locator("option", { hasText: "payment-service" })).toHaveCount(1);
    await form.getByLabel("Service").selectOption("search-service");
    await form.getByLabel("Severity").selectOption("WARNING");
    await form.getByLabel("Note (optional)").fill("p99 latency on the search dashboard");
    await form.getByRole("button", { name: "Open incident" }).click();

    await expect(page).toHaveURL(/\/incidents\/[0-9a-f-]{36}$/);
    const id = new URL(page.url()).pathname.split("/").pop()!;
    const header = page.locator("main header");
    await expect(page.getByRole("heading", { level: 1 })).toContainText(title);
    await expect(header.getByTestId("incident-source")).toHaveText("Console");
    await expect(header.getByTestId("incident-status")).toHaveText("OPEN");
    await expect(entry(page, "DETECTED")).toContainText(`Detected in the console: ${title}`);
    await expect(entry(page, "NOTE")).toContainText("p99 latency on the search dashboard");
    await expect(page.getByTestId("incident-mttr")).toContainText("not resolved");
    await expect(page.getByTestId("manual-baseline")).toHaveText("45 min");
    await expect(page.getByRole("button", { name: "Acknowledge" })).toBeEnabled();

    // Acknowledge: the move, its time and who on the timeline; acknowledging again is no longer offered.
    await page.getByRole("button", { name: "Acknowledge" }).click();
    await expect(header.getByTestId("incident-status")).toHaveText("ACKNOWLEDGED");
    await expect(entry(page, "ACKNOWLEDGED")).toContainText("operator@interlock.local");
    await expect(page.getByRole("button", { name: "Acknowledge" })).toBeDisabled();
    await expect(page.getByRole("button", { name: "Mark mitigating" })).toBeEnabled();
    await expect(page.getByTestId("incident-tta")).toHaveText(/\d/);

    // Resolve with a note: final, with the measured MTTR beside the manual baseline.
    await page.getByLabel("Note (optional)").fill("Restarted the search pods; latency back under 300 ms");
    await page.getByRole("button", { name: "Resolve" }).click();
    await expect(header.getByTestId("incident-status")).toHaveText("RESOLVED");
    await expect(page.getByTestId("incident-final")).toContainText("Resolved by operator@interlock.local");
    await expect(entry(page, "RESOLVED")).toContainText("operator@interlock.local");
    await expect(entry(page, "NOTE").filter({ hasText: "Restarted the search pods" })).toContainText("Note (resolved)");
    await expect(page.getByTestId("incident-note")).toHaveCount(2);
    await expect(page.getByRole("button", { name: "Resolve" })).toHaveCount(0);
    const detail = (await (await page.request.get(`/api/v1/incidents/${id}`)).json()) as TIncidentDetail;
    expect(detail.incident).toMatchObject({ status: "RESOLVED", source: "CONSOLE", resolvedBy: "operator@interlock.local" });
    expect(detail.mttrSeconds).not.toBeNull();
    expect(detail.timeline.map((e) => e.kind)).toEqual(["DETECTED", "NOTE", "ACKNOWLEDGED", "NOTE", "RESOLVED"]);
    await expect(page.getByTestId("incident-mttr")).toHaveText(/^(\d+(\.\d)? s|\d+ min( \d+ s)?)$/);
    await expect(page.getByTestId("mttr-versus-manual")).toContainText(/less than the manual baseline of 45 min \(\d+× faster\)/);
    await shoot(page, testInfo, "incident-resolved");

    // In the list: its source and status, and the source filter.
    await page.getByRole("link", { name: "← Incidents" }).click();
    const row = page.getByTestId("incident-row").filter({ hasText: title });
    await expect(row.getByTestId("incident-source")).toHaveText("Console");
    await expect(row.getByTestId("incident-status")).toHaveText("RESOLVED");
    await page.getByLabel("Source").selectOption("ALERTMANAGER");
    await expect(row).toHaveCount(0);
    await page.getByLabel("Source").selectOption("CONSOLE");
    await expect(row).toHaveCount(1);
    await expect(page.getByTestId("incident-row").getByTestId("incident-source").filter({ hasNotText: "Console" })).toHaveCount(0);
    await shoot(page, testInfo, "incidents-console");

    // A move the server refuses: the page shows a stale OPEN (live updates held back) while the incident is resolved elsewhere.
    const other = await page.request.post("/api/v1/incidents", { headers: { origin: baseURL! }, data: { service: "search-service", title: `Stale page (e2e ${Date.now()})` } });
    expect(other.status(), await other.text()).toBe(201);
    const { id: otherId } = (await other.json()) as { id: string };
    await page.route("**/api/v1/events", (route) => route.abort());
    await page.goto(`/incidents/${otherId}`);
    await expect(header.getByTestId("incident-status")).toHaveText("OPEN");
    const elsewhere = await page.request.patch(`/api/v1/incidents/${otherId}`, { headers: { origin: baseURL! }, data: { status: "RESOLVED", note: "fixed elsewhere" } });
    expect(elsewhere.status(), await elsewhere.text()).toBe(200);
    await page.getByRole("button", { name: "Mark mitigating" }).click();
    const refused = page.getByTestId("move-error");
    await expect(refused).toContainText("409 INVALID_TRANSITION");
    await expect(refused).toContainText("resolved already");
    await expect(header.getByTestId("incident-status")).toHaveText("RESOLVED");
    await expect(page.getByTestId("incident-final")).toBeVisible();
    await expect(refused).toBeVisible();
    await shoot(page, testInfo, "incident-refused");
    await page.unroute("**/api/v1/events");
  });

  test("a viewer sees incidents and rules without buttons, and the server refuses their moves", async ({ page, request, baseURL }) => {
    await apiSignIn(request, "operator");
    const opened = await request.post("/api/v1/incidents", { headers: { origin: baseURL! }, data: { service: "user-service", title: `Viewer check (e2e ${Date.now()})`, severity: "INFO" } });
    expect(opened.status(), await opened.text()).toBe(201);
    const { id } = (await opened.json()) as { id: string };

    await signIn(page, "viewer", `/incidents/${id}`);
    // A signed-in person opened it (through the API with their session): its source is CONSOLE; a token's would be API.
    await expect(page.locator("main header").getByTestId("incident-source")).toHaveText("Console");
    await expect(page.getByTestId("incident-needs-operator")).toContainText("need the operator role");
    for (const name of ["Acknowledge", "Mark mitigating", "Resolve"]) await expect(page.getByRole("button", { name })).toHaveCount(0);
    const refused = await page.request.patch(`/api/v1/incidents/${id}`, { headers: { origin: baseURL! }, data: { status: "ACKNOWLEDGED" } });
    expect(refused.status()).toBe(403);

    await page.goto("/incidents");
    await expect(page.getByRole("heading", { level: 1, name: "Incidents" })).toBeVisible();
    await expect(page.getByRole("button", { name: "Open incident" })).toHaveCount(0);
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Rules" }).click();
    await expect(page.getByRole("heading", { level: 1, name: "Remediation rules" })).toBeVisible();
    await expect(page.getByRole("button", { name: "New rule" })).toHaveCount(0);

    // Tidy up: the operator resolves it.
    expect((await request.patch(`/api/v1/incidents/${id}`, { headers: { origin: baseURL! }, data: { status: "RESOLVED" } })).status()).toBe(200);
  });
});

test.describe("remediation rules and Alertmanager", () => {
  test("an admin adds a dry-run rule; an Alertmanager alert opens an incident live, and the dry-run match shows on the rule and on the incident", async ({ page, request, baseURL }, testInfo) => {
    const stamp = Date.now();
    const name = `e2e roll back payments ${stamp}`;
    const alertname = `E2EPaymentErrors${stamp}`;
    await signIn(page, "admin", "/rules");
    await expect(page.getByRole("heading", { level: 1, name: "Remediation rules" })).toBeVisible();
    await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Rules" })).toHaveAttribute("aria-current", "page");

    await page.getByRole("button", { name: "New rule" }).click();
    const form = page.getByRole("form", { name: "New remediation rule" });
    await form.getByLabel("Name", { exact: true }).fill(name);
    // A rule that matches every alert is refused by the server, which says why.
    await form.getByRole("button", { name: "Create rule" }).click();
    await expect(form.getByRole("alert")).toContainText("say at least one of alertname, service, severity or labels");
    await expect(form.getByLabel("Mode", { exact: true })).toHaveValue("DRY_RUN");
    await form.getByLabel("Alert name", { exact: true }).fill(alertname);
    await form.getByLabel("Service", { exact: true }).fill("payment-service");
    await form.getByLabel("Severity", { exact: true }).fill("critical");
    await form.getByLabel("Other labels", { exact: true }).fill("team=payments");
    await form.getByLabel("Operation type", { exact: true }).selectOption("ROLLBACK");
    // A line that is not key=value is caught before anything is sent.
    await form.getByLabel("Parameters", { exact: true }).fill("toVersion");
    await form.getByRole("button", { name: "Create rule" }).click();
    await expect(form.getByRole("alert").first()).toContainText("Parameters, line 1: write key=value");
    await form.getByLabel("Parameters", { exact: true }).fill("toVersion={{labels.previous_version}}\nreason={{alertname}} on {{service}} ({{incident.key}})");
    await form.getByLabel("Priority", { exact: true }).selectOption("HIGH");
    await form.getByLabel("Max per incident", { exact: true }).fill("1");
    await form.getByLabel("Max per service per hour", { exact: true }).fill("2");
    await form.getByRole("button", { name: "Create rule" }).click();

    await expect(page).toHaveURL(/\/rules\/[0-9a-f-]{36}$/);
    const ruleId = new URL(page.url()).pathname.split("/").pop()!;
    await expect(page.getByRole("heading", { level: 1, name })).toBeVisible();
    await expect(page.getByTestId("rule-mode")).toHaveText("Dry run");
    await expect(page.getByTestId("rule-match")).toHaveText(`alertname=${alertname}, service=payment-service, severity=critical, team=payments`);
    // (parameters in the order the store keeps them)
    await expect(page.getByTestId("rule-operation")).toContainText(/^ROLLBACK /);
    await expect(page.getByTestId("rule-operation")).toContainText("toVersion={{labels.previous_version}}");
    await expect(page.getByTestId("rule-operation")).toContainText("reason={{alertname}} on {{service}} ({{incident.key}})");
    await expect(page.getByTestId("rule-operation")).toContainText(/\(priority HIGH\)$/);
    await expect(page.getByTestId("breaker-state")).toHaveAttribute("data-tripped", "false");
    await expect(page.getByText("No alert has matched this rule yet.")).toBeVisible();

    // Alertmanager's receiver calls with an operator's API token.
    const created = await page.request.post("/api/v1/tokens", { headers: { origin: baseURL! }, data: { name: `e2e-alertmanager-${stamp}`, role: "OPERATOR" } });
    expect(created.status(), await created.text()).toBe(201);
    const { token } = (await created.json()) as { token: string };

    // The incidents page is open when the alert fires: the incident appears without a reload.
    await page.goto("/incidents");
    await expect(page.getByTestId("live-status")).toHaveAttribute("data-state", "live");
    await page.evaluate(() => ((window as unknown as { __notReloaded?: boolean }).__notReloaded = true));
    const labels = { alertname, service: "payment-service", severity: "critical", team: "payments", previous_version: "2.3.1", instance: "payment-7f9c" };
    const fingerprint = `e2e${stamp.toString(16)}`;
    const startsAt = new Date(Date.now() - 90_000).toISOString();
    const delivered = await request.post("/api/v1/integrations/alertmanager", { headers: { authorization: `Bearer ${token}` }, data: notification({ status: "firing", labels, fingerprint, startsAt }) });
    expect(delivered.status(), await delivered.text()).toBe(200);
    const result = (await delivered.json()) as IntakeResult;
    expect(result.groups).toHaveLength(1);
    expect(result.groups[0]).toMatchObject({ service: "payment-service", result: "opened" });
    expect(result.remediations).toEqual([expect.objectContaining({ rule: name, fingerprint, outcome: "DRY_RUN", operationId: null })]);
    const incidentKey = result.groups[0]!.incidentKey!;
    const incidentId = result.groups[0]!.incidentId!;

    const row = page.getByTestId("incident-row").filter({ hasText: incidentKey });
    await expect(row.getByTestId("incident-source")).toHaveText("Alertmanager");
    await expect(row.getByTestId("incident-status")).toHaveText("OPEN");
    await expect(row).toContainText("payment-service");
    await expect(row).toContainText("CRITICAL");
    expect(await page.evaluate(() => (window as unknown as { __notReloaded?: boolean }).__notReloaded)).toBe(true);
    await page.getByLabel("Source").selectOption("ALERTMANAGER");
    await expect(row).toHaveCount(1);
    await expect(page.getByTestId("incident-row").getByTestId("incident-source").filter({ hasNotText: "Alertmanager" })).toHaveCount(0);
    await shoot(page, testInfo, "incidents-alertmanager");

    // The rule: its dry-run match, with the incident it was for, and nothing submitted.
    await page.goto("/rules");
    const ruleRow = page.getByTestId("rule-row").filter({ hasText: name });
    await expect(ruleRow.getByTestId("rule-matches-last-hour")).toHaveText("1");
    await expect(ruleRow.getByTestId("rule-mode")).toHaveText("Dry run");
    await expect(ruleRow).toContainText("Closed");
    await shoot(page, testInfo, "rules");
    await ruleRow.getByRole("link", { name }).click();
    await expect(page).toHaveURL(new RegExp(`/rules/${ruleId}$`));
    const match = page.getByTestId("match-row");
    await expect(match).toHaveCount(1);
    await expect(match.getByTestId("match-outcome")).toHaveText("DRY_RUN");
    await expect(match).toContainText("Dry run: recorded what would have been submitted");
    await expect(match.getByRole("link", { name: /^operation / })).toHaveCount(0);
    await shoot(page, testInfo, "rule-dry-run");

    // The incident: its source, the alert with its labels, the rule's match and the timeline.
    await match.getByRole("link", { name: incidentKey }).click();
    await expect(page).toHaveURL(new RegExp(`/incidents/${incidentId}$`));
    await expect(page.locator("main header").getByTestId("incident-source")).toHaveText("Alertmanager");
    const alert = page.getByTestId("alert-row");
    await expect(alert).toHaveCount(1);
    await expect(alert).toHaveAttribute("data-fingerprint", fingerprint);
    await expect(alert).toContainText("firing");
    await expect(alert).toContainText("team=payments");
    await expect(alert).toContainText("previous_version=2.3.1");
    await expect(alert).toContainText("5xx above 5 % on payment-service");
    const incidentMatch = page.getByTestId("match-row");
    await expect(incidentMatch.getByTestId("match-outcome")).toHaveText("DRY_RUN");
    await expect(incidentMatch.getByRole("link", { name })).toHaveAttribute("href", `/rules/${ruleId}`);
    await expect(entry(page, "ALERT_FIRING")).toContainText(`Alert ${alertname} firing`);
    await expect(entry(page, "REMEDIATION")).toContainText(`Rule "${name}" matched: ROLLBACK recorded as a dry run (nothing submitted)`);
    await expect(page.getByTestId("incident-mttr")).toContainText("not resolved");
    await shoot(page, testInfo, "incident-alertmanager");

    // Alertmanager says the alert resolved: the open page shows the incident resolved, with its MTTR.
    const resolved = await request.post("/api/v1/integrations/alertmanager", { headers: { authorization: `Bearer ${token}` }, data: notification({ status: "resolved", labels, fingerprint, startsAt, endsAt: new Date().toISOString() }) });
    expect(resolved.status(), await resolved.text()).toBe(200);
    expect(((await resolved.json()) as IntakeResult).groups[0]).toMatchObject({ incidentId, result: "resolved" });
    await expect(page.locator("main header").getByTestId("incident-status")).toHaveText("RESOLVED");
    await expect(entry(page, "ALERT_RESOLVED")).toContainText(`Alert ${alertname} resolved`);
    await expect(entry(page, "RESOLVED")).toBeVisible();
    await expect(page.getByTestId("incident-mttr")).toHaveText(/^(\d+(\.\d)? s|\d+ min( \d+ s)?)$/);
    await expect(page.getByTestId("mttr-versus-manual")).toContainText("less than the manual baseline of 45 min");
    await shoot(page, testInfo, "incident-alertmanager-resolved");

    // The incident settings: a bad baseline is refused naming the field; the baseline in force is kept.
    await page.goto("/settings");
    const settings = page.getByRole("form", { name: "Incident settings" });
    await expect(settings.getByLabel("Manual baseline (minutes)")).toHaveValue("45");
    await expect(settings.getByLabel("Service label")).toHaveValue("service");
    await settings.getByLabel("Manual baseline (minutes)").fill("0");
    await settings.getByRole("button", { name: "Save incident settings" }).click();
    await expect(settings.getByRole("alert")).toContainText("manualMttrMinutes");
    await settings.getByLabel("Manual baseline (minutes)").fill("45");
    await settings.getByRole("button", { name: "Save incident settings" }).click();
    await expect(settings.getByRole("status")).toContainText("Saved at");
    await expect(settings.getByRole("alert")).toHaveCount(0);

    // An edit: the form holds the rule as stored, and the page shows the change once saved.
    await page.goto(`/rules/${ruleId}`);
    await page.getByRole("button", { name: "Edit rule" }).click();
    const edit = page.getByRole("form", { name: `Edit rule ${name}` });
    await expect(edit.getByLabel("Other labels", { exact: true })).toHaveValue("team=payments");
    await expect(edit.getByLabel("Max per incident", { exact: true })).toHaveValue("1");
    await edit.getByLabel("Max per incident", { exact: true }).fill("3");
    await edit.getByRole("button", { name: "Save rule" }).click();
    await expect(edit).toHaveCount(0);
    await expect(page.getByTestId("breaker-state")).toContainText("at most 3 per incident, 2 per service per hour");
    await expect(page.getByTestId("rule-mode")).toHaveText("Dry run");

    // The rule goes; the incident keeps its history in the audit trail.
    await page.getByRole("button", { name: "Delete rule" }).click();
    await page.getByRole("group", { name: `Delete ${name}?` }).getByRole("button", { name: "Delete" }).click();
    await expect(page).toHaveURL(/\/rules$/);
    await expect(page.getByTestId("rule-row").filter({ hasText: name })).toHaveCount(0);
  });
});
