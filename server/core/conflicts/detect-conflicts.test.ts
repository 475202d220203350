import { describe, expect, it } from "vitest";
import { AppError } from "../errors";
import { GraphIndex } from "../graph/graph-index";
import type { GraphSnapshot } from "../graph/types";
import { DEMO_TOPOLOGY } from "../topology/demo-topology";
import { decide, detectConflicts } from "./detect-conflicts";
import { DEFAULT_CONFLICT_POLICY, parseConflictPolicy, type ConflictPolicy } from "./policy";
import type { FinishedOperationRef, OperationRef } from "./types";

const now = new Date("2026-11-23T12:00:00Z");
const service = (name: string) => ({ name, tier: 2, criticality: "HIGH" as const, team: "t", description: "" });
const edge = (from: string, to: string) => ({ from, to, kind: "SYNC_API" as const });

// a → b → c → d → e is a chain (e is 4 hops from a); p → a and q → p depend on a;
// z depends on a and on m (so a and m share a dependent); n is isolated;
// a and k share the database, k and n share the cache.
const SMALL: GraphSnapshot = {
  services: ["a", "b", "c", "d", "e", "p", "q", "z", "m", "n", "k"].map(service),
  dependencies: [edge("a", "b"), edge("b", "c"), edge("c", "d"), edge("d", "e"), edge("p", "a"), edge("q", "p"), edge("z", "a"), edge("z", "m")],
  resourceGroups: [
    { name: "db", kind: "DATABASE", description: "", members: ["a", "k"] },
    { name: "cache", kind: "CACHE", description: "", members: ["k", "n"] },
  ],
};
const index = GraphIndex.build(SMALL);

let counter = 0;
const op = (serviceName: string, extra: Partial<OperationRef> = {}): OperationRef => ({
  id: `op-${serviceName}-${++counter}`,
  type: "DEPLOYMENT",
  service: serviceName,
  actor: "alice@example.com",
  createdAt: new Date(now.getTime() - 60_000),
  ...extra,
});
const finished = (serviceName: string, secondsAgo: number): FinishedOperationRef => ({ ...op(serviceName), finishedAt: new Date(now.getTime() - secondsAgo * 1000) });

function check(candidateService: string, inFlight: OperationRef[], options: { finished?: FinishedOperationRef[]; policy?: ConflictPolicy; graph?: GraphSnapshot | GraphIndex } = {}) {
  return detectConflicts({
    candidate: op(candidateService, { id: "candidate" }),
    inFlight,
    recentlyFinished: options.finished ?? [],
    graph: options.graph ?? index,
    policy: options.policy ?? DEFAULT_CONFLICT_POLICY,
    now,
  });
}
const types = (result: ReturnType<typeof check>) => result.conflicts.map((c) => c.type);

