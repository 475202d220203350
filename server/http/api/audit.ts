import "server-only";
import { ZAuditPage, ZAuditStatistics, ZAuditVerification } from "@/lib/api/audit";
import { auditStatistics } from "../../core/audit/audit-statistics";
import { EXPORT_FORMAT } from "../../core/audit/export-format";
import { exportAuditLog } from "../../core/audit/export-audit-log";
import { queryAuditEventsPage, ZAuditQuerySchema } from "../../core/audit/query-audit-events";
import { verifyAndRecord } from "../../core/audit/verify-and-record";
import { SingleFlight } from "../single-flight";
import { endpoint } from "../endpoint";
import { AUTH_ERRORS } from "./responses";

export const queryAuditEventsEndpoint = endpoint({
  operationId: "queryAuditEvents",
  method: "GET",
  path: "/api/v1/audit/events",
  summary: "Query audit events",
  description: "Newest first, filtered by category, severity, actor, service, operation, correlation id, action and time; keyset pages by sequence number.",
  tags: ["audit"],
  access: "VIEWER",
  query: ZAuditQuerySchema,
  responses: { 200: { description: "One page of events", schema: ZAuditPage }, ...AUTH_ERRORS },
  async handler({ container, query }) {
    const page = await queryAuditEventsPage({ store: container.audit.store }, query);
    return { status: 200, body: { events: page.events.map(({ canonical: _canonical, ...event }) => event), nextBeforeSeq: page.nextBeforeSeq } };
  },
});

export const auditStatisticsEndpoint = endpoint({
  operationId: "getAuditStatistics",
  method: "GET",
  path: "/api/v1/audit/statistics",
  summary: "Audit statistics",
  tags: ["audit"],
  access: "VIEWER",
  responses: { 200: { description: "Totals by category and severity, rate, and the last verification", schema: ZAuditStatistics }, ...AUTH_ERRORS },
  async handler({ container }) {
    return { status: 200, body: await auditStatistics({ store: container.audit.store, now: container.clock.now() }) };
  },
});

const verifications = new SingleFlight<Awaited<ReturnType<typeof verifyAndRecord>>>();

export const verifyAuditEndpoint = endpoint({
  operationId: "verifyAuditChain",
  method: "POST",
  path: "/api/v1/audit/verify",
  summary: "Verify the audit chain",
  description:
    "Checks every event's hash and link and the signed checkpoints; says where the chain broke. The result is itself recorded. One verification runs at a time per server: a request made while one is running waits for it and answers its verdict (`joined: true`).",
  tags: ["audit"],
  access: "VIEWER",
  responses: { 200: { description: "The verdict", schema: ZAuditVerification }, ...AUTH_ERRORS },
  async handler({ container, principal }) {
    // A full scan of the chain: a burst of requests (any viewer may ask) shares one run instead of one scan each.
    const { value, joined } = await verifications.do("chain", () =>
      verifyAndRecord({ store: container.audit.store, sink: container.audit.sink, publicKey: container.audit.publicKey, log: container.audit.log, actor: principal!.actor }),
    );
    return { status: 200, body: { ...value, joined } };
  },
});

export const exportAuditEndpoint = endpoint({
  operationId: "exportAuditLog",
  method: "GET",
  path: "/api/v1/audit/export",
  summary: "Export the audit log",
  description: `The whole chain as NDJSON (${EXPORT_FORMAT}): a header with the signing key, every event, the checkpoints; verifiable offline with npm run audit:verify -- --file.`,
  tags: ["audit"],
  access: "VIEWER",
  responses: { 200: { description: "NDJSON stream", contentType: "application/x-ndjson" }, ...AUTH_ERRORS },
  async handler({ container }) {
    const lines = exportAuditLog({ store: container.audit.store, publicKey: container.audit.publicKey, now: container.clock.now() });
    const encoder = new TextEncoder();
    const iterator = lines[Symbol.asyncIterator]();
    const stream = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const next = await iterator.next();
        if (next.done) controller.close();
        else controller.enqueue(encoder.encode(JSON.stringify(next.value) + "\n"));
      },
      async cancel() {
        await iterator.return?.(undefined);
      },
    });
    const stamp = new Date().toISOString().replace(/[:.]/g, "-");
    return new Response(stream, { status: 200, headers: { "content-type": "application/x-ndjson", "content-disposition": `attachment; filename="interlock-audit-${stamp}.ndjson"` } });
  },
});
