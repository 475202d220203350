// Notifications survive a process killed with SIGKILL at the worst moments
// (docs/notifications.md): the audit log is the outbox, and a dispatcher's
// notifications and its cursor commit together. Real parts: Postgres, a real
// orchestrator in a child process, the real channel adapters talking to local
// receivers. The child (commit-then-die.ts) kills itself; a fresh dispatcher
// here then delivers each notification exactly once.
import { spawn } from "node:child_process";
import path from "node:path";
import readline from "node:readline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemClock } from "../../core/clock";
import { seedDemoUsers } from "../../core/identity/seed-demo-users";
import type { Notifier } from "../../core/notify/notifier";
import { seedDemoTopology } from "../../core/topology/seed-demo-topology";
import { BcryptPasswordHasher } from "../../adapters/auth/bcrypt-password-hasher";
import { PostgresIdentityStore } from "../../adapters/postgres/identity-store";
import { PrismaMarkerStore, PrismaTopologyStore } from "../../adapters/postgres/topology-store";
import { auditFixture } from "../audit";
import { startReceivers, type Receivers } from "../notify-receivers";
import { openTestStore, type TestStore } from "../stores";
import type { CommitThenDieConfig } from "./commit-then-die";
import { receiverChannelEnv, testNotifier } from "./notifier-fixture";

const ROOT = path.resolve(import.meta.dirname, "../../..");
const CHILD = path.join(import.meta.dirname, "commit-then-die.ts");

let testStore: TestStore;
let receivers: Receivers;
let audit: ReturnType<typeof auditFixture>;
let notifier: Notifier;
let channelEnv: Record<string, string>;
const errors: unknown[] = [];

/** Runs the child to its death; its JSON lines and how it ended. */
async function runChild(config: Omit<CommitThenDieConfig, "databaseUrl">): Promise<{ lines: Record<string, unknown>[]; signal: NodeJS.Signals | null; code: number | null; stderr: string }> {
  const child = spawn(process.execPath, ["--conditions=react-server", "--import", "tsx", CHILD], {
    cwd: ROOT,
    env: { ...process.env, COMMIT_THEN_DIE_CONFIG: JSON.stringify({ ...config, databaseUrl: testStore.url! }) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: Record<string, unknown>[] = [];
  let stderr = "";
  readline.createInterface({ input: child.stdout! }).on("line", (line) => {
    try {
      lines.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      lines.push({ type: "output", line });
    }
  });
  child.stderr!.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4_000)));
  // A child that never reaches its point of death is stopped (and the test fails on its signal, with what it said).
  const stuck = setTimeout(() => {
    lines.push({ type: "stuck" });
    child.kill("SIGTERM");
  }, 45_000);
  const { code, signal } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
  clearTimeout(stuck);
  return { lines, signal, code, stderr };
}

const rowsOf = (where: string, params: unknown[]) =>
  testStore.db.query<{ template: string; channel: string; n: number }>(
    `SELECT template, channel::text AS channel, count(*)::int AS n FROM notifications WHERE ${where} GROUP BY 1, 2 ORDER BY 1, 2`,
    params,
  );
const cursor = async () => Number((await testStore.db.query<{ s: string }>(`SELECT last_seq::text AS s FROM notification_cursors WHERE name = 'notifier'`))[0]!.s);

beforeAll(async () => {
  testStore = await openTestStore("postgres", "notify_crash", { poolSize: 6 });
  receivers = await startReceivers();
  channelEnv = receiverChannelEnv({ httpUrl: receivers.http.url, smtpPort: receivers.smtp.port });
  await seedDemoTopology({ topology: new PrismaTopologyStore(testStore.db.prisma), markers: new PrismaMarkerStore(testStore.db.prisma), now: new Date() });
  await seedDemoUsers({ identities: new PostgresIdentityStore(testStore.db), hasher: new BcryptPasswordHasher(4) });
  audit = auditFixture(testStore.db);
  notifier = testNotifier({ db: testStore.db, channelEnv, audit: audit.log, clock: systemClock, errors });
  // The store's first dispatcher start: the cursor begins at the head.
  expect(await notifier.dispatch()).toBe(0);
});

afterAll(async () => {
  await notifier?.stop();
  await receivers?.close();
  audit?.cleanup();
  await testStore?.close();
});

