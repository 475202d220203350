// The inventory client's own check (run with tsx; exits non-zero on failure).
import assert from "node:assert/strict";
import { reserveStock, type InventoryUpstream } from "../src/inventory-client";

/** An inventory service that answers after `delayMs` (its p99 under load is ~1200 ms). */
function upstreamAnsweringAfter(delayMs: number): InventoryUpstream {
  let next = 1;
  return {
    reserve: (sku) => new Promise((resolve) => setTimeout(() => resolve({ reservationId: `${sku}-r${next++}` }), delayMs)),
  };
}

async function main(): Promise<void> {
  // Happy path: a fast answer.
  assert.deepEqual(await reserveStock(upstreamAnsweringAfter(20), "sku-1", 2), { sku: "sku-1", quantity: 2, reservationId: "sku-1-r1" });

  // Invalid quantities never reach the upstream.
  await assert.rejects(reserveStock(upstreamAnsweringAfter(20), "sku-1", 0), RangeError);

  // The upstream's p99: a slow but successful answer must not fail the order.
  const slow = await reserveStock(upstreamAnsweringAfter(1200), "sku-2", 1);
  assert.equal(slow.reservationId, "sku-2-r1");
}

main().then(
  () => console.log("inventory-client.check: ok"),
  (error: unknown) => {
    console.error("inventory-client.check: FAILED\n", error);
    process.exitCode = 1;
  },
);