describe("detectConflicts on a small graph", () => {
  it("finds nothing when the other operation is unrelated", () => {
    const result = check("a", [op("n"), op("e")]);
    expect(result.conflicts).toEqual([]);
    expect(result.decision).toEqual({ action: "PROCEED", severity: null, notBefore: null });
  });

  it("DIRECT: an operation ahead on the same service makes the candidate wait in line (QUEUE), whatever its type", () => {
    const other = op("a", { type: "MAINTENANCE", state: "IN_PROGRESS" });
    const result = check("a", [other]);
    expect(types(result)).toEqual(["DIRECT"]);
    expect(result.conflicts[0]).toMatchObject({ severity: "CRITICAL", action: "QUEUE", conflictingOperationIds: [other.id], affectedServices: ["a"] });
    expect(result.conflicts[0]!.explanation).toContain(other.id);
    expect(result.conflicts[0]!.explanation).toContain("position 2");
    expect(result.decision).toMatchObject({ action: "QUEUE", severity: "CRITICAL" });
    expect(result.line).toMatchObject({ verdict: "WAIT", position: 2 });
  });

  it("DIRECT set to BLOCK refuses it, as the original rule did", () => {
    const other = op("a");
    const result = check("a", [other], { policy: parseConflictPolicy({ rules: { DIRECT: { action: "BLOCK" } } }) });
    expect(result.conflicts[0]).toMatchObject({ type: "DIRECT", action: "BLOCK" });
    expect(result.decision.action).toBe("BLOCK");
    expect(result.line.verdict).toBe("BLOCK");
  });

  it("DIRECT: a ROLLBACK is not held by a deploy paused before it started, and preempts one that is running", () => {
    const rollback = (inFlight: OperationRef[]) =>
      detectConflicts({ candidate: op("a", { id: "candidate", type: "ROLLBACK", priority: 0, seq: 10n }), inFlight, recentlyFinished: [], graph: index, policy: DEFAULT_CONFLICT_POLICY, now });
    const paused = op("a", { state: "PAUSED_FOR_HUMAN_REVIEW", priority: 2, seq: 1n, started: false });
    expect(rollback([paused]).conflicts).toEqual([]);
    expect(rollback([paused]).line.verdict).toBe("GO");
    const running = op("a", { state: "IN_PROGRESS", priority: 2, seq: 2n, started: true });
    const result = rollback([paused, running]);
    expect(result.conflicts).toEqual([expect.objectContaining({ type: "DIRECT", action: "SUPERSEDE", conflictingOperationIds: [running.id] })]);
    expect(result.line.preempt.map((m) => m.id)).toEqual([running.id]);
    // Even with BLOCK as the rule: a rollback is never refused by the changes it undoes.
    const strict = parseConflictPolicy({ rules: { DIRECT: { action: "BLOCK" } } });
    expect(detectConflicts({ candidate: op("a", { id: "candidate", type: "ROLLBACK", priority: 0, seq: 10n }), inFlight: [paused], recentlyFinished: [], graph: index, policy: strict, now }).decision.action).toBe("PROCEED");
  });

  it("DIRECT: two verifications of one service are not a conflict (they share the lock)", () => {
    const result = detectConflicts({ candidate: op("a", { id: "candidate", type: "VERIFICATION" }), inFlight: [op("a", { type: "VERIFICATION", state: "IN_PROGRESS" })], recentlyFinished: [], graph: index, policy: DEFAULT_CONFLICT_POLICY, now });
    expect(result.conflicts).toEqual([]);
  });

  it("other types only look at work that arrived before the candidate; the line also sees later, more urgent work", () => {
    const later = op("b", { seq: 20n });
    const candidate = op("a", { id: "candidate", seq: 10n });
    expect(detectConflicts({ candidate, inFlight: [later], recentlyFinished: [], graph: index, policy: DEFAULT_CONFLICT_POLICY, now }).conflicts).toEqual([]);
    const urgent = op("a", { type: "REMEDIATION", priority: 1, seq: 20n, queued: true });
    expect(detectConflicts({ candidate, inFlight: [urgent], recentlyFinished: [], graph: index, policy: DEFAULT_CONFLICT_POLICY, now }).line.verdict).toBe("WAIT");
  });

  it("ignores the candidate itself when it is already in the in-flight list", () => {
    const result = detectConflicts({ candidate: op("a", { id: "self" }), inFlight: [op("a", { id: "self" })], recentlyFinished: [], graph: index, policy: DEFAULT_CONFLICT_POLICY, now });
    expect(result.conflicts).toEqual([]);
  });

  it("DEPENDENCY: the candidate depends on the other service through one edge", () => {
    const result = check("a", [op("b")]);
    expect(types(result)).toEqual(["DEPENDENCY"]);
    expect(result.conflicts[0]).toMatchObject({ severity: "HIGH", action: "PAUSE_FOR_REVIEW", affectedServices: ["a", "b"], evidence: { path: ["a", "b"] } });
  });

  it("DEPENDENCY does not fire the other way round (b does not depend on a): that is UPSTREAM", () => {
    expect(types(check("b", [op("a")]))).toEqual(["UPSTREAM"]);
  });

  it("DOWNSTREAM: a transitive dependency 2..3 hops away, with the path; not beyond the depth", () => {
    const result = check("a", [op("c"), op("d"), op("e")]);
    expect(types(result)).toEqual(["DOWNSTREAM", "DOWNSTREAM"]);
    expect(result.conflicts.map((c) => c.evidence.path)).toEqual([
      ["a", "b", "c"],
      ["a", "b", "c", "d"],
    ]);
    expect(result.conflicts[0]!.explanation).toContain("a → b → c");
    // e is 4 hops away: only a deeper policy sees it.
    const deeper = check("a", [op("e")], { policy: parseConflictPolicy({ depth: 4 }) });
    expect(types(deeper)).toEqual(["DOWNSTREAM"]);
  });

  it("UPSTREAM: a service that depends on the candidate, directly or not", () => {
    const result = check("a", [op("p"), op("q")]);
    expect(types(result)).toEqual(["UPSTREAM", "UPSTREAM"]);
    expect(result.conflicts.map((c) => c.evidence.path)).toEqual([
      ["p", "a"],
      ["q", "p", "a"],
    ]);
    expect(result.conflicts[0]).toMatchObject({ severity: "MEDIUM", action: "WARN" });
    expect(result.decision.action).toBe("WARN");
  });

  it("SHARED_RESOURCE: a co-member of one of the candidate's groups; not a member of another group", () => {
    const result = check("a", [op("k"), op("n")]);
    expect(types(result)).toEqual(["SHARED_RESOURCE"]);
    expect(result.conflicts[0]).toMatchObject({ severity: "HIGH", action: "PAUSE_FOR_REVIEW", affectedServices: ["a", "k"], evidence: { resourceGroups: ["db"] } });
    expect(result.conflicts[0]!.explanation).toContain("db");
  });

  it("CASCADE: no path between the two, but a common dependent; not when a path exists", () => {
    const result = check("a", [op("m")]);
    expect(types(result)).toEqual(["CASCADE"]);
    expect(result.conflicts[0]).toMatchObject({ affectedServices: ["a", "m", "z"], evidence: { commonDependents: ["z"] } });
    expect(result.conflicts[0]!.explanation).toContain("z depends on both a and m");
    // b is connected to a by an edge: DEPENDENCY, never CASCADE as well.
    expect(types(check("a", [op("b")]))).not.toContain("CASCADE");
    // n has no dependent at all; c's only dependent b depends on nothing else (q reaches c in 4 hops, beyond the depth).
    expect(types(check("m", [op("n")]))).toEqual([]);
    expect(types(check("c", [op("q")]))).toEqual([]);
  });

  it("TIMING: the same service or a neighbour finished inside the window; not older, not two hops away", () => {
    const recentOnNeighbour = finished("b", 60);
    const result = check("a", [], { finished: [recentOnNeighbour, finished("a", 400), finished("c", 10)] });
    expect(types(result)).toEqual(["TIMING"]);
    expect(result.conflicts[0]).toMatchObject({ severity: "LOW", action: "DELAY", conflictingOperationIds: [recentOnNeighbour.id] });
    expect(result.conflicts[0]!.evidence.notBefore).toBe(new Date(now.getTime() + 240_000).toISOString());
    expect(result.decision).toEqual({ action: "DELAY", severity: "LOW", notBefore: new Date(now.getTime() + 240_000).toISOString() });
    // An upstream neighbour counts too.
    expect(types(check("a", [], { finished: [finished("p", 1)] }))).toEqual(["TIMING"]);
  });

  it("TIMING leaves out the same incident's next step and verifications, which change nothing", () => {
    const remediation = { ...finished("a", 30), correlationId: "corr-incident-7" };
    const candidate = (type: OperationRef["type"], correlationId?: string) =>
      detectConflicts({ candidate: { ...op("a", { id: "candidate" }), type, correlationId }, inFlight: [], recentlyFinished: [remediation], graph: index, policy: DEFAULT_CONFLICT_POLICY, now }).conflicts.map((c) => c.type);
    // The rollback or verification that follows its own remediation is not held back by it…
    expect(candidate("ROLLBACK", "corr-incident-7")).toEqual([]);
    expect(candidate("VERIFICATION", "corr-another")).toEqual([]);
    // …another incident's change still waits for the window.
    expect(candidate("DEPLOYMENT", "corr-another")).toEqual(["TIMING"]);
    expect(candidate("DEPLOYMENT")).toEqual(["TIMING"]);
    // A verification that finished leaves no effects to settle.
    const verification = { ...finished("a", 30), type: "VERIFICATION" as const };
    expect(detectConflicts({ candidate: op("a", { id: "candidate" }), inFlight: [], recentlyFinished: [verification], graph: index, policy: DEFAULT_CONFLICT_POLICY, now }).conflicts).toEqual([]);
  });

  it("returns every conflict, most severe first, and decides by the strictest action", () => {
    const result = check("a", [op("a"), op("b"), op("k"), op("p"), op("m")], { finished: [finished("a", 5)] });
    expect(types(result)).toEqual(["DIRECT", "DEPENDENCY", "SHARED_RESOURCE", "UPSTREAM", "CASCADE", "TIMING"]);
    expect(result.decision).toEqual({ action: "PAUSE_FOR_REVIEW", severity: "CRITICAL", notBefore: null });
  });

  it("applies the policy: a disabled type is not reported, a changed rule changes severity and action", () => {
    const policy = parseConflictPolicy({ rules: { dependency: { enabled: false }, downstream: { severity: "medium", action: "warn" } } });
    const result = check("a", [op("b"), op("c")], { policy });
    expect(result.conflicts.map((c) => [c.type, c.severity, c.action])).toEqual([["DOWNSTREAM", "MEDIUM", "WARN"]]);
  });

  it("never reports the candidate's own service through a cycle", () => {
    const cyclic: GraphSnapshot = { services: ["a", "b"].map(service), dependencies: [edge("a", "b"), edge("b", "a")], resourceGroups: [] };
    const result = check("a", [op("b")], { graph: cyclic });
    expect(types(result)).toEqual(["DEPENDENCY", "UPSTREAM"]);
    // b is both downstream and upstream of a: counted once, in the heavier set; a itself only as direct.
    expect(result.blastRadius.direct).toEqual(["a"]);
    expect(result.blastRadius.downstream).toEqual(["b"]);
    expect(result.blastRadius.upstream).toEqual([]);
  });

  it("refuses a candidate whose service is not in the graph", () => {
    expect(() => check("ghost", [])).toThrowError(AppError);
    try {
      check("ghost", []);
    } catch (error) {
      expect((error as AppError).code).toBe("NOT_FOUND");
    }
  });

  it("each conflict carries the blast radius of both services", () => {
    const result = check("a", [op("k")]);
    const radius = result.conflicts[0]!.blastRadius;
    expect(radius.direct).toEqual(["a", "k"]);
    expect(radius.sharedResource).toEqual(["n"]);
    expect(radius.downstream).toEqual(["b", "c", "d"]);
    expect(radius.upstream).toEqual(["p", "q", "z"]);
  });
});

