// Checkout payments: charge the card, then e-mail a receipt.
// The request arrives as JSON from the checkout front end.

export interface User {
  id: string;
  email: string;
}

export interface PaymentRequest {
  paymentId: string;
  amountCents: number;
  currency: string;
  /** Declared present, but a guest checkout sends `"user": null`. */
  user: User;
}

export interface PaymentResult {
  status: "success" | "declined";
  receipt: string;
}

const logger = {
  info: (message: string, fields: Record<string, unknown> = {}) => console.log(JSON.stringify({ level: "info", message, ...fields })),
  warn: (message: string, fields: Record<string, unknown> = {}) => console.log(JSON.stringify({ level: "warn", message, ...fields })),
};

/** Receipts sent, newest last (what the mail relay would have received). */
export const sentReceipts: string[] = [];

export function validateAmount(amountCents: number): void {
  if (!Number.isInteger(amountCents) || amountCents <= 0) {
    throw new RangeError(`invalid amount: ${amountCents}`);
  }
}

async function chargeCard(paymentId: string, amountCents: number): Promise<boolean> {
  logger.info("charging card", { paymentId, amountCents });
  return amountCents < 1_000_000;
}

export async function sendReceipt(email: string, paymentId: string, amountCents: number): Promise<string> {
  const receipt = `rcpt-${paymentId}`;
  sentReceipts.push(`${email.toLowerCase()} ${receipt} ${amountCents}`);
  return receipt;
}

export async function processPayment(request: PaymentRequest): Promise<PaymentResult> {
  validateAmount(request.amountCents);
  const user = request.user;
  logger.info("processing payment", { paymentId: request.paymentId, currency: request.currency });
  const approved = await chargeCard(request.paymentId, request.amountCents);
  if (!approved) {
    return { status: "declined", receipt: "none" };
  }
  const receipt = await sendReceipt(user.email, request.paymentId, request.amountCents);
  logger.info("payment complete", { paymentId: request.paymentId, receipt });
  return { status: "success", receipt };
}
