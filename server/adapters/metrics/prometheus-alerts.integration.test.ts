// Interlock's alert rules (docs/operations.md#alerts) as shipped (deploy/prometheus/interlock-alerts.yml),
// checked by Debian's promtool and evaluated by a real Prometheus that scrapes
// Interlock's metrics (createInterlockMetrics over a fresh Postgres database,
// served by a small HTTP server in this process).
//
// The copy of the rules Prometheus loads differs from the shipped file in two
// ways only, so the test takes seconds rather than minutes: the group is
// evaluated every second (instead of 30 s), and the `for` of the two rules
// under test (AuditHashChainBroken: 1m, StuckLock: 5m) is 0s. Every other
// rule keeps its expression and `for`. Prometheus acts on a change only after
// its next scrape and evaluation, so every check polls up to a deadline; no
// timing is asserted.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { verifyAndRecord } from "../../core/audit/verify-and-record";
import { auditFixture } from "../../testing/audit";
import { PROMETHEUS_BIN, PROMTOOL_BIN, requireBinary, retryUntil, startPrometheus, type RunningPrometheus } from "../../testing/prometheus";
import { openTestStore, type TestStore } from "../../testing/stores";
import { PostgresLockStore } from "../postgres/lock-store";
import { createInterlockMetrics, type InterlockMetrics } from "./interlock-metrics";

const RULES_FILE = path.resolve(import.meta.dirname, "../../../deploy/prometheus/interlock-alerts.yml");
const EXAMPLE_CONFIG = path.resolve(import.meta.dirname, "../../../deploy/prometheus/prometheus.yml");
const UNDER_TEST = ["AuditHashChainBroken", "StuckLock"];

interface Rule {
  alert: string;
  expr: string;
  for: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}
interface RulesFile {
  groups: { name: string; interval: string; rules: Rule[] }[];
}

/** The original specification's "Alerting Rules" (docs/operations.md#alerts), word for word, but for StuckLock (see the rules file's header). */
const SPECIFIED_RULES: Rule[] = [
  {
    alert: "HighMTTR",
    expr: "avg_over_time(incident_resolution_seconds[1h]) > 600",
    for: "5m",
    labels: { severity: "warning" },
    annotations: { summary: "MTTR above 10 minutes", description: "Average MTTR is {{ $value }}s (target: <300s)" },
  },
  {
    alert: "LowAutoHealSuccessRate",
    expr: "sum(rate(incidents_auto_resolved[1h])) / sum(rate(incidents_detected[1h])) < 0.80",
    for: "10m",
    labels: { severity: "warning" },
    annotations: { summary: "Auto-heal success rate below 80%", description: "Success rate is {{ $value | humanizePercentage }} (target: >85%)" },
  },
  {
    alert: "HighFalseRollbackRate",
    expr: "sum(rate(rollbacks_incorrect[1h])) / sum(rate(rollbacks_total[1h])) > 0.10",
    for: "5m",
    labels: { severity: "critical" },
    annotations: { summary: "False rollback rate above 10%", description: "False rollback rate is {{ $value | humanizePercentage }} (target: <5%)" },
  },
  {
    alert: "StuckLock",
    // The original specification's max(lock_age_seconds) > 900 drops the labels its description prints.
    expr: "max by (scope, resource_id, holder_id) (lock_age_seconds) > 900",
    for: "5m",
    labels: { severity: "warning" },
    annotations: { summary: "Lock held for more than 15 minutes", description: "Lock {{ $labels.resource_id }} held by {{ $labels.holder_id }} for {{ $value }}s" },
  },
  {
    alert: "AuditHashChainBroken",
    expr: "hash_chain_valid == 0",
    for: "1m",
    labels: { severity: "critical" },
    annotations: { summary: "Audit log tampered", description: "Hash chain validation failed - possible tampering detected" },
  },
  {
    alert: "HighHumanInterventionRate",
    expr: "sum(rate(operations_paused_total[1h])) / sum(rate(operations_started_total[1h])) > 0.20",
    for: "30m",
    labels: { severity: "info" },
    annotations: { summary: "Human intervention rate above 20%", description: "{{ $value | humanizePercentage }} of operations require human review" },
  },
];

let tmp = "";
let store: TestStore;
let metrics: InterlockMetrics;
let fx: ReturnType<typeof auditFixture>;
let exporter: http.Server | null = null;
let scrapeErrors: string[] = [];
let prometheus: RunningPrometheus | null = null;
let prometheusUrl = "";

/** Retries `check` until it stops throwing; after the deadline, fails with its last error, the scrape errors and Prometheus's log. */
const eventually = <T>(check: () => Promise<T>, what: string): Promise<T> =>
  retryUntil(check, what, { prometheus, details: () => `Scrape errors: ${scrapeErrors.slice(-3).join(" | ") || "none"}` });

