// Reads stock levels from the warehouse management system over its HTTP API.

export interface TransportResponse {
  status: number;
  body: string;
}

/** The HTTP connection to the warehouse system (keep-alive; the far end resets idle sockets). */
export interface WarehouseTransport {
  get(path: string): Promise<TransportResponse>;
}

export interface StockLevel {
  sku: string;
  warehouse: string;
  available: number;
}

export class WarehouseError extends Error {
  constructor(readonly status: number, path: string) {
    super(`warehouse answered ${status} for ${path}`);
    this.name = "WarehouseError";
  }
}

export function stockPath(warehouse: string, sku: string): string {
  return `/warehouses/${encodeURIComponent(warehouse)}/stock/${encodeURIComponent(sku)}`;
}

export function parseStockLevel(warehouse: string, sku: string, body: string): StockLevel {
  const parsed = JSON.parse(body) as { available?: unknown };
  if (typeof parsed.available !== "number" || parsed.available < 0) {
    throw new TypeError(`no stock level in the answer for ${sku}`);
  }
  return { sku, warehouse, available: parsed.available };
}

export async function fetchStockLevel(transport: WarehouseTransport, warehouse: string, sku: string): Promise<StockLevel> {
  const path = stockPath(warehouse, sku);
  const response = await transport.get(path);
  if (response.status !== 200) {
    throw new WarehouseError(response.status, path);
  }
  return parseStockLevel(warehouse, sku, response.body);
}
