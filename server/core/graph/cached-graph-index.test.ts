import { describe, expect, it } from "vitest";
import { DEMO_TOPOLOGY } from "../topology/demo-topology";
import { CachedGraphIndex } from "./cached-graph-index";
import { diffTopology } from "./diff-topology";
import type { RevisionDiff } from "./graph-change-store";
import { normalizeTopology } from "./normalize-topology";
import { perturbTopology } from "./perturb-topology";
import { GraphIndex } from "./graph-index";
import type { GraphStore } from "./ports";
import type { GraphSnapshot } from "./types";

/** Counts snapshot loads and can fail or be held open on demand. */
class CountingStore implements GraphStore {
  loads = 0;
  fail = false;
  snapshot: GraphSnapshot = DEMO_TOPOLOGY;
  gate: Promise<void> = Promise.resolve();
  async loadSnapshot() {
    this.loads++;
    await this.gate;
    if (this.fail) throw new Error("store down");
    return this.snapshot;
  }
  async findDownstream() {
    return [];
  }
  async findUpstream() {
    return [];
  }
  async replaceTopology(): Promise<never> {
    throw new Error("not used");
  }
}

const t0 = new Date("2026-11-23T12:00:00Z");
const later = (ms: number) => new Date(t0.getTime() + ms);

describe("CachedGraphIndex", () => {
  it("loads once and reuses the index until it is older than the maximum age", async () => {
    const store = new CountingStore();
    const cache = new CachedGraphIndex(store, 30_000);
    const first = await cache.current(t0);
    expect(first.serviceCount).toBe(42);
    expect(await cache.current(later(29_999))).toBe(first);
    expect(store.loads).toBe(1);
    expect(await cache.current(later(30_000))).not.toBe(first);
    expect(store.loads).toBe(2);
  });

  it("shares one load between concurrent callers", async () => {
    const store = new CountingStore();
    let open!: () => void;
    store.gate = new Promise((resolve) => (open = resolve));
    const cache = new CachedGraphIndex(store);
    const both = Promise.all([cache.current(t0), cache.current(t0)]);
    open();
    const [a, b] = await both;
    expect(a).toBe(b);
    expect(store.loads).toBe(1);
  });

  it("reloads after invalidate(), and does not keep a load that an invalidate() overtook", async () => {
    const store = new CountingStore();
    const cache = new CachedGraphIndex(store);
    await cache.current(t0);
    let open!: () => void;
    store.gate = new Promise((resolve) => (open = resolve));
    cache.invalidate();
    const stale = cache.current(t0);
    cache.invalidate(); // the topology changed again while loading
    store.gate = Promise.resolve();
    open();
    await stale;
    const fresh = await cache.current(t0);
    expect(fresh).not.toBe(await stale);
    expect(store.loads).toBe(3);
  });

  it("does not remember a failed load", async () => {
    const store = new CountingStore();
    store.fail = true;
    const cache = new CachedGraphIndex(store);
    await expect(cache.current(t0)).rejects.toThrow("store down");
    store.fail = false;
    expect((await cache.current(t0)).serviceCount).toBe(42);
  });
});