describe("the reference hidden conflict on the demo topology", () => {
  const demo = GraphIndex.build(DEMO_TOPOLOGY);
  const payment: OperationRef = { id: "op-abc123", type: "DEPLOYMENT", service: "payment-service", actor: "alice@example.com", createdAt: new Date("2026-11-23T11:55:00Z"), params: { version: "1.2.3" } };
  const user: OperationRef = { id: "op-ghi789", type: "DEPLOYMENT", service: "user-service", actor: "bob@example.com", createdAt: now, params: { version: "2.0.0" } };

  it("deploying user-service while payment-service deploys: DEPENDENCY + SHARED_RESOURCE, high, pause for review", () => {
    const result = detectConflicts({ candidate: user, inFlight: [payment], recentlyFinished: [], graph: demo, policy: DEFAULT_CONFLICT_POLICY, now });
    expect(types(result).sort()).toEqual(["DEPENDENCY", "SHARED_RESOURCE"]);
    expect(result.decision).toEqual({ action: "PAUSE_FOR_REVIEW", severity: "HIGH", notBefore: null });
    const dependency = result.conflicts.find((c) => c.type === "DEPENDENCY")!;
    expect(dependency.explanation).toMatch(/^user-service depends on payment-service, which has an in-flight DEPLOYMENT \(op-abc123/);
    expect(dependency.conflictingOperationIds).toEqual(["op-abc123"]);
    const shared = result.conflicts.find((c) => c.type === "SHARED_RESOURCE")!;
    expect(shared.evidence.resourceGroups).toEqual(["postgres_primary"]);
    expect(shared.explanation).toContain("postgres_primary");

    // The blast radius of the two deployments, and where each of the five services the original specification's worked example names sits in it.
    const radius = dependency.blastRadius;
    expect(radius.direct).toEqual(["payment-service", "user-service"]);
    expect(radius.sharedResource).toContain("order-service"); // postgres_primary, with both
    expect(radius.downstream).toContain("invoice-service"); // payment-service → invoice-service
    expect(radius.upstream).toContain("shipping-service"); // shipping-service → order-service → payment-service
    const named = [...radius.direct, ...radius.sharedResource, ...radius.downstream, ...radius.upstream];
    expect(named).toEqual(expect.arrayContaining(["user-service", "payment-service", "order-service", "shipping-service", "invoice-service"]));
    expect(new Set(named).size).toBe(radius.affectedCount);
    expect(radius.percentage).toBeCloseTo((radius.affectedCount / 42) * 100, 1);
  });

  it("the same deployments with no overlap in the graph would proceed: the check is not just 'something is running'", () => {
    const elsewhere: OperationRef = { ...payment, id: "op-x", service: "sms-service" };
    const result = detectConflicts({ candidate: user, inFlight: [elsewhere], recentlyFinished: [], graph: demo, policy: DEFAULT_CONFLICT_POLICY, now });
    expect(result.conflicts).toEqual([]);
  });

  it("workflow 2 of docs/conflicts.md: a second deployment of payment-service is a critical DIRECT conflict and waits in line", () => {
    const second: OperationRef = { ...payment, id: "op-def456", actor: "auto-healer" };
    const result = detectConflicts({ candidate: second, inFlight: [payment], recentlyFinished: [], graph: DEMO_TOPOLOGY, policy: DEFAULT_CONFLICT_POLICY, now });
    expect(result.conflicts[0]).toMatchObject({ type: "DIRECT", severity: "CRITICAL", action: "QUEUE", conflictingOperationIds: ["op-abc123"] });
    expect(result.decision.action).toBe("QUEUE");
  });
});

describe("decide", () => {
  it("prefers BLOCK over PAUSE over DELAY over WARN", () => {
    const base = check("a", [op("b")]).conflicts[0]!;
    expect(decide([{ ...base, action: "WARN", severity: "LOW" }, { ...base, action: "DELAY", severity: "LOW" }]).action).toBe("DELAY");
    expect(decide([{ ...base, action: "DELAY", severity: "MEDIUM" }, { ...base, action: "PAUSE_FOR_REVIEW", severity: "LOW" }])).toEqual({ action: "PAUSE_FOR_REVIEW", severity: "MEDIUM", notBefore: null });
  });
});