describe("notifications of a process killed with SIGKILL", () => {
  let operationId: string;

  it("a worker killed right after committing a pause for review: after restart the review request is delivered once per channel", async () => {
    const before = await cursor();
    const paused = await runChild({ mode: "pause", service: "payment-service" });
    expect(paused.signal, JSON.stringify(paused)).toBe("SIGKILL");
    const committed = paused.lines.find((l) => l.type === "committed");
    expect(committed, JSON.stringify(paused)).toBeDefined();
    operationId = committed!.operationId as string;
    const [op] = await testStore.db.query<{ state: string }>(`SELECT state::text FROM operations WHERE id = $1::uuid`, [operationId]);
    expect(op!.state).toBe("PAUSED_FOR_HUMAN_REVIEW");
    // Nothing was queued by the dead process, and the cursor has not moved.
    expect(await rowsOf(`operation_id = $1::uuid`, [operationId])).toEqual([]);
    expect(await cursor()).toBe(before);

    // A dispatcher dies inside its transaction, after enqueuing: nothing of it commits.
    const midway = await runChild({ mode: "mid-dispatch", channelEnv });
    expect(midway.signal, JSON.stringify(midway)).toBe("SIGKILL");
    expect(midway.lines.some((l) => l.type === "dispatching")).toBe(true);
    expect(await rowsOf(`operation_id = $1::uuid`, [operationId])).toEqual([]);
    expect(await cursor()).toBe(before);

    // The restarted dispatcher: each notification once; again, nothing more.
    expect(await notifier.dispatch()).toBeGreaterThan(0);
    expect(await notifier.dispatch()).toBe(0);
    expect(await rowsOf(`operation_id = $1::uuid`, [operationId])).toEqual([
      // The review request: chat, email, and the inboxes of those who can decide (approver, admin).
      { template: "human_review_required", channel: "SLACK", n: 1 },
      { template: "human_review_required", channel: "TEAMS", n: 1 },
      { template: "human_review_required", channel: "EMAIL", n: 1 },
      { template: "human_review_required", channel: "INBOX", n: 2 },
      // The locks it took on the way (INFO: chat only).
      { template: "lock_acquired", channel: "SLACK", n: 1 },
      { template: "lock_acquired", channel: "TEAMS", n: 1 },
      // What caused it (the error-budget gate, ERROR): also PagerDuty, and every user's inbox.
      { template: "safety_gate_failed", channel: "SLACK", n: 1 },
      { template: "safety_gate_failed", channel: "TEAMS", n: 1 },
      { template: "safety_gate_failed", channel: "EMAIL", n: 1 },
      { template: "safety_gate_failed", channel: "PAGERDUTY", n: 1 },
      { template: "safety_gate_failed", channel: "INBOX", n: 4 },
    ].sort((a, b) => a.template.localeCompare(b.template) || a.channel.localeCompare(b.channel)));

    await notifier.deliverDue();
    const forOp = (prefix: string) => receivers.http.of(prefix).filter((r) => JSON.stringify(r.body).includes(operationId));
    expect(forOp("/slack")).toHaveLength(3);
    expect(forOp("/teams")).toHaveLength(3);
    expect(forOp("/pagerduty")).toHaveLength(1);
    expect(receivers.smtp.mails.filter((m) => m.raw.includes(operationId))).toHaveLength(2);
  }, 180_000);

  it("a dispatcher killed after committing its batch, before delivering: the next one neither loses nor repeats it", async () => {
    receivers.http.received.length = 0;
    const record = await audit.log.append({
      category: "LOCK_OPERATION",
      severity: "ERROR",
      actor: "system",
      action: "lock.order_violation",
      service: "payment-service",
      payload: { holderId: "op:00000000-0000-4000-8000-000000000001#1", held: [{ scope: "SERVICE", resource: "payment-service" }], requested: { scope: "SERVICE", resource: "api-gateway" } },
    });
    const died = await runChild({ mode: "after-dispatch", channelEnv });
    expect(died.signal, JSON.stringify(died)).toBe("SIGKILL");
    expect(await cursor()).toBeGreaterThanOrEqual(record.seq);
    expect(await notifier.dispatch()).toBe(0);
    const key = `lock_order_violation:op:00000000-0000-4000-8000-000000000001#1:${record.seq}`;
    expect(await rowsOf(`dedup_key = $1`, [key])).toEqual([
      { template: "lock_order_violation", channel: "EMAIL", n: 1 },
      { template: "lock_order_violation", channel: "INBOX", n: 4 },
      { template: "lock_order_violation", channel: "PAGERDUTY", n: 1 },
      { template: "lock_order_violation", channel: "SLACK", n: 1 },
      { template: "lock_order_violation", channel: "TEAMS", n: 1 },
    ]);
    await notifier.deliverDue();
    expect(receivers.http.of("/slack").filter((r) => JSON.stringify(r.body).includes("Lock order violation"))).toHaveLength(1);
    expect(receivers.http.of("/pagerduty").filter((r) => r.body.dedup_key === key)).toHaveLength(1);
  }, 120_000);

  it("had no background errors", () => {
    expect(errors).toEqual([]);
  });
});
