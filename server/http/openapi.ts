import "server-only";
import { createDocument, type ZodOpenApiPathsObject, type ZodOpenApiOperationObject } from "zod-openapi";
import type { Endpoint } from "./endpoint";

/**
 * The OpenAPI 3.1 document, built from the endpoint declarations themselves:
 * the schemas that parse requests and check responses are the ones described,
 * so the document cannot drift from the routes.
 */
export function buildOpenApiDocument(endpoints: readonly Endpoint<any, any, any, any>[], version: string) {
  const paths: ZodOpenApiPathsObject = {};
  for (const e of endpoints) {
    const operation: ZodOpenApiOperationObject = {
      operationId: e.operationId,
      summary: e.summary,
      ...(e.description ? { description: e.description } : {}),
      tags: e.tags,
      security: e.access === "public" ? [] : [{ bearerToken: [] }, { sessionCookie: [] }],
      ...(e.access === "public" ? {} : { "x-required-role": e.access }),
      requestParams: {
        ...(e.params ? { path: e.params as never } : {}),
        ...(e.query ? { query: e.query as never } : {}),
        ...(e.headers ? { header: e.headers as never } : {}),
      },
      ...(e.body ? { requestBody: { required: true, content: { "application/json": { schema: e.body } } } } : {}),
      ...(e.rawBody ? { requestBody: { required: true, description: e.rawBody.description, content: { [e.rawBody.contentType]: { schema: { type: "string" } } } } } : {}),
      responses: Object.fromEntries(
        Object.entries(e.responses).map(([status, r]) => [
          status,
          { description: r.description, ...(r.schema ? { content: { [r.contentType ?? "application/json"]: { schema: r.schema } } } : r.contentType ? { content: { [r.contentType]: { schema: { type: "string" } } } } : {}) },
        ]),
      ) as ZodOpenApiOperationObject["responses"],
    };
    paths[e.path] = { ...paths[e.path], [e.method.toLowerCase()]: operation };
  }
  return createDocument({
    openapi: "3.1.0",
    info: {
      title: "Interlock API",
      version,
      description:
        "The safety control plane's REST API. Every route takes a session cookie (the console) or `Authorization: Bearer <API token>` (automation; create one with `npm run token:create`). Roles: VIEWER < OPERATOR < APPROVER < ADMIN. Errors always have the ErrorBody shape.",
    },
    servers: [{ url: "/" }],
    components: {
      securitySchemes: {
        bearerToken: { type: "http", scheme: "bearer", description: "An Interlock API token (ilk_…)" },
        sessionCookie: { type: "apiKey", in: "cookie", name: "next-auth.session-token", description: "The console's session; mutating calls must come from the console's origin" },
      },
    },
    paths,
  });
}
