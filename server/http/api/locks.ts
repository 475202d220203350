import "server-only";
import { ZForceReleaseRequest, ZForceReleaseResult, ZLockList, ZLockStatistics } from "@/lib/api/locks";
import { forceReleaseLock } from "../../core/locks/force-release-lock";
import { listLocks } from "../../core/locks/list-locks";
import { lockStatistics } from "../../core/locks/lock-statistics";
import { endpoint } from "../endpoint";
import { AUTH_ERRORS } from "./responses";

export const listLocksEndpoint = endpoint({
  operationId: "listLocks",
  method: "GET",
  path: "/api/v1/locks",
  summary: "List active locks",
  description: "Every lock held or waited for: holder, scope, fencing token, TTL left and waiters, measured against the lock store's clock.",
  tags: ["locks"],
  access: "VIEWER",
  responses: { 200: { description: "Locks", schema: ZLockList }, ...AUTH_ERRORS },
  async handler({ container }) {
    const { at, locks } = await listLocks(container.locks.store);
    return { status: 200, body: { at, backend: container.locks.store.backend, locks } };
  },
});

export const forceReleaseLockEndpoint = endpoint({
  operationId: "forceReleaseLock",
  method: "POST",
  path: "/api/v1/locks/force-release",
  summary: "Force-release a lock",
  description: "Takes a lock away from its holder (admin). The holder's next renewal fails and its writes are refused by fencing. Audited with the reason.",
  tags: ["locks"],
  access: "ADMIN",
  body: ZForceReleaseRequest,
  responses: { 200: { description: "What was released (empty when nothing was held)", schema: ZForceReleaseResult }, ...AUTH_ERRORS },
  async handler({ container, principal, body }) {
    const released = await forceReleaseLock(
      { store: container.locks.store, audit: container.audit.log },
      { key: { scope: body.scope, resource: body.resource }, holderId: body.holderId, actor: principal!.actor, reason: body.reason },
    );
    return { status: 200, body: { released: released.map((h) => ({ holderId: h.holderId, mode: h.mode, fencingToken: h.fencingToken.toString() })) } };
  },
});

export const lockStatisticsEndpoint = endpoint({
  operationId: "getLockStatistics",
  method: "GET",
  path: "/api/v1/locks/statistics",
  summary: "Lock contention statistics",
  description: "Per lock since the store started counting: acquisitions, contentions (grants that had to wait), wait and hold times; most contended first.",
  tags: ["locks"],
  access: "VIEWER",
  responses: { 200: { description: "Statistics per lock", schema: ZLockStatistics }, ...AUTH_ERRORS },
  async handler({ container }) {
    const locks = await lockStatistics(container.locks.store);
    return { status: 200, body: { at: container.clock.now().toISOString(), backend: container.locks.store.backend, locks } };
  },
});
