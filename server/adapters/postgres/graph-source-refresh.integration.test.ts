// The source refresh against Postgres with the real parts: the catalog read
// from a directory by CatalogSource, the one apply path (applyGraphChange over
// PostgresGraphChangeStore), the runs and held changes store and the audit
// chain. The TRACES reader is a test double of the reader only (what
// Prometheus answers is docs/graph-traces.md's and its own tests'); the refresh
// is what is under test.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CatalogSource } from "../backstage-catalog/read-catalog";
import { PostgresGraphChangeStore } from "./graph-change-store";
import { PostgresGraphSourceStore } from "./graph-source-store";
import { auditFixture } from "../../testing/audit";
import { openTestStore, type TestStore } from "../../testing/stores";
import { ManualClock } from "../../core/clock";
import { AppError } from "../../core/errors";
import { applyGraphChange } from "../../core/graph/apply-graph-change";
import { diffTopology } from "../../core/graph/diff-topology";
import { documentProvenance } from "../../core/graph/document-target";
import type { ObservedEdge } from "../../core/graph/live-graph-types";
import type { TopologySpec } from "../../core/topology/types";
import { approveHeldChange } from "../../core/graph-sources/approve-held-change";
import { graphDrift } from "../../core/graph-sources/graph-drift";
import { listGraphSources } from "../../core/graph-sources/list-graph-sources";
import type { SourceReader } from "../../core/graph-sources/ports";
import { refreshSources, type RefreshDeps } from "../../core/graph-sources/refresh-sources";
import { rejectHeldChange } from "../../core/graph-sources/reject-held-change";
import { tracesAssertion } from "../../core/graph-sources/traces/traces-assertion";

const DAY = 86_400_000;
const ADMIN = { actor: "admin@example.com", role: "ADMIN" as const };

let store: TestStore;
let audit: ReturnType<typeof auditFixture>;
let dir: string;
const clock = new ManualClock("2026-12-07T12:00:00.000Z");
let changes: PostgresGraphChangeStore;
let sources: PostgresGraphSourceStore;
let observed: ObservedEdge[] = [];

const declared: TopologySpec = {
  services: [
    { name: "api", tier: 1, criticality: "CRITICAL", team: "edge", description: "front door" },
    { name: "checkout", tier: 2, criticality: "HIGH", team: "shop", description: "checkout" },
  ],
  dependencies: [{ from: "api", to: "checkout", kind: "SYNC_API" }],
  resourceGroups: [],
};

function component(name: string, dependsOn: string[] = [], fields = { tier: 3, criticality: "MEDIUM", team: "payments", description: `${name} service` }): string {
  return `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: ${name}
  description: ${fields.description}
  annotations:
    interlock.dev/tier: "${fields.tier}"
    interlock.dev/criticality: ${fields.criticality}
spec:
  type: service
  lifecycle: production
  owner: group:default/${fields.team}
${dependsOn.length ? `  dependsOn:\n${dependsOn.map((d) => `    - ${d}`).join("\n")}\n` : ""}`;
}

/** checkout as the file declares it: in the catalog too, so catalog components may depend on it. */
const CHECKOUT = component("checkout", [], { tier: 2, criticality: "HIGH", team: "shop", description: "checkout" });

/** Writes the catalog directory anew: one file per entity. */
function writeCatalog(entities: Record<string, string>): void {
  for (const f of fs.readdirSync(dir)) fs.rmSync(path.join(dir, f));
  for (const [name, text] of Object.entries(entities)) fs.writeFileSync(path.join(dir, `${name}.yaml`), text);
}

const RESOURCE = `apiVersion: backstage.io/v1alpha1
kind: Resource
metadata:
  name: ledger-db
  description: ledger database
spec:
  type: database
  owner: group:default/payments
`;

function catalogReader(): SourceReader {
  const catalog = new CatalogSource([dir]);
  return { source: "CATALOG", description: `catalog ${dir}`, read: () => catalog.read() };
}

function tracesReader(): SourceReader {
  return { source: "TRACES", description: "test traces", read: async () => ({ assertion: tracesAssertion(observed, { origin: "Prometheus test: traces_service_graph_request_total over 1h", window: "1h" }) }) };
}

