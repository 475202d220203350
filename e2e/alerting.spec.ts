// The alerting chain end to end, nothing simulated but the executors: a real
// Prometheus scrapes a one-gauge exporter the test serves and evaluates an
// alerting rule on it; a real Alertmanager routes the alert to the built
// server's webhook with an operator's API token (docs/incidents.md#alertmanager-intake).
// The alert opens an incident, an AUTO remediation rule submits a ROLLBACK
// that completes, the alert clears and the incident is resolved with its MTTR
// from the stored times (docs/incidents.md#remediation-rules, docs/incidents.md#the-timeline).
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, test, type APIRequestContext } from "@playwright/test";
import { stringify as stringifyYaml } from "yaml";
import { ALERTMANAGER_BIN, alertmanagerAlerts, startAlertmanager, startGaugeExporter, type GaugeExporter, type RunningAlertmanager } from "../server/testing/alertmanager";
import { PROMETHEUS_BIN, startPrometheus, type RunningPrometheus } from "../server/testing/prometheus";

// A leaf of the demo estate that no other journey touches or neighbours: its rollback must not start a
// TIMING window (docs/conflicts.md) on a service another journey then deploys.
const SERVICE = "sms-service";
const METRIC = "interlock_test_error_ratio";

interface Incident {
  id: string;
  status: string;
  source: string;
  service: string;
  groupKey: string | null;
  detectedAt: string;
  mitigatingAt: string | null;
  resolvedAt: string | null;
  resolvedBy: string | null;
}
interface IncidentDetail {
  incident: Incident;
  operations: { id: string; type: string; state: string; source: string; incidentId: string | null; correlationId: string }[];
  alerts: { alertname: string; status: string; startsAt: string; endsAt: string | null }[];
  matches: { ruleName: string; outcome: string; operationId: string | null }[];
  timeline: { at: string; kind: string; label: string }[];
  mttrSeconds: number | null;
}

async function signIn(request: APIRequestContext, role: string) {
  const { csrfToken } = (await (await request.get("/api/auth/csrf")).json()) as { csrfToken: string };
  await request.post("/api/auth/callback/credentials", { form: { csrfToken, email: `${role}@interlock.local`, password: `interlock-${role}`, json: "true" }, maxRedirects: 0 });
}

async function json<T>(response: Awaited<ReturnType<APIRequestContext["get"]>>, status: number): Promise<T> {
  const body = await response.text();
  expect(response.status(), `${response.url()}: ${body.slice(0, 500)}`).toBe(status);
  return JSON.parse(body) as T;
}

