import { describe, expect, it } from "vitest";
import { ApiError, NetworkError, type HeartbeatReply } from "./api-client";
import { heartbeatIntervalMs, LeaseKeeper, type LeaseLoss, type Timers } from "./heartbeat";
import { lease, summary } from "./testing/fakes";

/** A clock that only moves when told; timers fire in order as it passes them. */
class FakeClock implements Timers {
  t = 0;
  private timers: { at: number; fn: () => void; id: number }[] = [];
  private next = 1;
  now = () => this.t;
  setTimeout = (fn: () => void, ms: number) => {
    const id = this.next++;
    this.timers.push({ at: this.t + ms, fn, id });
    return id;
  };
  clearTimeout = (id: unknown) => {
    this.timers = this.timers.filter((x) => x.id !== id);
  };
  /** Moves time forward, firing due timers and letting their promises settle. */
  async advance(ms: number): Promise<void> {
    const until = this.t + ms;
    for (;;) {
      await settle();
      this.timers.sort((a, b) => a.at - b.at);
      const due = this.timers[0];
      if (!due || due.at > until) break;
      this.timers.shift();
      this.t = due.at;
      due.fn();
    }
    this.t = until;
    await settle();
  }
  get pending(): number {
    return this.timers.length;
  }
}

async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

type Answer = "CONTINUE" | "HOLD" | Error;

function keeperWith(answers: Answer[], options: { leaseSeconds?: number } = {}) {
  const clock = new FakeClock();
  const events: string[] = [];
  const sent: { at: number; token: string; timeoutMs: number }[] = [];
  let lost: LeaseLoss | null = null;
  const keeper = new LeaseKeeper({
    leaseSeconds: options.leaseSeconds ?? 30,
    fencingToken: "42",
    timers: clock,
    // The state machine's timings at a third of the lease; the 5 s cap has its own test.
    maxIntervalMs: Number.POSITIVE_INFINITY,
    async send(token, timeoutMs) {
      sent.push({ at: clock.t, token, timeoutMs });
      const answer = answers.shift() ?? "CONTINUE";
      if (answer instanceof Error) throw answer;
      return { lease: lease({ fencingToken: "42", state: answer === "HOLD" ? "HELD" : "ACTIVE" }), instruction: answer, reason: answer === "HOLD" ? "paused by ada" : null, operation: summary({ state: "IN_PROGRESS" }) } satisfies HeartbeatReply;
    },
    onHold: (reason) => events.push(`hold:${reason}`),
    onContinue: () => events.push("continue"),
    onRetry: (_e, attempt, delay) => events.push(`retry:${attempt}:${delay}`),
    onLost: (loss) => {
      lost = loss;
      events.push(`lost:${loss.kind}`);
    },
  });
  return { clock, keeper, events, sent, lost: () => lost };
}

const leaseEnded = () => new ApiError(409, "LEASE_ENDED", "The lease of operation x ended: aborted by ada", { leaseState: "REVOKED" });
const unavailable = () => new ApiError(503, "UNAVAILABLE", "The store does not answer");
const offline = () => new NetworkError("POST http://interlock.test/…/heartbeat: ECONNREFUSED");

