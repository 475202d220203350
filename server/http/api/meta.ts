import "server-only";
import { AppError } from "../../core/errors";
import { endpoint, type Endpoint } from "../endpoint";
import { buildOpenApiDocument } from "../openapi";

let cached: { endpoints: readonly Endpoint<any, any, any, any>[]; document: unknown } | null = null;

/** The OpenAPI endpoint serves the document of the catalogue it is given (server/http/api/catalog.ts). */
export function openApiEndpoint(catalog: () => readonly Endpoint<any, any, any, any>[]) {
  return endpoint({
    operationId: "getOpenApiDocument",
    method: "GET",
    path: "/api/v1/openapi.json",
    summary: "This API's OpenAPI 3.1 document",
    tags: ["meta"],
    access: "public",
    responses: { 200: { description: "OpenAPI 3.1 JSON" } },
    async handler() {
      const endpoints = catalog();
      if (cached?.endpoints !== endpoints) cached = { endpoints, document: buildOpenApiDocument(endpoints, process.env.npm_package_version ?? "0.1.0") };
      return { status: 200, body: cached.document };
    },
  });
}

export const metricsEndpoint = endpoint({
  operationId: "getMetrics",
  method: "GET",
  path: "/api/metrics",
  summary: "Prometheus metrics",
  description:
    "Text exposition with the names of docs/operations.md#alerts (active_locks_total, lock_wait_seconds, lock_age_seconds, conflicts_detected_total, operations_started_total, operations_paused_total, audit_events_total, hash_chain_valid, incident_resolution_seconds, …). Store-wide figures are read from the store at scrape time, so every replica reports the same. Alert rules: deploy/prometheus/interlock-alerts.yml.",
  tags: ["meta"],
  access: "public",
  responses: { 200: { description: "Prometheus text format 0.0.4", contentType: "text/plain" }, 503: { description: "The store cannot be read (Prometheus records up == 0)" } },
  async handler({ container }) {
    const { contentType, body } = await container.metrics.render().catch((error: unknown) => {
      throw new AppError("UNAVAILABLE", "The metrics cannot be read from the store right now", {}, { cause: error });
    });
    return new Response(body, { status: 200, headers: { "content-type": contentType, "cache-control": "no-store" } });
  },
});