test.describe("Alertmanager → incident → remediation", () => {
  let prometheus: RunningPrometheus | null = null;
  let alertmanager: RunningAlertmanager | null = null;
  let exporter: GaugeExporter | null = null;
  let tmp = "";

  test.afterAll(async () => {
    await prometheus?.stop();
    await alertmanager?.stop();
    await exporter?.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  test("a firing alert opens an incident, a rule rolls back, the resolved alert closes it with its MTTR", async ({ request, baseURL }) => {
    test.setTimeout(180_000);
    expect(fs.existsSync(PROMETHEUS_BIN), `install Debian's prometheus (${PROMETHEUS_BIN})`).toBe(true);
    expect(fs.existsSync(ALERTMANAGER_BIN), `install Debian's prometheus-alertmanager (${ALERTMANAGER_BIN})`).toBe(true);
    const suffix = crypto.randomBytes(4).toString("hex");
    const alertname = `InterlockE2EErrorRatio_${suffix}`;
    const poll = { timeout: 60_000, intervals: [250, 500, 1000] };
    const logs = () => `\nPrometheus:\n${prometheus?.log().slice(-1500) ?? ""}\nAlertmanager:\n${alertmanager?.log().slice(-1500) ?? ""}`;

    // An admin creates the operator token Alertmanager sends, and an AUTO rule for the alert.
    await signIn(request, "admin");
    const writes = { origin: baseURL! };
    const { token } = await json<{ token: string }>(await request.post("/api/v1/tokens", { headers: writes, data: { name: `alertmanager-e2e-${suffix}`, role: "OPERATOR" } }), 201);
    const rule = await json<{ id: string; name: string; mode: string }>(
      await request.post("/api/v1/remediation-rules", {
        headers: writes,
        data: {
          name: `roll back on ${alertname}`,
          mode: "AUTO",
          match: { alertname },
          operation: { type: "ROLLBACK", params: { toVersion: "1.0.0", reason: "{{alertname}} on {{service}}" } },
          breaker: { maxPerIncident: 2, maxPerHourPerService: 5 },
        },
      }),
      201,
    );
    expect(rule.mode).toBe("AUTO");

    // The exporter, Alertmanager pointed at the built server, Prometheus pointed at both.
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "interlock-e2e-alerting-"));
    exporter = await startGaugeExporter(METRIC, "Share of failed requests, set by the test", 0);
    const am = await startAlertmanager({
      dir: tmp,
      config: {
        route: { receiver: "interlock", group_by: ["alertname", "service"], group_wait: "1s", group_interval: "1s", repeat_interval: "1h" },
        receivers: [
          {
            name: "interlock",
            webhook_configs: [{ url: new URL("/api/v1/integrations/alertmanager", baseURL).toString(), send_resolved: true, http_config: { authorization: { type: "Bearer", credentials: token } } }],
          },
        ],
      },
    });
    alertmanager = am;
    fs.writeFileSync(
      path.join(tmp, "rules.yml"),
      stringifyYaml({
        groups: [
          {
            name: "interlock-e2e",
            interval: "1s",
            rules: [{ alert: alertname, expr: `${METRIC} > 0.5`, for: "0s", labels: { service: SERVICE, severity: "critical" }, annotations: { summary: "Error ratio above 50 %" } }],
          },
        ],
      }),
    );
    const prom = await startPrometheus({
      dir: tmp,
      config: {
        global: { scrape_interval: "1s", evaluation_interval: "1s" },
        rule_files: [path.join(tmp, "rules.yml")],
        alerting: { alertmanagers: [{ static_configs: [{ targets: [new URL(am.url).host] }] }] },
        scrape_configs: [{ job_name: "exporter", scrape_timeout: "1s", static_configs: [{ targets: [exporter.target] }] }],
      },
    });
    prometheus = prom;
    const promQuery = async (promql: string) => {
      const body = (await (await fetch(`${prom.url}/api/v1/query?query=${encodeURIComponent(promql)}`)).json()) as { data: { result: { value: [number, string] }[] } };
      return body.data.result.length === 1 ? Number(body.data.result[0]!.value[1]) : null;
    };
    await expect.poll(() => promQuery(`up{job="exporter"}`).catch(() => null), { ...poll, message: `Prometheus scrapes the exporter${logs()}` }).toBe(1);

    // The error ratio crosses the threshold: the alert fires and reaches the server.
    exporter.set(0.9);
    const findIncident = async () => {
      const page = await json<{ items: Incident[] }>(await request.get(`/api/v1/incidents?source=ALERTMANAGER&service=${SERVICE}&limit=50`), 200);
      return page.items.find((i) => i.groupKey?.includes(alertname)) ?? null;
    };
    await expect.poll(async () => (await findIncident())?.source ?? null, { ...poll, message: `the alert opens an incident${logs()}` }).toBe("ALERTMANAGER");
    const incident = (await findIncident())!;
    expect(incident.service).toBe(SERVICE);
    const detail = async () => json<IncidentDetail>(await request.get(`/api/v1/incidents/${incident.id}`), 200);

    // The rule submits a ROLLBACK for the incident, which the simulated executors complete.
    await expect
      .poll(async () => (await detail()).operations.map((o) => `${o.type} ${o.state}`), { ...poll, message: "the rule's rollback completes" })
      .toEqual(["ROLLBACK COMPLETED"]);
    const mitigated = await detail();
    const operation = mitigated.operations[0]!;
    expect(operation).toMatchObject({ type: "ROLLBACK", source: "RULE", incidentId: incident.id });
    expect(mitigated.matches).toEqual([expect.objectContaining({ ruleName: rule.name, outcome: "SUBMITTED", operationId: operation.id })]);
    expect(mitigated.incident.status).toBe("MITIGATING");
    expect(mitigated.incident.mitigatingAt).not.toBeNull();
    expect(mitigated.alerts).toEqual([expect.objectContaining({ alertname, status: "firing" })]);

    // The ratio drops: Prometheus resolves the alert, Alertmanager sends it resolved, the incident closes.
    exporter.set(0.1);
    await expect.poll(async () => (await detail()).incident.status, { ...poll, message: `the resolved alert resolves the incident${logs()}` }).toBe("RESOLVED");
    const resolved = await detail();
    const { detectedAt, resolvedAt } = resolved.incident;
    expect(resolvedAt).not.toBeNull();
    expect(resolved.incident.resolvedBy).toBe("alertmanager");
    expect(resolved.alerts).toEqual([expect.objectContaining({ alertname, status: "resolved", endsAt: resolvedAt })]);
    expect(resolved.mttrSeconds).toBe((Date.parse(resolvedAt!) - Date.parse(detectedAt)) / 1000);
    expect(resolved.mttrSeconds!).toBeGreaterThan(0);
    const kinds = resolved.timeline.map((e) => e.kind);
    expect(kinds).toEqual(expect.arrayContaining(["DETECTED", "REMEDIATION", "OPERATION", "MITIGATING", "RESOLVED"]));
    expect(kinds[0]).toBe("DETECTED");
    expect(kinds.at(-1)).toBe("RESOLVED");
    // Alertmanager holds the alert no more as active.
    await expect.poll(async () => (await alertmanagerAlerts(am)).filter((a) => a.labels.alertname === alertname && a.status.state === "active").length, poll).toBe(0);
  });
});
