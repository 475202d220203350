// A real Prometheus (Debian's package) scrapes the built server's /api/metrics
// and evaluates the shipped alert rules: AuditHashChainBroken stays quiet on a
// valid chain, fires once a row is tampered with in the database and a
// verification is recorded, and clears after the row is put back. Runs on the
// Postgres project, whose database the test can reach to tamper with.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, test, type APIRequestContext } from "@playwright/test";
import pg from "pg";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { PROMETHEUS_BIN, startPrometheus, type RunningPrometheus } from "../server/testing/prometheus";

const root = path.resolve(import.meta.dirname, "..");
const adminUrl = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
const e2eDatabaseUrl = (() => {
  const url = new URL(adminUrl);
  url.pathname = `/interlock_e2e${process.env.E2E_DB_SUFFIX ?? ""}`;
  return url.toString();
})();

async function signIn(request: APIRequestContext) {
  const { csrfToken } = (await (await request.get("/api/auth/csrf")).json()) as { csrfToken: string };
  await request.post("/api/auth/callback/credentials", { form: { csrfToken, email: "approver@interlock.local", password: "interlock-approver", json: "true" }, maxRedirects: 0 });
}

test.describe("Prometheus on /api/metrics", () => {
  let prometheus: RunningPrometheus | null = null;
  let tmp = "";

  test.afterAll(async () => {
    await prometheus?.stop();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  test("scrapes the server and fires AuditHashChainBroken when the chain is tampered with", async ({ request, baseURL }, testInfo) => {
    test.skip(testInfo.project.name !== "postgres", "tampers with the database, which only the Postgres project can reach from outside the server");
    test.setTimeout(120_000);
    expect(fs.existsSync(PROMETHEUS_BIN), `install Debian's prometheus (${PROMETHEUS_BIN})`).toBe(true);
    await signIn(request);

    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "interlock-e2e-prometheus-"));
    const rules = parseYaml(fs.readFileSync(path.join(root, "deploy/prometheus/interlock-alerts.yml"), "utf8")) as { groups: { interval?: string; rules: { alert: string; for?: string }[] }[] };
    for (const group of rules.groups) {
      group.interval = "1s";
      for (const rule of group.rules) if (rule.alert === "AuditHashChainBroken") rule.for = "0s"; // the shipped 1m, shortened for the test
    }
    fs.writeFileSync(path.join(tmp, "rules.yml"), stringifyYaml(rules));
    const target = new URL(baseURL!).host;
    const running = await startPrometheus({
      dir: tmp,
      config: {
        global: { scrape_interval: "1s", evaluation_interval: "1s" },
        rule_files: [path.join(tmp, "rules.yml")],
        scrape_configs: [{ job_name: "interlock", metrics_path: "/api/metrics", scrape_timeout: "1s", static_configs: [{ targets: [target] }] }],
      },
    });
    prometheus = running;
    const promApi = async <T>(query: string): Promise<T> => {
      const body = (await (await fetch(`${running.url}${query}`)).json()) as { status: string; data: T };
      if (body.status !== "success") throw new Error(`${query}: ${JSON.stringify(body)}`);
      return body.data;
    };
    const value = async (promql: string) => {
      const data = await promApi<{ result: { value: [number, string] }[] }>(`/api/v1/query?query=${encodeURIComponent(promql)}`);
      return data.result.length === 1 ? Number(data.result[0]!.value[1]) : null;
    };
    const firing = async () => (await promApi<{ alerts: { labels: { alertname: string }; state: string }[] }>("/api/v1/alerts")).alerts.filter((a) => a.state === "firing").map((a) => a.labels.alertname);
    const poll = { timeout: 60_000, intervals: [250, 500, 1000] };

    const verify = async () => ((await (await request.post("/api/v1/audit/verify", { headers: { origin: baseURL! } })).json()) as { valid: boolean }).valid;
    expect(await verify()).toBe(true);
    await expect.poll(() => value('up{job="interlock"}').catch(() => null), { ...poll, message: `Prometheus scrapes the server (${running.log().slice(-500)})` }).toBe(1);
    await expect.poll(() => value("audit_events_total"), poll).toBeGreaterThan(0);
    await expect.poll(() => value("hash_chain_valid"), poll).toBe(1);
    expect(await firing()).not.toContain("AuditHashChainBroken");

    const db = new pg.Client({ connectionString: e2eDatabaseUrl });
    await db.connect();
    try {
      const { rows } = await db.query<{ seq: string; action: string }>("SELECT seq::text, action FROM audit_events ORDER BY seq LIMIT 1 OFFSET 1");
      const row = rows[0]!;
      await db.query("UPDATE audit_events SET action = $2 WHERE seq = $1", [row.seq, `${row.action}.tampered`]);
      expect(await verify()).toBe(false);
      await expect.poll(() => value("hash_chain_valid"), poll).toBe(0);
      await expect.poll(firing, poll).toContain("AuditHashChainBroken");

      await db.query("UPDATE audit_events SET action = $2 WHERE seq = $1", [row.seq, row.action]);
      expect(await verify()).toBe(true);
      await expect.poll(() => value("hash_chain_valid"), poll).toBe(1);
      await expect.poll(firing, poll).not.toContain("AuditHashChainBroken");
    } finally {
      await db.end();
    }
  });
});
