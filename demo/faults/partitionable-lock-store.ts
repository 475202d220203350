// The failure-injection matrix's "network partition between the orchestrator
// and Redis" (row 16, docs/spec/failure-matrix.md#the-rows): a LockStore that
// passes every call through to the real store, except that while a partition is set, calls about the cut-off
// locks fail as an unreachable server fails. Only the named resources are
// cut off, so one scenario cannot take down every other holder in the process.
import { AppError } from "../../server/core/errors";
import type { LockKey } from "../../server/core/locks/types";
import type { LockAcquireRequest, LockStore } from "../../server/core/locks/ports";

const keyOf = (key: LockKey) => `${key.scope}:${key.resource}`;

export class PartitionableLockStore implements LockStore {
  private readonly cutOff = new Set<string>();
  /** Calls refused since the partition began: the retries the scenario reports. */
  refusedCalls = 0;

  constructor(private readonly inner: LockStore) {}

  get backend() {
    return this.inner.backend;
  }

  /** Cuts the path to the store for these locks (none: heal the partition). */
  partition(keys: readonly LockKey[]): void {
    this.cutOff.clear();
    for (const key of keys) this.cutOff.add(keyOf(key));
    this.refusedCalls = 0;
  }

  heal(): void {
    this.cutOff.clear();
  }

  get partitioned(): boolean {
    return this.cutOff.size > 0;
  }

  async acquire(request: LockAcquireRequest) {
    this.refuseIfCutOff(request.key);
    return this.inner.acquire(request);
  }

  async cancelWait(key: LockKey, holderId: string) {
    this.refuseIfCutOff(key);
    return this.inner.cancelWait(key, holderId);
  }

  async extend(key: LockKey, holderId: string, fencingToken: bigint, ttlMs: number) {
    this.refuseIfCutOff(key);
    return this.inner.extend(key, holderId, fencingToken, ttlMs);
  }

  async release(key: LockKey, holderId: string, fencingToken: bigint) {
    this.refuseIfCutOff(key);
    return this.inner.release(key, holderId, fencingToken);
  }

  async forceRelease(key: LockKey, holderId: string | null, reason?: string) {
    this.refuseIfCutOff(key);
    return this.inner.forceRelease(key, holderId, reason);
  }

  snapshot() {
    return this.inner.snapshot();
  }

  statistics() {
    return this.inner.statistics();
  }

  subscribe(instanceId: string, onWake: Parameters<LockStore["subscribe"]>[1]) {
    return this.inner.subscribe(instanceId, onWake);
  }

  onRevoked(listener: Parameters<LockStore["onRevoked"]>[0]) {
    return this.inner.onRevoked(listener);
  }

  wake(instanceId: string, wake: Parameters<LockStore["wake"]>[1]) {
    return this.inner.wake(instanceId, wake);
  }

  close() {
    return this.inner.close();
  }

  private refuseIfCutOff(key: LockKey): void {
    if (!this.cutOff.has(keyOf(key))) return;
    this.refusedCalls += 1;
    // Every caller's method is async, so this rejects its promise as a failed connection would.
    throw new AppError("UNAVAILABLE", `The lock store (${this.inner.backend}) is unreachable for ${keyOf(key)}: network partition injected by the failure matrix`, { key: keyOf(key), injected: true });
  }
}
