// The payment processor's own check (run with tsx; exits non-zero on failure).
import assert from "node:assert/strict";
import { processPayment, sentReceipts, type PaymentRequest } from "../src/payment-processor";

// Requests are parsed from JSON, exactly as the checkout handler receives them.
const request = (json: string): PaymentRequest => JSON.parse(json) as PaymentRequest;

async function main(): Promise<void> {
  // Happy path: a signed-in customer is charged and gets a receipt.
  const paid = await processPayment(request('{"paymentId":"p-1","amountCents":4200,"currency":"EUR","user":{"id":"u-1","email":"Ada@Example.com"}}'));
  assert.deepEqual(paid, { status: "success", receipt: "rcpt-p-1" });
  assert.deepEqual(sentReceipts, ["ada@example.com rcpt-p-1 4200"]);

  // Guest checkout: no user at all. The payment must still succeed, with no receipt sent.
  const guest = await processPayment(request('{"paymentId":"p-2","amountCents":1999,"currency":"EUR","user":null}'));
  assert.equal(guest.status, "success");

  // A user record without an e-mail address.
  const noEmail = await processPayment(request('{"paymentId":"p-3","amountCents":500,"currency":"EUR","user":{"id":"u-3"}}'));
  assert.equal(noEmail.status, "success");
  assert.equal(sentReceipts.length, 1, "no receipt can be sent without an address");

  // Declines are unchanged.
  const declined = await processPayment(request('{"paymentId":"p-4","amountCents":2000000,"currency":"EUR","user":null}'));
  assert.deepEqual(declined, { status: "declined", receipt: "none" });
}

main().then(
  () => console.log("payment-processor.check: ok"),
  (error: unknown) => {
    console.error("payment-processor.check: FAILED\n", error);
    process.exitCode = 1;
  },
);
