// The warehouse client's own check (run with tsx; exits non-zero on failure).
import assert from "node:assert/strict";
import { fetchStockLevel, WarehouseError, type TransportResponse, type WarehouseTransport } from "../src/warehouse-client";

/** A transport that plays back the given outcomes in order, counting the calls. */
function scriptedTransport(outcomes: Array<TransportResponse | Error>): WarehouseTransport & { calls: number } {
  const transport = {
    calls: 0,
    get: async (_path: string): Promise<TransportResponse> => {
      const outcome = outcomes[Math.min(transport.calls, outcomes.length - 1)];
      transport.calls++;
      if (outcome === undefined) throw new Error("no scripted outcome");
      if (outcome instanceof Error) throw outcome;
      return outcome;
    },
  };
  return transport;
}

const connectionReset = () => Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
const ok = (available: number): TransportResponse => ({ status: 200, body: JSON.stringify({ available }) });

async function main(): Promise<void> {
  // Happy path.
  const healthy = scriptedTransport([ok(12)]);
  assert.deepEqual(await fetchStockLevel(healthy, "berlin-1", "sku-1"), { sku: "sku-1", warehouse: "berlin-1", available: 12 });
  assert.equal(healthy.calls, 1);

  // A 404 is an answer, not a network fault: it fails at once.
  const missing = scriptedTransport([{ status: 404, body: "" }, ok(1)]);
  await assert.rejects(fetchStockLevel(missing, "berlin-1", "sku-x"), WarehouseError);
  assert.equal(missing.calls, 1);

  // The warehouse resets an idle keep-alive socket once: the read must still succeed.
  const flaky = scriptedTransport([connectionReset(), ok(7)]);
  assert.equal((await fetchStockLevel(flaky, "berlin-1", "sku-2")).available, 7);
  assert.equal(flaky.calls, 2);
}

main().then(
  () => console.log("warehouse-client.check: ok"),
  (error: unknown) => {
    console.error("warehouse-client.check: FAILED\n", error);
    process.exitCode = 1;
  },
);
