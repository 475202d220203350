import { describe, expect, it } from "vitest";
import { AppError } from "../errors";
import { getConflictPolicy } from "./get-conflict-policy";
import { DEFAULT_CONFLICT_POLICY, parseConflictPolicy } from "./policy";
import type { ConflictPolicyStore } from "./ports";
import { CONFLICT_TYPES } from "./types";
import type { StoreTransaction } from "../audit/ports";
import type { AuditEventInput } from "../audit/types";
import { changeConflictPolicy } from "../settings/change-conflict-policy";

/** An in-memory store: the port is two methods over JSON, this is the whole of it. */
class MemoryPolicyStore implements ConflictPolicyStore {
  value: unknown | null = null;
  writes = 0;
  async read() {
    return this.value === null ? null : structuredClone(this.value);
  }
  async write(policy: unknown, _updatedBy: string, inSameTransaction?: (tx: StoreTransaction) => Promise<void>) {
    this.writes++;
    this.value = structuredClone(policy);
    await inSameTransaction?.({ __storeTransaction: true });
  }
}

function validationIssues(fn: () => unknown): { path: string; message: string }[] {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe("VALIDATION_FAILED");
    return (error as AppError).details.issues as { path: string; message: string }[];
  }
  throw new Error("expected a validation error");
}

describe("conflict policy", () => {
  it("has the defaults of docs/conflicts.md and a rule for every type", () => {
    expect(Object.keys(DEFAULT_CONFLICT_POLICY.rules).sort()).toEqual([...CONFLICT_TYPES].sort());
    // One change at a time per service, in line: DIRECT queues rather than blocks.
    expect(DEFAULT_CONFLICT_POLICY.rules.DIRECT).toEqual({ enabled: true, severity: "CRITICAL", action: "QUEUE" });
    expect(DEFAULT_CONFLICT_POLICY.rules.DEPENDENCY).toEqual({ enabled: true, severity: "HIGH", action: "PAUSE_FOR_REVIEW" });
    expect(DEFAULT_CONFLICT_POLICY.rules.DOWNSTREAM).toEqual({ enabled: true, severity: "HIGH", action: "PAUSE_FOR_REVIEW" });
    expect(DEFAULT_CONFLICT_POLICY.depth).toBe(3);
  });

  it("completes a partial policy from the defaults and accepts the original specification's lower-case spelling", () => {
    const policy = parseConflictPolicy({ rules: { downstream: { severity: "medium", action: "warn" } } });
    expect(policy.rules.DOWNSTREAM).toEqual({ enabled: true, severity: "MEDIUM", action: "WARN" });
    expect(policy.rules.DIRECT).toEqual(DEFAULT_CONFLICT_POLICY.rules.DIRECT);
    expect(parseConflictPolicy({})).toEqual(DEFAULT_CONFLICT_POLICY);
  });

  it("refuses bad values and unknown keys, naming each", () => {
    const issues = validationIssues(() =>
      parseConflictPolicy({ depth: 0, timingWindowSeconds: -1, rules: { DIRECT: { action: "explode" }, DEPENDANCY: { severity: "HIGH" } }, extra: 1 }),
    );
    const paths = issues.map((i) => i.path).sort();
    expect(paths).toEqual(["", "depth", "rules", "rules.DIRECT.action", "timingWindowSeconds"].sort());
    expect(issues.find((i) => i.path === "rules.DIRECT.action")!.message).toContain("BLOCK");
    expect(validationIssues(() => parseConflictPolicy({ depth: 7 }))[0]!.message).toBe("must be at most 6");
    expect(validationIssues(() => parseConflictPolicy("block everything"))).toHaveLength(1);
  });

  it("a change validates before writing, stores the complete policy with its audit event (before and after), and get reads it back", async () => {
    const store = new MemoryPolicyStore();
    const events: AuditEventInput[] = [];
    const deps = { policies: store, audit: { appendInTransaction: async (_tx: StoreTransaction, inputs: AuditEventInput[]) => (events.push(...inputs), []), committed: () => {} } };
    expect(await getConflictPolicy({ policies: store })).toEqual(DEFAULT_CONFLICT_POLICY);
    await expect(changeConflictPolicy(deps, { depth: "three" }, "admin")).rejects.toMatchObject({ code: "VALIDATION_FAILED" });
    expect(store.writes).toBe(0);
    expect(events).toEqual([]);
    const saved = await changeConflictPolicy(deps, { depth: 2, rules: { TIMING: { enabled: false } } }, "admin");
    expect(store.value).toEqual(saved);
    expect(events).toEqual([expect.objectContaining({ action: "settings.conflict_policy_updated", actor: "admin", payload: { before: DEFAULT_CONFLICT_POLICY, after: saved } })]);
    expect(await getConflictPolicy({ policies: store })).toEqual({ ...DEFAULT_CONFLICT_POLICY, depth: 2, rules: { ...DEFAULT_CONFLICT_POLICY.rules, TIMING: { enabled: false, severity: "LOW", action: "DELAY" } } });
  });

  it("a stored policy that no longer validates fails closed instead of falling back to defaults", async () => {
    const store = new MemoryPolicyStore();
    store.value = { depth: 99 };
    await expect(getConflictPolicy({ policies: store })).rejects.toMatchObject({ code: "INTERNAL", message: expect.stringContaining("conflicts.policy") });
  });
});
