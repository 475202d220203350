import { describe, expect, it } from "vitest";
import { AppError } from "../errors";
import { FencingGuard } from "./fencing";
import { findDeadlocks, type Waiter } from "./find-deadlocks";
import { leaseValidityLeft, leaseValidUntil } from "./lease-validity";
import { assertLockOrder, canonicalOrder, checkLockOrder } from "./lock-order";
import { orderViolationAuditEvent } from "./order-violation-audit";
import type { LockKey } from "./types";

const key = (scope: LockKey["scope"], resource: string): LockKey => ({ scope, resource });

describe("lock order", () => {
  it("sorts by scope, then alphabetically, without duplicates", () => {
    const order = canonicalOrder([
      key("DEPLOYMENT", "deploy-7"),
      key("SERVICE", "user-service"),
      key("SYSTEM", "postgres_primary"),
      key("SERVICE", "payment-service"),
      key("SERVICE", "user-service"),
    ]);
    expect(order).toEqual([key("SYSTEM", "postgres_primary"), key("SERVICE", "payment-service"), key("SERVICE", "user-service"), key("DEPLOYMENT", "deploy-7")]);
  });

  it("allows the canonical order (SYSTEM before SERVICE, alphabetical within a scope) and re-acquiring a held lock", () => {
    expect(checkLockOrder([key("SYSTEM", "postgres-db")], key("SERVICE", "payment-service"))).toBeNull();
    expect(checkLockOrder([key("SERVICE", "payment-service")], key("SERVICE", "payment-service"))).toBeNull();
    expect(checkLockOrder([key("SERVICE", "payment-service")], key("SERVICE", "user-service"))).toBeNull();
  });

  it("refuses a SERVICE lock while holding a DEPLOYMENT lock, naming both", () => {
    const violation = checkLockOrder([key("SERVICE", "payment-service"), key("DEPLOYMENT", "canary-1")], key("SERVICE", "user-service"));
    expect(violation?.held).toEqual(key("DEPLOYMENT", "canary-1"));
    expect(violation?.message).toBe(
      "Cannot acquire the SERVICE lock on user-service while holding the DEPLOYMENT lock on canary-1: locks are taken in the order SYSTEM → SERVICE → INCIDENT → DEPLOYMENT. Acquire the SERVICE lock on user-service first, or use acquireAll.",
    );
  });

  it("refuses out of alphabetical order within a scope", () => {
    expect(checkLockOrder([key("SERVICE", "user-service")], key("SERVICE", "payment-service"))?.message).toContain("within SERVICE scope, locks are taken in alphabetical order");
  });

  it("throws LOCK_ORDER_VIOLATION with the two locks in the details", () => {
    try {
      assertLockOrder([key("SERVICE", "payment-service")], key("SYSTEM", "postgres-db"));
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).code).toBe("LOCK_ORDER_VIOLATION");
      expect((error as AppError).details).toEqual({ held: key("SERVICE", "payment-service"), requested: key("SYSTEM", "postgres-db") });
    }
  });
});