/** One replica's refresh: its own dependencies over the shared database. */
function deps(readers: SourceReader[] = [catalogReader(), tracesReader()], removals: "review" | "auto" = "review"): RefreshDeps {
  return {
    readers,
    graph: changes,
    applyChange: (request) => applyGraphChange({ changes, audit: audit.log, clock }, request),
    store: sources,
    audit: audit.log,
    clock,
    newId: () => crypto.randomUUID(),
    config: { ageOutMs: 7 * DAY, removals },
  };
}

const heldDeps = () => ({ graph: changes, applyChange: deps().applyChange, store: sources, audit: audit.log, clock });
const rejectDeps = () => ({ changes, store: sources, audit: audit.log, clock });

async function actions(): Promise<string[]> {
  const rows = await store.db.query<{ action: string }>(`SELECT action FROM audit_events ORDER BY seq`);
  return rows.map((r) => r.action);
}
const count = (list: string[], action: string) => list.filter((a) => a === action).length;

async function provenanceOf(kind: string, key: string): Promise<{ source: string; origin: string }[]> {
  return store.db.query(`SELECT source::text AS source, origin FROM graph_provenance WHERE element_kind = $1::"GraphElementKind" AND element_key = $2 ORDER BY source`, [kind, key]);
}

// The embedded store (PGlite, one connection) runs the same refreshes as Postgres.
describe.each(["postgres", "pglite"] as const)("the source refresh (%s)", (kind) => {
  beforeAll(async () => {
    store = await openTestStore(kind, "graph_sources", { poolSize: 6 });
    audit = auditFixture(store.db);
    changes = new PostgresGraphChangeStore(store.db);
    sources = new PostgresGraphSourceStore(store.db);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "interlock-catalog-"));
    const empty: TopologySpec = { services: [], dependencies: [], resourceGroups: [] };
    await applyGraphChange(
      { changes, audit: audit.log, clock },
      { baseRevision: 0, diff: diffTopology(empty, declared), provenance: documentProvenance(declared, "FILE", "topology.yaml", clock.now()), source: "FILE", origin: "topology.yaml", actor: "test" },
    );
  });

  afterAll(async () => {
    await audit?.log.settle();
    audit?.cleanup();
    await store?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  describe("a catalog refresh", () => {
    it("applies what the catalog adds, with CATALOG provenance, in one graph.changed event", async () => {
      writeCatalog({ ledger: component("ledger", ["component:payments", "resource:ledger-db"]), payments: component("payments", ["component:checkout"]), refunds: component("refunds"), db: RESOURCE, checkout: CHECKOUT });
      const before = count(await actions(), "graph.changed");
      const [run] = await refreshSources(deps([catalogReader()]), { trigger: "MANUAL", actor: "admin@example.com" });
      expect(run!.problems).toEqual([]);
      expect(run!.outcome).toBe("APPLIED");
      expect(run!.applied!.services.added.map((s) => s.name)).toEqual(["ledger", "payments", "refunds"]);
      expect(run!.applied!.edges.added.map((e) => `${e.from}->${e.to}`)).toEqual(["ledger->payments", "payments->checkout"]);
      expect(run!.applied!.groups.added).toEqual([{ name: "ledger-db", kind: "DATABASE", description: "ledger database", members: ["ledger"] }]);
      const graph = await changes.load();
      expect(graph.revision).toBe(run!.revision);
      expect(graph.topology.services.map((s) => s.name)).toEqual(["api", "checkout", "ledger", "payments", "refunds"]);
      expect(await provenanceOf("SERVICE", "payments")).toEqual([{ source: "CATALOG", origin: expect.stringContaining("payments") }]);
      // Declared by both, unchanged: the catalog's row is added, nothing else.
      expect((await provenanceOf("SERVICE", "checkout")).map((p) => p.source)).toEqual(["FILE", "CATALOG"].sort());
      expect(run!.applied!.services.changed).toEqual([]);
      expect(count(await actions(), "graph.changed")).toBe(before + 1);
    });

    it("changes nothing when refreshed again with the same catalog", async () => {
      const revision = await changes.revision();
      const events = (await actions()).length;
      const [run] = await refreshSources(deps([catalogReader()]), { trigger: "INTERVAL", actor: "system" });
      expect(run!.outcome).toBe("NO_CHANGE");
      expect(run!.applied).toBeNull();
      expect(run!.heldChangeId).toBeNull();
      expect(await changes.revision()).toBe(revision);
      expect((await actions()).length).toBe(events);
    });

    it("holds the removal of a component the catalog no longer has, once, and approval removes it", async () => {
      writeCatalog({ ledger: component("ledger", ["component:payments", "resource:ledger-db"]), payments: component("payments", ["component:checkout"]), db: RESOURCE, checkout: CHECKOUT });
      const revision = await changes.revision();
      const [held] = await refreshSources(deps([catalogReader()]), { trigger: "INTERVAL", actor: "system" });
      expect(held!.outcome).toBe("HELD");
      expect(held!.heldChangeId).not.toBeNull();
      expect(await changes.revision()).toBe(revision);
      expect((await changes.load()).topology.services.map((s) => s.name)).toContain("refunds");
      const change = await sources.getHeld(held!.heldChangeId!);
      expect(change).toMatchObject({ source: "CATALOG", status: "PENDING", reason: expect.stringMatching(/^no longer declared by CATALOG/) });
      expect(change!.diff.services.removed.map((s) => s.name)).toEqual(["refunds"]);

      // The same catalog again: the same pending change, no second one.
      const [again] = await refreshSources(deps([catalogReader()]), { trigger: "INTERVAL", actor: "system" });
      expect(again).toMatchObject({ outcome: "NO_CHANGE", heldChangeId: held!.heldChangeId });
      expect((await sources.listHeld(0)).map((h) => h.id)).toEqual([held!.heldChangeId]);

      // A removal the store refuses (say, operations still refer to the service) leaves the change pending, audited.
      const refusing = { ...heldDeps(), applyChange: () => Promise.reject(new AppError("CONFLICT", "operations refer to refunds", { services: ["refunds"] })) };
      const refused = await approveHeldChange(refusing, held!.heldChangeId!, {}, ADMIN).catch((e: unknown) => e);
      expect((refused as AppError).code).toBe("CONFLICT");
      expect(await sources.getHeld(held!.heldChangeId!)).toMatchObject({ status: "PENDING", decidedBy: null });
      expect((await actions()).slice(-2)).toEqual(["graph.removal_approved", "graph.removal_approval_failed"]);

      const approved = await approveHeldChange(heldDeps(), held!.heldChangeId!, { note: "decommissioned" }, ADMIN);
      expect(approved.held).toMatchObject({ status: "APPROVED", decidedBy: ADMIN.actor, note: "decommissioned" });
      expect(approved.applied.diff.services.removed.map((s) => s.name)).toEqual(["refunds"]);
      expect((await changes.load()).topology.services.map((s) => s.name)).not.toContain("refunds");
      expect(await provenanceOf("SERVICE", "refunds")).toEqual([]);
      expect((await actions()).slice(-2)).toEqual(["graph.removal_approved", "graph.changed"]);

      const twice = await approveHeldChange(heldDeps(), held!.heldChangeId!, {}, ADMIN).catch((e: unknown) => e);
      expect(twice).toBeInstanceOf(AppError);
      expect((twice as AppError).code).toBe("CONFLICT");
      expect((twice as AppError).message).toContain(`APPROVED by ${ADMIN.actor}`);
      const missing = await approveHeldChange(heldDeps(), crypto.randomUUID(), {}, ADMIN).catch((e: unknown) => e);
      expect((missing as AppError).code).toBe("NOT_FOUND");
      const viewer = await approveHeldChange(heldDeps(), held!.heldChangeId!, {}, { actor: "v", role: "APPROVER" }).catch((e: unknown) => e);
      expect((viewer as AppError).code).toBe("FORBIDDEN");
    });

    it("keeps what an admin rejects, with a CONSOLE row, and never proposes it again", async () => {
      writeCatalog({ ledger: component("ledger", ["resource:ledger-db"]), db: RESOURCE, checkout: CHECKOUT });
      const [held] = await refreshSources(deps([catalogReader()]), { trigger: "INTERVAL", actor: "system" });
      expect(held!.outcome).toBe("HELD");
      const change = (await sources.getHeld(held!.heldChangeId!))!;
      expect(change.diff.services.removed.map((s) => s.name)).toEqual(["payments"]);
      // payments->checkout goes with payments; ledger->payments was the catalog's alone.
      expect(change.diff.edges.removed.map((e) => `${e.from}->${e.to}`)).toEqual(["ledger->payments", "payments->checkout"]);

      const noNote = await rejectHeldChange(rejectDeps(), change.id, {}, ADMIN).catch((e: unknown) => e);
      expect((noNote as AppError).code).toBe("VALIDATION_FAILED");
      const rejected = await rejectHeldChange(rejectDeps(), change.id, { note: "still serves refunds" }, ADMIN);
      expect(rejected.held).toMatchObject({ status: "REJECTED", decidedBy: ADMIN.actor, note: "still serves refunds" });
      expect((await actions()).at(-1)).toBe("graph.removal_rejected");
      expect(await provenanceOf("SERVICE", "payments")).toEqual([
        { source: "CONSOLE", origin: `kept by ${ADMIN.actor} on review ${change.id}` },
        { source: "CATALOG", origin: expect.any(String) },
      ].sort((a, b) => (a.source < b.source ? -1 : 1)));

      const revision = await changes.revision();
      const [next] = await refreshSources(deps([catalogReader()]), { trigger: "INTERVAL", actor: "system" });
      expect(next).toMatchObject({ outcome: "NO_CHANGE", heldChangeId: null });
      expect(await changes.revision()).toBe(revision);
      // The catalog's claim goes; the console's keeps it.
      expect(await provenanceOf("SERVICE", "payments")).toEqual([{ source: "CONSOLE", origin: `kept by ${ADMIN.actor} on review ${change.id}` }]);
      expect((await changes.load()).topology.dependencies.map((e) => `${e.from}->${e.to}`)).toContain("payments->checkout");
      const reRejected = await rejectHeldChange(rejectDeps(), change.id, { note: "again" }, ADMIN).catch((e: unknown) => e);
      expect((reRejected as AppError).code).toBe("CONFLICT");
    });

    it("records a catalog with problems as REFUSED and an unreadable source as FAILED, changing nothing", async () => {
      writeCatalog({ ledger: component("ledger", ["component:nowhere"]), db: RESOURCE, checkout: CHECKOUT });
      // Runs are told apart by when they started: this one comes after the earlier ones.
      clock.advance(1000);
      const revision = await changes.revision();
      const failing: SourceReader = { source: "TRACES", description: "down", read: () => Promise.reject(new Error("connect ECONNREFUSED 127.0.0.1:9")) };
      const [refused, failed] = await refreshSources(deps([catalogReader(), failing]), { trigger: "MANUAL", actor: "admin@example.com" });
      expect(refused).toMatchObject({ source: "CATALOG", outcome: "REFUSED", revision: null });
      expect(refused!.problems[0]).toMatchObject({ file: expect.stringContaining("ledger.yaml"), line: expect.any(Number), message: expect.stringContaining("nowhere") });
      expect(failed).toMatchObject({ source: "TRACES", outcome: "FAILED", message: expect.stringContaining("ECONNREFUSED") });
      expect(await changes.revision()).toBe(revision);
      const view = await listGraphSources({ readers: deps().readers, changes, store: sources, config: { refreshIntervalMs: 300_000, removals: "review" } });
      expect(view.sources.map((s) => [s.source, s.lastRun?.outcome])).toEqual([
        ["CATALOG", "REFUSED"],
        ["TRACES", "FAILED"],
      ]);
      expect(view.refreshIntervalSeconds).toBe(300);
    });

    it("applies one change when two replicas refresh at once, and leaves one pending removal", async () => {
      writeCatalog({ ledger: component("ledger", ["resource:ledger-db"]), db: RESOURCE, checkout: CHECKOUT, audit: component("audit-trail"), fraud: component("fraud") });
      const events = count(await actions(), "graph.changed");
      const runs = (await Promise.all([refreshSources(deps([catalogReader()]), { trigger: "INTERVAL", actor: "system" }), refreshSources(deps([catalogReader()]), { trigger: "MANUAL", actor: "admin@example.com" })])).flat();
      expect(runs.map((r) => r.outcome).sort()).toEqual(["APPLIED", "NO_CHANGE"]);
      expect(count(await actions(), "graph.changed")).toBe(events + 1);

      // Deterministically: replica B applies while replica A is between its read of the graph and its apply.
      // A's apply is refused (the revision moved), A plans again against B's graph and finds nothing left to do.
      writeCatalog({ ledger: component("ledger", ["resource:ledger-db"]), db: RESOURCE, checkout: CHECKOUT, audit: component("audit-trail"), fraud: component("fraud"), risk: component("risk") });
      const a = deps([catalogReader()]);
      let b: Awaited<ReturnType<typeof refreshSources>> = [];
      const applyA = a.applyChange;
      a.applyChange = async (request) => {
        if (b.length === 0) b = await refreshSources(deps([catalogReader()]), { trigger: "INTERVAL", actor: "system" });
        return applyA(request);
      };
      const [runA] = await refreshSources(a, { trigger: "MANUAL", actor: "admin@example.com" });
      expect(b[0]!.outcome).toBe("APPLIED");
      expect(b[0]!.applied!.services.added.map((s) => s.name)).toEqual(["risk"]);
      expect(runA!.outcome).toBe("NO_CHANGE");
      expect(count(await actions(), "graph.changed")).toBe(events + 2);

      writeCatalog({ ledger: component("ledger", ["resource:ledger-db"]), db: RESOURCE, checkout: CHECKOUT });
      const holds = (await Promise.all([refreshSources(deps([catalogReader()]), { trigger: "INTERVAL", actor: "system" }), refreshSources(deps([catalogReader()]), { trigger: "INTERVAL", actor: "system" })])).flat();
      expect(holds.map((r) => r.outcome).sort()).toEqual(["HELD", "NO_CHANGE"]);
      const pending = (await sources.listHeld(0)).filter((h) => h.status === "PENDING");
      expect(pending).toHaveLength(1);
      expect(pending[0]!.diff.services.removed.map((s) => s.name)).toEqual(["audit-trail", "fraud", "risk"]);
      expect(holds.every((r) => r.heldChangeId === pending[0]!.id)).toBe(true);

      // A newer, different proposal supersedes it.
      writeCatalog({ ledger: component("ledger", ["resource:ledger-db"]), db: RESOURCE, checkout: CHECKOUT, fraud: component("fraud") });
      const [newer] = await refreshSources(deps([catalogReader()]), { trigger: "INTERVAL", actor: "system" });
      expect(newer!.outcome).toBe("HELD");
      expect((await sources.getHeld(pending[0]!.id))!.status).toBe("SUPERSEDED");
      expect((await sources.getHeld(newer!.heldChangeId!))!.diff.services.removed.map((s) => s.name)).toEqual(["audit-trail", "risk"]);
      expect((await actions()).slice(-2)).toEqual(["graph.removal_superseded", "graph.removal_held"]);
    });
  });

  describe("a traces refresh", () => {
    it("adds observed edges at once, reports edges to unknown services as drift, and holds an edge not seen past the age-out", async () => {
      observed = [
        { client: "ledger", server: "checkout", kind: "SYNC_API", requests: 120, failedRequests: 0 },
        { client: "ledger", server: "stripe-proxy", kind: "SYNC_API", requests: 40, failedRequests: 2 },
      ];
      const [run] = await refreshSources(deps([tracesReader()]), { trigger: "INTERVAL", actor: "system" });
      expect(run!.outcome).toBe("APPLIED");
      expect(run!.applied!.edges.added).toEqual([{ from: "ledger", to: "checkout", kind: "SYNC_API" }]);
      expect(run!.unresolved).toEqual([expect.objectContaining({ from: "ledger", to: "stripe-proxy", missing: ["stripe-proxy"] })]);
      expect(await provenanceOf("EDGE", "ledger->checkout")).toEqual([{ source: "TRACES", origin: expect.stringContaining("Prometheus test") }]);

      const drift = await graphDrift({ changes, store: sources, tracesConfigured: true });
      expect(drift.observedNotDeclared).toEqual([
        { from: "ledger", to: "checkout", kind: "SYNC_API", inGraph: true, lastSeenAt: clock.now(), requests: 120, reason: "observed in traffic; no source declares it" },
        { from: "ledger", to: "stripe-proxy", kind: "SYNC_API", inGraph: false, lastSeenAt: run!.startedAt, requests: 40, reason: 'observed in traffic; "stripe-proxy" is not a service in the graph' },
      ]);
      // Declared, and not in this read of the traces.
      expect(drift.declaredNotObserved.map((e) => `${e.from}->${e.to}:${e.declaredBy.join(",")}`)).toEqual(["api->checkout:FILE", "ledger->payments:CONSOLE", "payments->checkout:CONSOLE"]);
      expect((await graphDrift({ changes, store: sources, tracesConfigured: false })).declaredNotObserved).toEqual([]);

      // A read with no edge at all is refused: nothing is applied or aged out.
      observed = [];
      const [empty] = await refreshSources(deps([tracesReader()]), { trigger: "INTERVAL", actor: "system" });
      expect(empty).toMatchObject({ outcome: "REFUSED", problems: [expect.objectContaining({ message: expect.stringContaining("no edge was observed") })] });

      // Traffic on this edge stops (another call goes on). Within the age-out the edge stays; past it, its removal is held.
      observed = [{ client: "api", server: "checkout", kind: "SYNC_API", requests: 500, failedRequests: 0 }];
      clock.advance(6 * DAY);
      const [within] = await refreshSources(deps([tracesReader()]), { trigger: "INTERVAL", actor: "system" });
      expect(within).toMatchObject({ outcome: "NO_CHANGE", heldChangeId: null });
      clock.advance(DAY);
      const [aged] = await refreshSources(deps([tracesReader()]), { trigger: "INTERVAL", actor: "system" });
      expect(aged!.outcome).toBe("HELD");
      const held = (await sources.getHeld(aged!.heldChangeId!))!;
      expect(held.diff.edges.removed).toEqual([{ from: "ledger", to: "checkout", kind: "SYNC_API" }]);
      expect(held.reason).toBe("not observed in traffic for 7d, and no other source has them: removing 1 edge(s) needs an admin's review");
      expect((await changes.load()).topology.dependencies.map((e) => `${e.from}->${e.to}`)).toContain("ledger->checkout");

      // Seen again before anyone decided: approving removes nothing.
      observed = [{ client: "ledger", server: "checkout", kind: "SYNC_API", requests: 15, failedRequests: null }];
      clock.advance(1000);
      const [back] = await refreshSources(deps([tracesReader()]), { trigger: "INTERVAL", actor: "system" });
      expect(back!.outcome).toBe("NO_CHANGE");
      expect((await sources.getHeld(held.id))!.status).toBe("SUPERSEDED");
    });

    it("applies the removal at once with GRAPH_REMOVALS=auto", async () => {
      observed = [{ client: "api", server: "checkout", kind: "SYNC_API", requests: 500, failedRequests: 0 }];
      clock.advance(8 * DAY);
      // A removal the store refuses is held for review instead, saying why.
      const refusing = deps([tracesReader()], "auto");
      const applyChange = refusing.applyChange;
      refusing.applyChange = (request) => (request.diff.edges.removed.length > 0 ? Promise.reject(new AppError("CONFLICT", "refused for the test")) : applyChange(request));
      const [refused] = await refreshSources(refusing, { trigger: "INTERVAL", actor: "system" });
      expect(refused!.outcome).toBe("HELD");
      const held = (await sources.getHeld(refused!.heldChangeId!))!;
      expect(held.reason).toBe("GRAPH_REMOVALS=auto, but the removal was refused: refused for the test");

      const [run] = await refreshSources(deps([tracesReader()], "auto"), { trigger: "INTERVAL", actor: "system" });
      expect(run).toMatchObject({ outcome: "APPLIED", heldChangeId: null });
      expect((await sources.getHeld(held.id))!.status).toBe("SUPERSEDED");
      expect(run!.applied!.edges.removed).toEqual([{ from: "ledger", to: "checkout", kind: "SYNC_API" }]);
      expect(await provenanceOf("EDGE", "ledger->checkout")).toEqual([]);
    });

    it("kept the audit chain whole", async () => {
      await audit.log.settle();
      expect((await audit.verify()).valid).toBe(true);
    });
  });
});
