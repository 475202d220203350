import { describe, expect, it } from "vitest";
import { DEMO_TOPOLOGY } from "../topology/demo-topology";
import { CachedGraphIndex } from "./cached-graph-index";
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