async function api<T>(pathAndQuery: string): Promise<T> {
  const response = await fetch(`${prometheusUrl}${pathAndQuery}`, { signal: AbortSignal.timeout(5_000) });
  const body = (await response.json()) as { status: string; data: T; error?: string };
  if (body.status !== "success") throw new Error(`${pathAndQuery}: ${body.error ?? response.status}`);
  return body.data;
}

/** The value of an instant query that must return exactly one series. */
async function queryOne(promql: string): Promise<number> {
  const data = await api<{ result: { value: [number, string] }[] }>(`/api/v1/query?query=${encodeURIComponent(promql)}`);
  if (data.result.length !== 1) throw new Error(`${promql}: ${data.result.length} series`);
  return Number(data.result[0]!.value[1]);
}

interface ApiAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: "pending" | "firing";
}
const alerts = async () => (await api<{ alerts: ApiAlert[] }>("/api/v1/alerts")).alerts;

interface ApiRule {
  name: string;
  query: string;
  duration: number;
  health: string;
  lastError?: string;
  state: string;
  lastEvaluation: string;
}
const rules = async () => (await api<{ groups: { name: string; interval: number; rules: ApiRule[] }[] }>("/api/v1/rules?type=alert")).groups.flatMap((g) => g.rules);

describe("the shipped alert rules", () => {
  beforeAll(() => {
    requireBinary(PROMTOOL_BIN, "promtool");
  });

  it("are shipped as originally specified (StuckLock keeps its labels) and pass `promtool check rules`", () => {
    const file = parseYaml(fs.readFileSync(RULES_FILE, "utf8")) as RulesFile;
    expect(file.groups).toHaveLength(1);
    expect(file.groups[0]).toMatchObject({ name: "self_healing", interval: "30s" });
    expect(file.groups[0]!.rules).toEqual(SPECIFIED_RULES);

    const check = spawnSync(PROMTOOL_BIN, ["check", "rules", RULES_FILE], { encoding: "utf8" });
    expect(check.status, `${check.stdout}\n${check.stderr}`).toBe(0);
    expect(check.stdout).toContain("SUCCESS: 6 rules found");
  });

  it("the example configuration that loads them passes `promtool check config`", () => {
    const check = spawnSync(PROMTOOL_BIN, ["check", "config", EXAMPLE_CONFIG], { encoding: "utf8" });
    expect(check.status, `${check.stdout}\n${check.stderr}`).toBe(0);
    expect(check.stdout).toContain("SUCCESS: 6 rules found");
  });
});