describe("findDeadlocks", () => {
  const waiters = (entries: [string, Waiter][]) => new Map(entries);

  it("finds no deadlock in a chain of waiters", () => {
    expect(findDeadlocks(new Map([["a", ["b"]], ["b", ["c"]]]), waiters([]))).toEqual([]);
  });

  it("refuses exactly one of two holders waiting for each other: the one that waited least", () => {
    const result = findDeadlocks(new Map([["op-1", ["op-2"]], ["op-2", ["op-1"]]]), waiters([["op-1", { priorityClass: 1, waitingSince: 100 }], ["op-2", { priorityClass: 1, waitingSince: 200 }]]));
    expect(result).toEqual([{ holders: ["op-1", "op-2"], victim: "op-2" }]);
  });

  it("refuses exactly one of three, sparing the more important waiter", () => {
    const result = findDeadlocks(
      new Map([["rollback", ["deploy-a"]], ["deploy-a", ["deploy-b"]], ["deploy-b", ["rollback"]]]),
      waiters([["rollback", { priorityClass: 0, waitingSince: 300 }], ["deploy-a", { priorityClass: 1, waitingSince: 100 }], ["deploy-b", { priorityClass: 1, waitingSince: 50 }]]),
    );
    expect(result).toEqual([{ holders: ["deploy-a", "deploy-b", "rollback"], victim: "deploy-a" }]);
  });

  it("breaks two separate cycles with one victim each, and leaves the waiters outside them alone", () => {
    const result = findDeadlocks(
      new Map([["a", ["b"]], ["b", ["a"]], ["c", ["d"]], ["d", ["c"]], ["e", ["a"]]]),
      waiters([["a", { priorityClass: 1, waitingSince: 1 }], ["b", { priorityClass: 1, waitingSince: 2 }], ["c", { priorityClass: 1, waitingSince: 3 }], ["d", { priorityClass: 1, waitingSince: 4 }], ["e", { priorityClass: 1, waitingSince: 5 }]]),
    );
    expect(result.map((d) => d.victim).sort()).toEqual(["b", "d"]);
  });

  it("does not refuse a bystander queued behind a deadlocked holder: one victim breaks the cycle", () => {
    // h and x deadlock; w queues behind x's lock and is swept into the component.
    // w waited least, yet refusing it would leave h and x stuck: a holder in the cycle goes.
    const result = findDeadlocks(
      new Map([["h", ["x"]], ["x", ["h", "w"]], ["w", ["h"]]]),
      waiters([["h", { priorityClass: 2, waitingSince: 1 }], ["x", { priorityClass: 2, waitingSince: 2 }], ["w", { priorityClass: 2, waitingSince: 3 }]]),
    );
    expect(result).toEqual([{ holders: ["h", "w", "x"], victim: "x" }]);
  });

  it("is deterministic on ties, so every process picks the same victim", () => {
    const tie = { priorityClass: 1, waitingSince: 7 };
    const graph = new Map([["x", ["y"]], ["y", ["x"]]]);
    expect(findDeadlocks(graph, waiters([["x", tie], ["y", tie]]))[0]!.victim).toBe("y");
    expect(findDeadlocks(new Map([...graph].reverse()), waiters([["y", tie], ["x", tie]]))[0]!.victim).toBe("y");
  });
});

describe("FencingGuard", () => {
  it("refuses a write carrying a token lower than the highest seen, per resource", () => {
    const guard = new FencingGuard();
    expect(guard.check("payment-service", 33n)).toEqual({ accepted: true });
    expect(guard.check("payment-service", 34n)).toEqual({ accepted: true });
    expect(guard.check("payment-service", 34n)).toEqual({ accepted: true }); // the same holder writing again
    expect(guard.check("payment-service", 33n)).toEqual({ accepted: false, highest: 34n }); // the paused holder wakes up
    expect(guard.check("user-service", 1n)).toEqual({ accepted: true });
  });
});

describe("lease validity", () => {
  it("counts from the request, less the drift margin", () => {
    const until = leaseValidUntil({ requestedAtMs: 1_000, ttlMs: 300_000 });
    expect(until).toBe(1_000 + 300_000 - 3_000 - 2);
    expect(leaseValidityLeft(until, 1_000)).toBe(296_998);
    expect(leaseValidityLeft(until, until + 5)).toBe(0);
  });
});

describe("order violation audit event", () => {
  it("is an ERROR LOCK_OPERATION by the system, naming the holder, what it held and what it asked for, under the SERVICE lock involved", () => {
    const event = orderViolationAuditEvent({ holderId: "op:42:1", held: [key("SERVICE", "user-service"), key("DEPLOYMENT", "user-service-v2")], requested: key("SYSTEM", "postgres-db") });
    expect(event).toEqual({
      category: "LOCK_OPERATION",
      severity: "ERROR",
      actor: "system",
      action: "lock.order_violation",
      service: "user-service",
      payload: {
        holderId: "op:42:1",
        held: [{ scope: "SERVICE", resource: "user-service" }, { scope: "DEPLOYMENT", resource: "user-service-v2" }],
        requested: { scope: "SYSTEM", resource: "postgres-db" },
      },
    });
    expect(orderViolationAuditEvent({ holderId: "h", held: [key("SERVICE", "b")], requested: key("SERVICE", "a") }).service).toBe("a");
    expect(orderViolationAuditEvent({ holderId: "h", held: [key("INCIDENT", "inc-9")], requested: key("SYSTEM", "db") }).service).toBeNull();
  });
});
