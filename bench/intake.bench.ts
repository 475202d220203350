// `npm run bench -- intake`: Alertmanager's webhook into incidents and remediation
// (docs/incidents.md#alertmanager-intake), on Postgres.
//   - the real use case, receiveAlertmanagerNotification, as the route runs it:
//     its Postgres incident and remediation stores, the incident settings behind
//     the container's 5 s cache, the hash-chained audit log, and a real
//     orchestrator (its worker running, locks on Redis) whose submit() the rules
//     call; on a fresh database with the demo topology (42 services). The route's
//     HTTP and token check are not part of it;
//   - an AUTO remediation rule (ROLLBACK) matching the alerts labelled
//     severity="critical", one notification in BENCH_MATCH_EVERY; the worker runs
//     the rollbacks with an executor that does nothing (as in the orchestrator
//     benchmark), competing for the same CPU and database;
//   - BENCH_SENDERS (8) concurrent senders post BENCH_NOTIFICATIONS notifications
//     of one firing alert each, with a fresh fingerprint, over BENCH_GROUPS alert
//     groups (alertname × service) taken in turn: the first notification of a group
//     opens its incident, the later ones update it;
//   - notifications/s accepted, and for the matching ones the time from a
//     notification's arrival (the call into the use case) to the orchestrator's
//     submit() returning its operation, and to the use case's answer;
//   - per notification: Postgres transactions committed and audit events written,
//     and where the time goes (the intake's batched transactions, in which the
//     rules decide; the submission; the settlement);
//   - the Postgres reference, pg_tx_s (bench/lib/pg-reference.ts), in the same run
//     on the same database.
// One run prints its table, then one JSON line; bench/run.ts repeats it.
import crypto from "node:crypto";
import { openDatabase } from "../server/adapters/postgres/database";
import { PostgresIncidentStore } from "../server/adapters/postgres/incident-store";
import { PrismaIncidentSettingsStore } from "../server/adapters/postgres/incident-settings-store";
import { applyMigrations } from "../server/adapters/postgres/migrate";
import { PostgresRemediationStore } from "../server/adapters/postgres/remediation-store";
import { systemClock } from "../server/core/clock";
import type { OperationExecutor } from "../server/core/executors/ports";
import { getIncidentSettings } from "../server/core/incidents/incident-settings";
import { IntakeWriter } from "../server/core/incidents/intake-writer";
import { receiveAlertmanagerNotification, type IntakeDeps, type IntakeResult } from "../server/core/incidents/receive-alertmanager-notification";
import type { SubmitOperationInput } from "../server/core/operations/submission";
import { createRemediationRule } from "../server/core/remediation/create-remediation-rule";
import { cachedSetting } from "../server/core/settings-cache";
import { orchestratorFixture } from "../server/testing/orchestrator";
import { createTestDatabase } from "../server/testing/postgres";
import { CPU_BASIS, startCpuMeter } from "./lib/cpu";
import { knob } from "./lib/knobs";
import { PG_REFERENCE_DEFINITION, PG_REFERENCE_KEY_DEF, measurePgReference } from "./lib/pg-reference";
import { percentile, round } from "./lib/stats";

const NOTIFICATIONS = knob("BENCH_NOTIFICATIONS", 4_000, 800);
const GROUPS = knob("BENCH_GROUPS", 1_000, 200);
const SENDERS = knob("BENCH_SENDERS", 8);
const MATCH_EVERY = knob("BENCH_MATCH_EVERY", 4);
const WARMUP = knob("BENCH_WARMUP", 200, 100);
const TARGET_NOTIFICATIONS_S = 500;
const TARGET_P99_MS = 250;
/** The audit chain's advisory lock key (server/adapters/postgres/audit-store.ts), for the sampler below. */
const CHAIN_LOCK_KEY = 0x61756474;

const noop: OperationExecutor = { name: "noop", execute: async (ctx) => (ctx.assertFenced(), { status: "SUCCEEDED", summary: "nothing to do", detail: {} }) };