describe("the lease keeper", () => {
  it("beats every leaseSeconds/3 with the fencing token while the server says CONTINUE", async () => {
    const k = keeperWith([]);
    k.keeper.start(0);
    await k.clock.advance(35_000);
    expect(k.sent.map((s) => s.at)).toEqual([10_000, 20_000, 30_000]);
    expect(k.sent.every((s) => s.token === "42")).toBe(true);
    expect(k.keeper.state).toBe("RUNNING");
    expect(k.keeper.deadline).toBe(30_000 + 30_000);
  });

  it("can send the first heartbeat at once", async () => {
    const k = keeperWith([]);
    k.keeper.start(0, { beatNow: true });
    await k.clock.advance(10_500);
    expect(k.sent.map((s) => s.at)).toEqual([0, 10_000]);
  });

  it("holds on HOLD, keeps beating while held, and continues on CONTINUE — once each", async () => {
    const k = keeperWith(["CONTINUE", "HOLD", "HOLD", "HOLD", "CONTINUE", "CONTINUE"]);
    k.keeper.start(0);
    await k.clock.advance(10_000);
    expect(k.events).toEqual([]);
    await k.clock.advance(10_000);
    expect(k.events).toEqual(["hold:paused by ada"]);
    expect(k.keeper.state).toBe("HELD");
    await k.clock.advance(20_000);
    expect(k.events).toEqual(["hold:paused by ada"]);
    expect(k.sent).toHaveLength(4);
    await k.clock.advance(20_000);
    expect(k.events).toEqual(["hold:paused by ada", "continue"]);
    expect(k.keeper.state).toBe("RUNNING");
  });

  it("loses the lease at once on a 409, and stops beating", async () => {
    const k = keeperWith(["CONTINUE", leaseEnded()]);
    k.keeper.start(0);
    await k.clock.advance(25_000);
    expect(k.keeper.state).toBe("LOST");
    expect(k.lost()).toEqual({ kind: "ended", status: 409, code: "LEASE_ENDED", message: "The lease of operation x ended: aborted by ada", details: { leaseState: "REVOKED" } });
    await k.clock.advance(60_000);
    expect(k.sent).toHaveLength(2);
    expect(k.clock.pending).toBe(0);
  });

  it("loses it on a stale fencing token while held too", async () => {
    const k = keeperWith(["HOLD", new ApiError(409, "STALE_FENCING_TOKEN", "fencing token 42 is older than 43")]);
    k.keeper.start(0);
    await k.clock.advance(20_000);
    expect(k.events).toEqual(["hold:paused by ada", "lost:ended"]);
    expect(k.lost()).toMatchObject({ code: "STALE_FENCING_TOKEN" });
  });

  it("gives up at once on a refusal that asking again cannot change (401, 404)", async () => {
    const k = keeperWith([new ApiError(401, "UNAUTHENTICATED", "The token was revoked")]);
    k.keeper.start(0);
    await k.clock.advance(10_000);
    expect(k.lost()).toMatchObject({ kind: "refused", status: 401, code: "UNAUTHENTICATED" });
  });

  it("retries network errors and 5xx with growing backoff, and carries on when one gets through", async () => {
    const k = keeperWith([offline(), unavailable(), offline(), "CONTINUE"]);
    k.keeper.start(0);
    await k.clock.advance(10_000);
    await k.clock.advance(500 + 1000 + 2000);
    expect(k.events).toEqual(["retry:1:500", "retry:2:1000", "retry:3:2000"]);
    expect(k.sent.map((s) => s.at)).toEqual([10_000, 10_500, 11_500, 13_500]);
    expect(k.keeper.state).toBe("RUNNING");
    // The deadline now rests on the heartbeat that got through.
    expect(k.keeper.deadline).toBe(13_500 + 30_000);
    await k.clock.advance(10_000);
    expect(k.sent.at(-1)?.at).toBe(23_500);
  });

  it("treats the lease as lost at its deadline when nothing gets through, never trying past it", async () => {
    const failures = Array.from({ length: 100 }, () => offline() as Answer);
    const k = keeperWith(failures, { leaseSeconds: 12 });
    k.keeper.start(0);
    await k.clock.advance(60_000);
    expect(k.keeper.state).toBe("LOST");
    expect(k.lost()).toMatchObject({ kind: "unreachable" });
    expect((k.lost() as { message: string }).message).toMatch(/no heartbeat reached the server before the lease's deadline \(\d+ attempts failed: .*ECONNREFUSED\)/);
    // Last attempt before 12 s; the loss at 12 s exactly.
    expect(Math.max(...k.sent.map((s) => s.at))).toBeLessThan(12_000);
    expect(k.events.at(-1)).toBe("lost:unreachable");
    // Backoff is capped at 5 s and each request may not outlast the deadline.
    expect(k.sent.every((s) => s.at + s.timeoutMs <= 12_000)).toBe(true);
  });

  it("after stop(): no heartbeat, no callback, even for an answer already on its way", async () => {
    let release: (r: HeartbeatReply) => void = () => {};
    const clock = new FakeClock();
    const events: string[] = [];
    const keeper = new LeaseKeeper({
      leaseSeconds: 30,
      fencingToken: "42",
      timers: clock,
      send: () => new Promise((r) => (release = r)),
      onHold: () => events.push("hold"),
      onLost: () => events.push("lost"),
    });
    keeper.start(0);
    await clock.advance(10_000);
    keeper.stop();
    release({ lease: lease(), instruction: "HOLD", reason: null, operation: summary() });
    await clock.advance(60_000);
    expect(events).toEqual([]);
    expect(keeper.state).toBe("STOPPED");
    expect(clock.pending).toBe(0);
  });

  it("beats at least every 5 s however long the lease, so a pause reaches the command quickly", () => {
    expect(heartbeatIntervalMs(60)).toBe(5_000);
    expect(heartbeatIntervalMs(3600)).toBe(5_000);
    expect(heartbeatIntervalMs(12)).toBe(4_000);
    expect(heartbeatIntervalMs(1)).toBe(1_000);
  });

  it("limits each request to the heartbeat interval (10 s at most)", async () => {
    const k = keeperWith([], { leaseSeconds: 3600 });
    k.keeper.start(0);
    await k.clock.advance(1_200_000);
    expect(k.keeper.intervalMs).toBe(1_200_000);
    expect(k.sent[0]?.timeoutMs).toBe(10_000);
  });
});
