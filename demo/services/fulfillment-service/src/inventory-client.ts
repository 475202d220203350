// Reserves stock in the inventory service while an order is fulfilled.

/** How long a reservation call may take before the order fails. */
export const INVENTORY_TIMEOUT_MS = 800;

export interface Reservation {
  sku: string;
  quantity: number;
  reservationId: string;
}

/** The HTTP call to the inventory service (injected so tests can stand in for it). */
export interface InventoryUpstream {
  reserve(sku: string, quantity: number): Promise<{ reservationId: string }>;
}

export class UpstreamTimeoutError extends Error {
  constructor(readonly operation: string, readonly timeoutMs: number) {
    super(`${operation} timed out after ${timeoutMs} ms`);
    this.name = "UpstreamTimeoutError";
  }
}

export function callWithTimeout<T>(operation: string, fn: () => Promise<T>, options: { timeoutMs: number }): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new UpstreamTimeoutError(operation, options.timeoutMs)), options.timeoutMs);
    fn().then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

export async function reserveStock(upstream: InventoryUpstream, sku: string, quantity: number): Promise<Reservation> {
  if (!Number.isInteger(quantity) || quantity <= 0) {
    throw new RangeError(`invalid quantity ${quantity} for ${sku}`);
  }
  const { reservationId } = await callWithTimeout("inventory.reserve", () => upstream.reserve(sku, quantity), { timeoutMs: INVENTORY_TIMEOUT_MS });
  return { sku, quantity, reservationId };
}