const testDb = await createTestDatabase("bench_intake");
const db = await openDatabase({ kind: "postgres", url: testDb.url, poolSize: 16 });
let fixture: Awaited<ReturnType<typeof orchestratorFixture>> | null = null;
try {
  await applyMigrations(db);
  const reference = await measurePgReference(db);
  const pgTxS = reference.txS;

  fixture = await orchestratorFixture({ db, executors: { ROLLBACK: noop } });
  const { orchestrator, audit } = fixture;
  await orchestrator.start();
  const newId = () => crypto.randomUUID();
  const incidents = new PostgresIncidentStore(db);
  const remediation = new PostgresRemediationStore(db);
  const settingsStore = new PrismaIncidentSettingsStore(db);
  const settings = cachedSetting(() => getIncidentSettings({ incidentSettings: settingsStore }), 5_000);
  await createRemediationRule(
    { remediation, audit: audit.log, clock: systemClock, newId },
    {
      name: "roll back critical alerts",
      mode: "AUTO",
      match: { severity: "critical" },
      operation: { type: "ROLLBACK", params: { toVersion: "1.0.0" } },
      // The highest the API allows: the benchmark measures the intake, not the breaker.
      breaker: { maxPerIncident: 100, maxPerHourPerService: 1000 },
    },
    "admin@bench",
  );
  const services = (await db.query<{ name: string }>(`SELECT name FROM services ORDER BY name`)).map((r) => r.name);

  // When the orchestrator's submit() returned for each match (its idempotency key is remediation:<match id>), and the time spent in it.
  const submittedAt = new Map<string, number>();
  const phases = { submitMs: 0, submits: 0, incidentTxMs: 0, incidentTxs: 0 };
  const submit = async (input: SubmitOperationInput) => {
    const t0 = performance.now();
    const result = await orchestrator.submit(input);
    const t1 = performance.now();
    phases.submitMs += t1 - t0;
    phases.submits++;
    submittedAt.set(input.idempotencyKey ?? "", t1);
    return result;
  };
  // Time spent in the intake's and the rules' transactions (both call their store's transact).
  const timed = <S extends { transact: PostgresIncidentStore["transact"] }>(store: S, ms: "incidentTxMs", n: "incidentTxs"): S =>
    Object.assign(Object.create(store) as S, {
      transact: (async (fn) => {
        const t0 = performance.now();
        try {
          return await store.transact(fn);
        } finally {
          phases[ms] += performance.now() - t0;
          phases[n]++;
        }
      }) as S["transact"],
    });
  const timedIncidents = timed(incidents, "incidentTxMs", "incidentTxs");
  const deps: IntakeDeps = {
    incidents: timedIncidents,
    writer: new IntakeWriter({ incidents: timedIncidents, remediation, audit: audit.log, clock: systemClock, newId }),
    audit: audit.log,
    settings: () => settings.get(),
    clock: systemClock,
    newId,
    remediation: { remediation, submit },
  };

  const notification = (i: number, run: string) => {
    const group = i % GROUPS;
    const service = services[group % services.length]!;
    const alertname = `Bench${run}Alert${Math.floor(group / services.length)}`;
    const labels = { alertname, service, severity: i % MATCH_EVERY === 0 ? "critical" : "warning", instance: `pod-${i}` };
    const startsAt = new Date(Date.now() - 1_000).toISOString();
    return {
      version: "4",
      groupKey: `{}:{alertname="${alertname}", service="${service}"}`,
      status: "firing",
      receiver: "interlock",
      groupLabels: { alertname, service },
      commonLabels: labels,
      commonAnnotations: { summary: "error ratio above 50 %" },
      externalURL: "http://alertmanager.bench:9093",
      alerts: [
        {
          status: "firing",
          labels,
          annotations: { summary: "error ratio above 50 %" },
          startsAt,
          endsAt: "0001-01-01T00:00:00Z",
          generatorURL: "http://prometheus.bench:9090/graph",
          fingerprint: crypto.createHash("sha256").update(`${run}:${i}`).digest("hex").slice(0, 16),
        },
      ],
    };
  };

  interface Sent {
    arrival: number;
    answered: number;
    result: IntakeResult;
  }
  const sendAll = async (count: number, run: string): Promise<Sent[]> => {
    const out: Sent[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: SENDERS }, async () => {
        while (next < count) {
          const i = next++;
          const body = notification(i, run);
          const arrival = performance.now();
          const result = await receiveAlertmanagerNotification(deps, body, "token:alertmanager-bench");
          out.push({ arrival, answered: performance.now(), result });
        }
      }),
    );
    return out;
  };

  // Warm-up (JIT, pools, the graph and settings caches), on groups of their own; then planner statistics.
  await sendAll(WARMUP, "Warm");
  await db.query(`ANALYZE`);
  for (const key of Object.keys(phases) as (keyof typeof phases)[]) phases[key] = 0;

  const pgStat = async () =>
    (await db.query<{ commits: string; auditEvents: string }>(`SELECT (SELECT xact_commit FROM pg_stat_database WHERE datname = current_database())::text AS commits, (SELECT count(*) FROM audit_events)::text AS "auditEvents"`))[0]!;
  const before = await pgStat();
  const meter = await startCpuMeter({ databases: [db] });
  const chainLock = sampleChainLock();
  const t0 = performance.now();
  const sent = await sendAll(NOTIFICATIONS, "Run");
  const seconds = (performance.now() - t0) / 1000;
  const lock = await chainLock.stop();
  const cpu = await meter.stop();
  const after = await pgStat();
  const notificationsS = NOTIFICATIONS / seconds;

  const results = sent.flatMap((s) => s.result.groups.map((g) => g.result));
  const count = (r: string) => results.filter((x) => x === r).length;
  const remediated = sent.filter((s) => s.result.remediations.some((r) => r.operationId));
  const toSubmit = remediated.map((s) => Math.max(...s.result.remediations.filter((r) => r.operationId).map((r) => submittedAt.get(`remediation:${r.matchId}`)! - s.arrival))).sort((a, b) => a - b);
  const toAnswerMatched = remediated.map((s) => s.answered - s.arrival).sort((a, b) => a - b);
  const toAnswerAll = sent.map((s) => s.answered - s.arrival).sort((a, b) => a - b);
  const outcomes = sent.flatMap((s) => s.result.remediations.map((r) => r.outcome));
  const expectedMatches = Array.from({ length: NOTIFICATIONS }, (_, i) => i).filter((i) => i % MATCH_EVERY === 0).length;
  if (remediated.length !== expectedMatches) throw new Error(`${remediated.length} notifications led to a submitted operation, expected ${expectedMatches} (outcomes: ${JSON.stringify(Object.fromEntries([...new Set(outcomes)].map((o) => [o, outcomes.filter((x) => x === o).length])))})`);

  const commitsPerNotification = (Number(after.commits) - Number(before.commits)) / NOTIFICATIONS;
  const auditPerNotification = (Number(after.auditEvents) - Number(before.auditEvents)) / NOTIFICATIONS;
  const nodeCpuMs = (cpu.nodeSeconds * 1000) / NOTIFICATIONS;
  const pgCpuMs = cpu.pgSeconds === null ? null : (cpu.pgSeconds * 1000) / NOTIFICATIONS;

  const operations = await db.query<{ state: string; n: number }>(`SELECT state::text AS state, count(*)::int AS n FROM operations GROUP BY state ORDER BY state`);
  const verification = await audit.verify();

  const p = (sorted: number[], q: number) => Number(percentile(sorted, q).toFixed(2));
  const figures = {
    bench: "intake",
    notifications_s: Math.round(notificationsS),
    to_submit_p50_ms: p(toSubmit, 0.5),
    to_submit_p99_ms: p(toSubmit, 0.99),
    matched_to_answer_p50_ms: p(toAnswerMatched, 0.5),
    matched_to_answer_p99_ms: p(toAnswerMatched, 0.99),
    answer_p50_ms: p(toAnswerAll, 0.5),
    answer_p99_ms: p(toAnswerAll, 0.99),
    pg_tx_s: Math.round(pgTxS),
    pg_tx_def: PG_REFERENCE_KEY_DEF,
    ratio_to_pg_tx: Number((notificationsS / pgTxS).toFixed(3)),
    commits_per_notification: Number(commitsPerNotification.toFixed(2)),
    audit_events_per_notification: Number(auditPerNotification.toFixed(2)),
    incident_tx_ms_per_notification: Number((phases.incidentTxMs / NOTIFICATIONS).toFixed(2)),
    submit_ms_per_match: round(phases.submitMs / Math.max(1, phases.submits), 2),
    chain_lock_held_pct: round(lock.heldPct, 1),
    chain_lock_waiters_avg: round(lock.waitersAvg, 2),
    node_cpu_ms_per_notification: Number(nodeCpuMs.toFixed(3)),
    pg_cpu_ms_per_notification: pgCpuMs === null ? null : Number(pgCpuMs.toFixed(3)),
    opened: count("opened"),
    updated: count("updated"),
    unchanged: count("unchanged"),
    remediations_submitted: remediated.length,
    notifications: NOTIFICATIONS,
    groups: GROUPS,
    senders: SENDERS,
    match_every: MATCH_EVERY,
    targets_met: notificationsS >= TARGET_NOTIFICATIONS_S && percentile(toSubmit, 0.99) <= TARGET_P99_MS,
    audit_chain_valid: verification.valid,
  };
  const line = (name: string, value: string) => console.log(`${name.padEnd(62)} ${value}`);
  console.log(
    `intake benchmark (${NOTIFICATIONS} notifications from ${SENDERS} senders over ${GROUPS} groups, 1 in ${MATCH_EVERY} matching an AUTO ROLLBACK rule; the use case on Postgres, its orchestrator on Postgres + Redis)`,
  );
  line("pg_tx_s, the Postgres reference (definition below)", `${Math.round(pgTxS).toLocaleString("en")} tx/s`);
  line("notifications accepted (200)", `${Math.round(notificationsS).toLocaleString("en")} /s  (${(notificationsS / pgTxS).toFixed(3)} × pg_tx_s; target ≥ ${TARGET_NOTIFICATIONS_S})`);
  line("  incidents opened / updated / unchanged", `${figures.opened} / ${figures.updated} / ${figures.unchanged}`);
  line("arrival → submit() returned, matching notifications p50 / p99", `${figures.to_submit_p50_ms} ms / ${figures.to_submit_p99_ms} ms  (${remediated.length} operations; target p99 ≤ ${TARGET_P99_MS} ms)`);
  line("arrival → answer, matching notifications p50 / p99", `${figures.matched_to_answer_p50_ms} ms / ${figures.matched_to_answer_p99_ms} ms`);
  line("arrival → answer, all notifications p50 / p99", `${figures.answer_p50_ms} ms / ${figures.answer_p99_ms} ms`);
  line("per notification: Postgres commits / audit events", `${figures.commits_per_notification} / ${figures.audit_events_per_notification}  (the worker's commits for the operations included)`);
  line("per notification: time inside the incident store's transactions", `${figures.incident_tx_ms_per_notification} ms  (${phases.incidentTxs} transactions: the intake's and the settlements)`);
  line("per match: submit()", `${figures.submit_ms_per_match} ms`);
  line("audit chain lock: held / average waiters (sampled every 10 ms)", `${figures.chain_lock_held_pct} % of the time / ${figures.chain_lock_waiters_avg}  (${lock.samples} samples)`);
  line("CPU per notification: Node (use case, worker) / Postgres", `${figures.node_cpu_ms_per_notification} / ${figures.pg_cpu_ms_per_notification ?? "n/a"} ms`);
  line("operations by state at the end", operations.map((o) => `${o.state} ${o.n}`).join(", "));
  line("audit chain verifies", String(verification.valid));
  console.log(`pg_tx_s = ${PG_REFERENCE_DEFINITION}`);
  console.log(`(${CPU_BASIS} Postgres backends counted: ${cpu.pgBackends}.)`);
  console.log(JSON.stringify(figures));

  /**
   * How busy the audit chain's lock is (the advisory lock every audited transaction
   * takes to append, held until it commits: server/adapters/postgres/audit-store.ts),
   * sampled from pg_locks on a connection of its own every 10 ms.
   */
  function sampleChainLock(): { stop(): Promise<{ heldPct: number; waitersAvg: number; samples: number }> } {
    let running = true;
    let samples = 0;
    let held = 0;
    let waiters = 0;
    const done = db.withSession(async (session) => {
      while (running) {
        const [row] = await session.query<{ held: number; waiting: number }>(
          `SELECT count(*) FILTER (WHERE granted)::int AS held, count(*) FILTER (WHERE NOT granted)::int AS waiting
             FROM pg_locks WHERE locktype = 'advisory' AND classid = 0 AND objid = $1 AND objsubid = 1`,
          [CHAIN_LOCK_KEY],
        );
        samples++;
        if (row!.held > 0) held++;
        waiters += row!.waiting;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    });
    return {
      async stop() {
        running = false;
        await done;
        return { heldPct: (100 * held) / Math.max(1, samples), waitersAvg: waiters / Math.max(1, samples), samples };
      },
    };
  }
} finally {
  await fixture?.close();
  await db.close();
  await testDb.drop();
}
