// The demo topology (docs/specification.md#the-demo-topology): the services,
// edges and resource groups that the original specification talks about,
// completed into a 42-service shop so that its numbers make sense ("8 out of
// 42 services" is the 20 % blast-radius gate).
//
// Edges the original specification states and that must hold:
//   user-service → payment-service (user-service calls the payment API)
//   order-service → payment-service
//   payment-service → postgres_primary (resource group)
// and the hidden-conflict example (docs/specification.md#conflicts), whose blast radius names user,
// payment, order, shipping and invoice: shipping-service → order-service and
// payment-service → invoice-service.
import type { Criticality, DependencyKind, TopologySpec } from "./types";

type Row = [name: string, tier: number, criticality: Criticality, team: string, description: string];

const SERVICES: Row[] = [
  ["web-frontend", 1, "HIGH", "frontend", "Server-rendered storefront"],
  ["mobile-bff", 1, "HIGH", "frontend", "Backend for the mobile apps"],
  ["api-gateway", 1, "CRITICAL", "platform", "Public API entry point: routing, auth and rate limits"],
  ["auth-service", 2, "CRITICAL", "identity", "Sign-in, tokens and permissions"],
  ["user-service", 2, "HIGH", "identity", "User accounts and contact details"],
  ["session-service", 2, "HIGH", "identity", "Session storage and lookup"],
  ["order-service", 2, "CRITICAL", "commerce", "Order lifecycle"],
  ["payment-service", 2, "CRITICAL", "payments", "Payment processing and receipts"],
  ["cart-service", 2, "HIGH", "commerce", "Shopping carts"],
  ["checkout-service", 2, "CRITICAL", "commerce", "Checkout flow"],
  ["catalog-service", 2, "HIGH", "catalog", "Products and their attributes"],
  ["search-service", 2, "MEDIUM", "catalog", "Product search"],
  ["inventory-service", 2, "HIGH", "logistics", "Stock levels and reservations"],
  ["shipping-service", 2, "HIGH", "logistics", "Shipments and carriers"],
  ["pricing-service", 2, "MEDIUM", "commerce", "Prices and price rules"],
  ["invoice-service", 3, "MEDIUM", "payments", "Invoices for completed payments"],
  ["notification-service", 3, "MEDIUM", "comms", "Customer notifications fan-out"],
  ["email-service", 3, "MEDIUM", "comms", "Outbound email"],
  ["sms-service", 3, "LOW", "comms", "Outbound SMS"],
  ["fraud-detection-service", 3, "HIGH", "payments", "Fraud scoring at checkout"],
  ["ledger-service", 3, "HIGH", "payments", "Double-entry ledger"],
  ["tax-service", 3, "MEDIUM", "payments", "Tax calculation"],
  ["currency-service", 3, "MEDIUM", "payments", "Exchange rates"],
  ["promotion-service", 3, "MEDIUM", "commerce", "Coupons and promotions"],
  ["loyalty-service", 3, "LOW", "commerce", "Loyalty points"],
  ["recommendation-service", 3, "LOW", "catalog", "Product recommendations"],
  ["review-service", 3, "LOW", "catalog", "Product reviews"],
  ["profile-service", 3, "MEDIUM", "identity", "User profiles and avatars"],
  ["warehouse-service", 3, "MEDIUM", "logistics", "Warehouse locations and picking"],
  ["fulfillment-service", 3, "MEDIUM", "logistics", "Pick, pack and hand-over"],
  ["returns-service", 3, "MEDIUM", "logistics", "Returns and refunds"],
  ["media-service", 3, "LOW", "catalog", "Product images and media"],
  ["analytics-service", 4, "LOW", "data", "Event analytics"],
  ["reporting-service", 4, "LOW", "data", "Business reports"],
  ["data-export-service", 4, "LOW", "data", "Exports to the data warehouse"],
  ["feature-flag-service", 4, "MEDIUM", "platform", "Feature flags"],
  ["config-service", 4, "MEDIUM", "platform", "Dynamic configuration"],
  ["rate-limit-service", 4, "MEDIUM", "platform", "Rate limit counters"],
  ["geo-service", 4, "LOW", "logistics", "Address and geo lookups"],
  ["image-resizer-service", 4, "LOW", "catalog", "Image resizing"],
  ["customer-support-service", 4, "LOW", "support", "Support agent tooling"],
  ["metrics-gateway", 4, "LOW", "platform", "Metrics ingestion"],
];

const SYNC: DependencyKind = "SYNC_API";
const ASYNC: DependencyKind = "ASYNC_EVENT";

const EDGES: [from: string, to: string[], kind?: DependencyKind][] = [
  ["web-frontend", ["api-gateway"]],
  ["mobile-bff", ["api-gateway", "feature-flag-service"]],
  ["api-gateway", ["auth-service", "user-service", "order-service", "catalog-service", "search-service", "cart-service", "checkout-service", "rate-limit-service"]],
  ["auth-service", ["session-service", "user-service"]],
  ["user-service", ["payment-service", "profile-service"]],
  ["order-service", ["payment-service", "inventory-service", "pricing-service"]],
  ["order-service", ["notification-service"], ASYNC],
  ["payment-service", ["invoice-service"]],
  ["cart-service", ["catalog-service", "pricing-service", "promotion-service"]],
  ["checkout-service", ["cart-service", "order-service", "payment-service", "tax-service", "fraud-detection-service"]],
  ["catalog-service", ["inventory-service", "media-service", "review-service"]],
  ["search-service", ["catalog-service"]],
  ["inventory-service", ["warehouse-service"]],
  ["shipping-service", ["order-service", "fulfillment-service", "geo-service"]],
  ["pricing-service", ["currency-service", "promotion-service"]],
  ["notification-service", ["email-service", "sms-service"]],
  ["fraud-detection-service", ["user-service"]],
  ["ledger-service", ["invoice-service"], ASYNC],
  ["reporting-service", ["ledger-service", "analytics-service"]],
  ["analytics-service", ["order-service"], ASYNC],
  ["loyalty-service", ["user-service", "order-service"]],
  ["recommendation-service", ["catalog-service", "analytics-service"]],
  ["review-service", ["profile-service"]],
  ["profile-service", ["media-service"]],
  ["returns-service", ["order-service", "payment-service", "warehouse-service"]],
  ["fulfillment-service", ["warehouse-service", "inventory-service"]],
  ["customer-support-service", ["order-service", "user-service", "returns-service"]],
  ["media-service", ["image-resizer-service"]],
  ["feature-flag-service", ["config-service"]],
  ["rate-limit-service", ["config-service"]],
  ["data-export-service", ["analytics-service"]],
];

export const DEMO_TOPOLOGY: TopologySpec = {
  services: SERVICES.map(([name, tier, criticality, team, description]) => ({ name, tier, criticality, team, description })),
  dependencies: EDGES.flatMap(([from, tos, kind = SYNC]) => tos.map((to) => ({ from, to, kind }))),
  // As docs/specification.md#the-demo-topology lists them.
  resourceGroups: [
    { name: "postgres_primary", kind: "DATABASE", description: "Primary PostgreSQL cluster", members: ["payment-service", "user-service", "order-service"] },
    { name: "redis_cache", kind: "CACHE", description: "Shared Redis cache", members: ["user-service", "session-service", "auth-service"] },
    { name: "kafka_orders", kind: "QUEUE", description: "Kafka topic for order events", members: ["order-service", "inventory-service", "shipping-service"] },
  ],
};