describe("CachedGraphIndex with a revision source", () => {
  /** A revision source whose reads can be counted and held. */
  function revisions(store: CountingStore) {
    const state = { revision: 1, reads: 0, gate: Promise.resolve() as Promise<void> };
    const source = {
      checkEveryMs: 1_000,
      revision: async () => {
        state.reads++;
        await state.gate;
        return state.revision;
      },
      loadRevisioned: async () => {
        const revision = state.revision;
        return { revision, topology: await store.loadSnapshot() };
      },
    };
    return { state, source };
  }
  const settle = () => new Promise((resolve) => setImmediate(resolve));

  it("reads the revision at most once per interval, off the check's path, and reloads in the background while the old index answers", async () => {
    const store = new CountingStore();
    const { state, source } = revisions(store);
    const cache = new CachedGraphIndex(store, 30_000, source);
    const first = await cache.current(t0);
    expect(cache.revision).toBe(1);
    for (let ms = 0; ms < 999; ms += 100) expect(await cache.current(later(ms))).toBe(first);
    expect(state.reads).toBe(0);

    state.revision = 2;
    store.snapshot = { ...DEMO_TOPOLOGY, services: DEMO_TOPOLOGY.services.slice(0, 41), dependencies: [], resourceGroups: [] };
    let open!: () => void;
    store.gate = new Promise((resolve) => (open = resolve));
    // The check that notices the new revision is answered from the old index; so is every check during the reload.
    expect(await cache.current(later(1_000))).toBe(first);
    await settle();
    expect(state.reads).toBe(1);
    expect(store.loads).toBe(2);
    expect(await cache.current(later(1_100))).toBe(first);
    open();
    await settle();
    const second = await cache.current(later(1_200));
    expect(second.serviceCount).toBe(41);
    expect(cache.revision).toBe(2);
  });

  it("takes a locally applied index with replace(), and ignores an older one", async () => {
    const store = new CountingStore();
    const { source } = revisions(store);
    const cache = new CachedGraphIndex(store, 30_000, source);
    await cache.current(t0);
    const newer = GraphIndex.build({ ...DEMO_TOPOLOGY, services: DEMO_TOPOLOGY.services.slice(0, 40), dependencies: [], resourceGroups: [] });
    cache.replace(newer, 5);
    expect(await cache.current(later(10))).toBe(newer);
    cache.replace(GraphIndex.build(DEMO_TOPOLOGY), 4);
    expect(await cache.current(later(20))).toBe(newer);
    expect(cache.revision).toBe(5);
    expect(store.loads).toBe(1);
  });

  it("keeps the old index when a background check fails, and tries again at the next interval", async () => {
    const store = new CountingStore();
    const { state, source } = revisions(store);
    const errors: unknown[] = [];
    const cache = new CachedGraphIndex(store, 30_000, { ...source, onError: (e: unknown) => errors.push(e) });
    const first = await cache.current(t0);
    state.revision = 2;
    store.fail = true;
    expect(await cache.current(later(1_000))).toBe(first);
    await settle();
    await settle();
    expect(errors).toHaveLength(1);
    expect(await cache.current(later(1_500))).toBe(first);
    store.fail = false;
    await cache.current(later(2_000));
    await settle();
    await settle();
    expect(cache.revision).toBe(2);
  });

  it("catches up from the kept diffs when the revision moved, and reads the whole graph when they leave a gap or do not fit", async () => {
    const base = normalizeTopology(DEMO_TOPOLOGY);
    const store = new CountingStore();
    store.snapshot = base;
    const { state, source } = revisions(store);
    const kept: RevisionDiff[] = [];
    const cache = new CachedGraphIndex(store, 30_000, { ...source, diffsSince: async (r: number) => kept.filter((d) => d.revision > r) });
    await cache.current(t0);
    expect(cache.loads).toEqual({ whole: 1, caughtUp: 0 });

    // Two revisions behind, both kept: applied to the graph held, no whole read.
    const r2 = perturbTopology(base, { share: 0.1, seed: 2 });
    const r3 = perturbTopology(r2, { share: 0.1, seed: 3 });
    kept.push({ revision: 2, diff: diffTopology(base, r2) }, { revision: 3, diff: diffTopology(r2, r3) });
    state.revision = 3;
    store.snapshot = r3;
    await cache.current(later(1_000));
    await settle();
    await settle();
    expect(cache.revision).toBe(3);
    expect(cache.loads).toEqual({ whole: 1, caughtUp: 1 });
    const caughtUp = await cache.current(later(1_001));
    const whole = GraphIndex.build(r3);
    for (const s of r3.services) expect(Array.from(caughtUp.downstream(caughtUp.idOf(s.name)!, 3).nodes)).toEqual(Array.from(whole.downstream(whole.idOf(s.name)!, 3).nodes));

    // Revision 4's diff was forgotten (only 5 is kept): a gap, so the whole graph is read.
    const r5 = perturbTopology(r3, { share: 0.1, seed: 5 });
    kept.push({ revision: 5, diff: diffTopology(r3, r5) });
    state.revision = 5;
    store.snapshot = r5;
    await cache.current(later(2_000));
    await settle();
    await settle();
    expect(cache.revision).toBe(5);
    expect(cache.loads).toEqual({ whole: 2, caughtUp: 1 });

    // A kept diff that does not fit the graph held: the whole graph is read.
    kept.push({ revision: 6, diff: diffTopology(r2, r3) });
    state.revision = 6;
    await cache.current(later(3_000));
    await settle();
    await settle();
    expect(cache.revision).toBe(6);
    expect(cache.loads).toEqual({ whole: 3, caughtUp: 1 });
  });
});
