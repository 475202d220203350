import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemClock } from "../../core/clock";
import { applyGraphChange } from "../../core/graph/apply-graph-change";
import { applyTopologyDocument } from "../../core/graph/apply-topology-document";
import { CachedGraphIndex } from "../../core/graph/cached-graph-index";
import { diffTopology } from "../../core/graph/diff-topology";
import { diffTopologyDocument } from "../../core/graph/diff-topology-document";
import { generateSyntheticTopology } from "../../core/graph/generate-synthetic-topology";
import { normalizeTopology } from "../../core/graph/normalize-topology";
import { perturbTopology } from "../../core/graph/perturb-topology";
import { DEFAULT_CONFLICT_POLICY } from "../../core/conflicts/policy";
import { DEMO_TOPOLOGY } from "../../core/topology/demo-topology";
import { auditFixture } from "../../testing/audit";
import { openTestStore, type TestStore } from "../../testing/stores";
import { PostgresGraphChangeStore } from "./graph-change-store";
import { applyMigrations, readMigrations } from "./migrate";
import { PostgresGraphStore } from "./postgres-graph-store";

const admin = { actor: "alice", role: "ADMIN" as const };
const keep = { source: "CONSOLE" as const, observed: "keep" as const };

describe.each(["postgres", "pglite"] as const)("PostgresGraphChangeStore on %s", (kind) => {
  let store_: TestStore;
  let changes: PostgresGraphChangeStore;
  let audit: ReturnType<typeof auditFixture>;
  let index: CachedGraphIndex;
  const deps = () => ({ changes, audit: audit.log, clock: systemClock, graphIndex: index, conflictPolicy: async () => DEFAULT_CONFLICT_POLICY });

  beforeAll(async () => {
    store_ = await openTestStore(kind, "graph-changes", { migrate: false });
    // The graph as it stood before this migration: its rows are backfilled as FILE, origin unknown.
    await applyMigrations(store_.db, readMigrations().filter((m) => m.name < "20261207170000"));
    await new PostgresGraphStore(store_.db).replaceTopology(DEMO_TOPOLOGY);
    await applyMigrations(store_.db);
    changes = new PostgresGraphChangeStore(store_.db);
    audit = auditFixture(store_.db);
    index = new CachedGraphIndex(new PostgresGraphStore(store_.db), 30_000, { revision: () => changes.revision(), loadRevisioned: () => changes.loadRevisioned() });
  });
  afterAll(async () => {
    audit?.cleanup();
    await store_?.close();
  });

  it("backfills what was stored before provenance was recorded as FILE rows that say so, at revision 0", async () => {
    const live = await changes.load();
    expect(live.revision).toBe(0);
    expect(live.topology).toEqual(normalizeTopology(DEMO_TOPOLOGY));
    expect(live.provenance).toHaveLength(DEMO_TOPOLOGY.services.length + DEMO_TOPOLOGY.dependencies.length + DEMO_TOPOLOGY.resourceGroups.length);
    expect(live.provenance.every((p) => p.sources.length === 1 && p.sources[0]!.source === "FILE" && p.sources[0]!.origin === "before provenance was recorded")).toBe(true);
  });

  it("applies exactly the diff it previewed, bumps the revision and records the diff in one graph.changed event", async () => {
    const before = await changes.load();
    const next = perturbTopology(before.topology, { share: 0.1, seed: 11 });
    const preview = await diffTopologyDocument(deps(), next, { ...keep, origin: "estate.json" }, admin);
    expect(preview).toMatchObject({ applied: false, revision: null, baseRevision: before.revision });
    const applied = await applyTopologyDocument(deps(), next, { ...keep, origin: "estate.json", expectedRevision: preview.baseRevision }, admin);
    expect(applied).toMatchObject({ applied: true, revision: before.revision + 1, diff: preview.diff });

    const after = await changes.load();
    expect(after.revision).toBe(before.revision + 1);
    expect(after.topology).toEqual(normalizeTopology(next));
    expect(diffTopology(before.topology, after.topology)).toEqual(preview.diff);
    const rows = await store_.db.query<{ payload: unknown; severity: string }>(`SELECT payload, severity::text AS severity FROM audit_events WHERE action = 'graph.changed' ORDER BY seq DESC LIMIT 1`);
    const payload = (typeof rows[0]!.payload === "string" ? JSON.parse(rows[0]!.payload) : rows[0]!.payload) as Record<string, unknown>;
    expect(payload).toMatchObject({ source: "CONSOLE", origin: "estate.json", actor: "alice", baseRevision: before.revision, revision: before.revision + 1, truncated: false });
    expect(payload.diff).toEqual(JSON.parse(JSON.stringify(preview.diff)));
    expect(rows[0]!.severity).toBe("WARNING"); // it removed services
    expect((await audit.verify()).valid).toBe(true);

    // Provenance: every element of the document has a CONSOLE row; removed elements have none left.
    const byKey = new Map(after.provenance.map((p) => [`${p.kind}:${p.key}`, p.sources.map((s) => s.source)]));
    for (const s of next.services) expect(byKey.get(`SERVICE:${s.name}`)).toContain("CONSOLE");
    for (const s of preview.diff.services.removed) expect(byKey.has(`SERVICE:${s.name}`)).toBe(false);
    for (const e of preview.diff.edges.removed) expect(byKey.has(`EDGE:${e.from}->${e.to}`)).toBe(false);
    // The process's index was handed the new graph, at the new revision.
    expect(index.revision).toBe(after.revision);
    expect((await index.current(new Date())).serviceCount).toBe(next.services.length);
  });

  it("refuses a change computed against an older revision (409), and recomputes once when no revision was asked for", async () => {
    const live = await changes.load();
    const next = perturbTopology(live.topology, { share: 0.05, seed: 12 });
    const diff = diffTopology(live.topology, next);
    await expect(
      applyGraphChange(deps(), { baseRevision: live.revision - 1, diff, provenance: { upserts: [], deletes: [] }, source: "CATALOG", origin: "catalog-info.yaml", actor: "system" }),
    ).rejects.toMatchObject({ code: "CONFLICT", details: { expectedRevision: live.revision - 1, revision: live.revision } });
    await expect(applyTopologyDocument(deps(), next, { ...keep, expectedRevision: live.revision - 1 }, admin)).rejects.toMatchObject({ code: "CONFLICT" });
    expect((await changes.load()).revision).toBe(live.revision);

    // A change commits between the document's load and its transaction: computed again once without expectedRevision, refused with one.
    const racing = (times: number) => {
      let left = times;
      return Object.assign(Object.create(changes) as PostgresGraphChangeStore, {
        loadForDocument: async () => {
          const seen = await changes.loadForDocument();
          if (left-- > 0) {
            const first = seen.topology.services[0]!;
            const other = { ...seen.topology, services: seen.topology.services.map((s) => (s === first ? { ...s, description: `${s.description}!` } : s)) };
            await applyGraphChange(deps(), { baseRevision: seen.revision, diff: diffTopology(seen.topology, other), provenance: { upserts: [], deletes: [] }, source: "CATALOG", origin: "race", actor: "other" });
          }
          return seen;
        },
      });
    };
    const retried = await applyTopologyDocument({ ...deps(), changes: racing(1) }, next, keep, admin);
    expect(retried).toMatchObject({ baseRevision: live.revision + 1, revision: live.revision + 2 });
    expect((await changes.load()).topology).toEqual(normalizeTopology(next));
    const again = perturbTopology(next, { share: 0.05, seed: 13 });
    const current = (await changes.load()).revision;
    await expect(applyTopologyDocument({ ...deps(), changes: racing(1) }, again, { ...keep, expectedRevision: current }, admin)).rejects.toMatchObject({ code: "CONFLICT", details: { expectedRevision: current } });
    await expect(applyTopologyDocument({ ...deps(), changes: racing(2) }, again, keep, admin)).rejects.toMatchObject({ code: "CONFLICT" });
    expect((await changes.load()).revision).toBe(current + 3); // only the three racing changes
  });

  it("a document declared again moves lastSeen of every element it holds, without rewriting their rows; firstSeen stays", async () => {
    const base = await changes.load();
    // Later than anything the earlier tests wrote with the system clock.
    const first = new Date(Date.now() + 86_400_000);
    const second = new Date(first.getTime() + 86_400_000);
    const at = (now: Date) => ({ ...deps(), clock: { now: () => now, nowMicros: () => BigInt(now.getTime()) * 1000n } });
    await applyTopologyDocument(at(first), base.topology, { ...keep, origin: "redeclared.yaml" }, admin);
    const doc = perturbTopology(base.topology, { share: 0.05, seed: 77 });
    await applyTopologyDocument(at(second), doc, { ...keep, origin: "redeclared.yaml" }, admin);
    const rows = (await changes.load()).provenance.flatMap((p) => p.sources.filter((s) => s.origin === "redeclared.yaml").map((s) => ({ key: `${p.kind}:${p.key}`, ...s })));
    const elements = doc.services.length + doc.dependencies.length + doc.resourceGroups.length;
    expect(rows).toHaveLength(elements);
    expect(rows.every((r) => r.lastSeenAt.getTime() === second.getTime())).toBe(true);
    // Elements already declared keep when they were first seen; only what the second document added was first seen then.
    const kept = rows.filter((r) => r.firstSeenAt.getTime() < second.getTime());
    expect(kept.length).toBeGreaterThan(elements / 2);
    expect(rows.filter((r) => r.firstSeenAt.getTime() >= second.getTime()).every((r) => r.firstSeenAt.getTime() === second.getTime())).toBe(true);
  });

  it("keeps edges only traffic showed (observed=keep) and drops them with observed=drop", async () => {
    const live = await changes.load();
    const [from, to] = [live.topology.services[0]!.name, live.topology.services[1]!.name];
    const edge = { from, to, kind: "SYNC_API" as const };
    const withEdge = live.topology.dependencies.some((d) => d.from === from && d.to === to) ? live.topology : { ...live.topology, dependencies: [...live.topology.dependencies, edge] };
    const added = diffTopology(live.topology, withEdge);
    const seen = new Date();
    const r = await applyGraphChange(deps(), {
      baseRevision: live.revision,
      diff: added,
      provenance: { upserts: [{ kind: "EDGE", key: `${from}->${to}`, source: "TRACES", origin: "prometheus", seenAt: seen, evidence: { requests: 42 } }], deletes: [{ kind: "EDGE", key: `${from}->${to}`, source: "CONSOLE" }, { kind: "EDGE", key: `${from}->${to}`, source: "FILE" }] },
      source: "TRACES",
      origin: "prometheus",
      actor: "system",
    });
    const document = { ...withEdge, dependencies: withEdge.dependencies.filter((d) => !(d.from === from && d.to === to)) };
    const kept = await applyTopologyDocument(deps(), document, keep, admin);
    expect(kept.keptObserved).toEqual([edge]);
    expect(kept.diff.edges.removed).toEqual([]);
    const provenance = (await changes.load()).provenance.find((p) => p.key === `${from}->${to}`)!;
    expect(provenance.sources).toEqual([expect.objectContaining({ source: "TRACES", evidence: { requests: 42 } })]);
    const dropped = await applyTopologyDocument(deps(), document, { ...keep, observed: "drop" }, admin);
    expect(dropped.diff.edges.removed).toEqual([edge]);
    expect(dropped.revision).toBe(r.revision + 1); // the keep apply changed nothing: same revision
    expect((await changes.load()).provenance.some((p) => p.key === `${from}->${to}`)).toBe(false);
  });

  it("refuses to remove a service an operation refers to, writes nothing, and shows the operation's changed conflicts", async () => {
    const live = await changes.load();
    const [a, b] = live.topology.services.map((s) => s.name).filter((n) => !live.topology.dependencies.some((d) => d.from === n || d.to === n));
    const target = a && b ? [a, b] : [live.topology.services[2]!.name, live.topology.services[3]!.name];
    for (const [i, name] of target.entries()) {
      const id = (await store_.db.query<{ id: string }>(`SELECT id::text AS id FROM services WHERE name = $1`, [name]))[0]!.id;
      await store_.db.prisma.operation.create({ data: { type: "DEPLOYMENT", serviceId: id, actor: "bob", actorKind: "HUMAN", correlationId: `c-${i}`, paramsHash: `h-${i}` } });
    }
    const linked = { ...live.topology, dependencies: [...live.topology.dependencies.filter((d) => !(d.from === target[1] && d.to === target[0])), { from: target[1]!, to: target[0]!, kind: "SYNC_API" as const }] };
    const preview = await diffTopologyDocument(deps(), linked, keep, admin);
    if (!live.topology.dependencies.some((d) => d.from === target[1] && d.to === target[0])) expect(preview.inFlight.map((c) => c.service)).toContain(target[1]);

    const without = { ...live.topology, services: live.topology.services.filter((s) => s.name !== target[0]), dependencies: live.topology.dependencies.filter((d) => d.from !== target[0] && d.to !== target[0]), resourceGroups: live.topology.resourceGroups.map((g) => ({ ...g, members: g.members.filter((m) => m !== target[0]) })) };
    await expect(applyTopologyDocument(deps(), without, { ...keep, observed: "drop" }, admin)).rejects.toMatchObject({ code: "CONFLICT", details: { services: [target[0]] } });
    const after = await changes.load();
    expect(after.revision).toBe(live.revision);
    expect(after.topology).toEqual(live.topology);
    await store_.db.prisma.operation.deleteMany({});
  });

  it("applies a 1 % change to a 2,000-service graph row by row: untouched rows keep their ids", async () => {
    const live = await changes.load();
    const big = generateSyntheticTopology({ services: 2_000, dependencies: 8_000, resourceGroups: 20, seed: 5 });
    await applyTopologyDocument(deps(), big, { ...keep, observed: "drop" }, admin);
    const ids = new Map((await store_.db.query<{ k: string; id: string }>(`SELECT f.name || '->' || t.name AS k, d.id::text AS id FROM service_dependencies d JOIN services f ON f.id = d.from_id JOIN services t ON t.id = d.to_id`)).map((r) => [r.k, r.id]));
    const next = perturbTopology(big, { share: 0.01, seed: 6 });
    const result = await applyTopologyDocument(deps(), next, { ...keep, observed: "drop" }, admin);
    expect(result.revision).toBe(live.revision + 2);
    const after = await store_.db.query<{ k: string; id: string }>(`SELECT f.name || '->' || t.name AS k, d.id::text AS id FROM service_dependencies d JOIN services f ON f.id = d.from_id JOIN services t ON t.id = d.to_id`);
    const kept = after.filter((r) => ids.has(r.k));
    expect(kept.length).toBeGreaterThan(7_000);
    expect(kept.every((r) => ids.get(r.k) === r.id)).toBe(true);
    expect((await changes.load()).topology).toEqual(normalizeTopology(next));
  });
});