describe("the shipped alert rules in a real Prometheus scraping Interlock", () => {
  beforeAll(async () => {
    requireBinary(PROMETHEUS_BIN, "Prometheus");
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "interlock-alerts-"));
    store = await openTestStore("postgres", "prometheus_alerts");
    metrics = createInterlockMetrics({ db: store.db, lockStore: new PostgresLockStore(store.db) });

    // A chain of a few events, verified and the verdict recorded, as the product does.
    fx = auditFixture(store.db);
    for (let i = 1; i <= 5; i++) {
      await fx.log.append({ category: "STATE_TRANSITION", severity: "INFO", actor: "auto-healer", service: "payment-service", action: "operation.transition", payload: { i } });
    }
    expect((await verifyAndRecord({ store: fx.store, sink: fx.sink, publicKey: fx.publicKey, log: fx.log, actor: "alerts-test" })).valid).toBe(true);

    exporter = http.createServer((req, res) => {
      if (req.url !== "/api/metrics") {
        res.writeHead(404).end();
        return;
      }
      metrics.render().then(
        ({ contentType, body }) => res.writeHead(200, { "content-type": contentType }).end(body),
        (error: unknown) => {
          scrapeErrors.push(error instanceof Error ? error.message : String(error));
          res.writeHead(500).end();
        },
      );
    });
    await new Promise<void>((resolve) => exporter!.listen(0, "127.0.0.1", resolve));
    const exporterPort = (exporter.address() as net.AddressInfo).port;

    // The shipped rules, evaluated every second, with the rules under test firing at once.
    const rulesCopy = parseYaml(fs.readFileSync(RULES_FILE, "utf8")) as RulesFile;
    for (const group of rulesCopy.groups) {
      group.interval = "1s";
      for (const rule of group.rules) if (UNDER_TEST.includes(rule.alert)) rule.for = "0s";
    }
    const rulesPath = path.join(tmp, "interlock-alerts.yml");
    fs.writeFileSync(rulesPath, stringifyYaml(rulesCopy));

    prometheus = await startPrometheus({
      dir: tmp,
      config: {
        global: { scrape_interval: "1s", evaluation_interval: "1s" },
        rule_files: [rulesPath],
        scrape_configs: [{ job_name: "interlock", metrics_path: "/api/metrics", scrape_timeout: "1s", static_configs: [{ targets: [`127.0.0.1:${exporterPort}`] }] }],
      },
    });
    prometheusUrl = prometheus.url;
  });

  afterAll(async () => {
    await prometheus?.stop();
    if (exporter) {
      exporter.closeAllConnections();
      await new Promise<void>((resolve) => exporter!.close(() => resolve()));
    }
    await fx?.log.settle();
    fx?.cleanup();
    await store?.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it("loads all six rules, evaluates them without error, and fires none while the chain is valid and no lock is stuck", async () => {
    await eventually(async () => {
      if ((await queryOne('up{job="interlock"}')) !== 1) throw new Error("Interlock is not up");
      expect(await queryOne("hash_chain_valid")).toBe(1);
    }, "hash_chain_valid scraped as 1");
    const scrapedAt = Date.now();

    // Wait for an evaluation of every rule that saw that scrape.
    const loaded = await eventually(async () => {
      const all = await rules();
      expect(all.map((r) => r.name).sort()).toEqual(SPECIFIED_RULES.map((r) => r.alert).sort());
      for (const rule of all) {
        expect(rule.health, `${rule.name}: ${rule.lastError ?? ""}`).toBe("ok");
        expect(Date.parse(rule.lastEvaluation), rule.name).toBeGreaterThan(scrapedAt);
      }
      return all;
    }, "every rule evaluated after the scrape");
    for (const rule of loaded) {
      expect(rule.state, rule.name).toBe("inactive");
      // The copy only zeroed the `for` of the rules under test.
      const specified = SPECIFIED_RULES.find((r) => r.alert === rule.name)!;
      expect(rule.duration, rule.name).toBe(UNDER_TEST.includes(rule.name) ? 0 : parseDuration(specified.for));
    }
    expect(await alerts()).toEqual([]);
  });

  it("fires AuditHashChainBroken once a recorded verification finds the chain tampered with", async () => {
    await store.db.query(`UPDATE audit_events SET payload = jsonb_set(payload, '{i}', '4') WHERE seq = 3`);
    const verdict = await verifyAndRecord({ store: fx.store, sink: fx.sink, publicKey: fx.publicKey, log: fx.log, actor: "alerts-test" });
    expect(verdict).toMatchObject({ valid: false, firstBadSeq: 3, kind: "edited" });

    await eventually(async () => expect(await queryOne("hash_chain_valid")).toBe(0), "hash_chain_valid scraped as 0");
    const firing = await eventually(async () => {
      const alert = (await alerts()).find((a) => a.labels.alertname === "AuditHashChainBroken");
      expect(alert?.state).toBe("firing");
      return alert!;
    }, "AuditHashChainBroken firing");
    expect(firing.labels).toMatchObject({ alertname: "AuditHashChainBroken", severity: "critical", job: "interlock" });
    expect(firing.annotations).toEqual({ summary: "Audit log tampered", description: "Hash chain validation failed - possible tampering detected" });
  });

  it("fires StuckLock for a lease held over 15 minutes, naming the lock and its holder", async () => {
    await store.db.query(
      `INSERT INTO lock_leases (scope, resource, holder_id, mode, fence_token, acquired_at, expires_at)
       VALUES ('SERVICE', 'payment-service', 'op:stuck#1', 'EXCLUSIVE', 1, now() - interval '20 minutes', now() + interval '1 hour')`,
    );
    const firing = await eventually(async () => {
      const alert = (await alerts()).find((a) => a.labels.alertname === "StuckLock");
      expect(alert?.state).toBe("firing");
      return alert!;
    }, "StuckLock firing");
    expect(firing.labels).toEqual({ alertname: "StuckLock", severity: "warning", scope: "SERVICE", resource_id: "payment-service", holder_id: "op:stuck#1" });
    expect(firing.annotations.description).toMatch(/^Lock payment-service held by op:stuck#1 for 1[23]\d\d(\.\d+)?s$/);
    // Nothing else fired on the way.
    expect((await alerts()).map((a) => a.labels.alertname).sort()).toEqual(["AuditHashChainBroken", "StuckLock"]);
  });
});

/** Seconds in a Prometheus duration such as "5m" or "30s". */
function parseDuration(text: string): number {
  const match = /^(\d+)([smh])$/.exec(text);
  if (!match) throw new Error(`unexpected duration ${text}`);
  return Number(match[1]) * { s: 1, m: 60, h: 3600 }[match[2] as "s" | "m" | "h"];
}
