import "server-only";
import { z, ZodError, type ZodType } from "zod";
import { AppError } from "../core/errors";
import { hasRole, type Role } from "../core/identity/roles";
import type { Principal } from "../core/identity/principal";
import type { Container } from "../container";
import type { Logger } from "../logger";
import { assertSameOrigin, authenticate } from "./authenticate";
import { readJsonBody, readNoBody, readRawBody } from "./read-body";
import { route } from "./route";

// Every API route is an `endpoint`: one declaration says who may call it, what
// it takes (path, query, headers, body as zod schemas) and what it answers.
// `serve()` turns it into a Next route handler that resolves the principal
// (session or API token), checks the role, refuses cross-site browser writes,
// parses the input, calls the handler, validates the answer against its schema
// and maps errors. The OpenAPI document is generated from the same
// declarations (server/http/openapi.ts), so it cannot drift from the routes.

export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
export type Access = Role | "public";

export interface EndpointResponse {
  description: string;
  /** JSON body schema; absent for a body that is not JSON (text, NDJSON). */
  schema?: ZodType;
  contentType?: string;
}

export interface EndpointContext<P, Q, H, B> {
  request: Request;
  /** Null only on public endpoints. */
  principal: Principal | null;
  params: P;
  query: Q;
  headers: H;
  body: B;
  /** The body's bytes as received, on endpoints that declare `rawBody` (nothing has parsed them). */
  rawBody: Uint8Array | undefined;
  container: Container;
  log: Logger;
  requestId: string;
}

/** A JSON answer (validated against responses[status].schema) or a ready Response (streams, text). */
export type EndpointResult = { status: number; body: unknown; headers?: Record<string, string> } | Response;

export interface Endpoint<P = unknown, Q = unknown, H = unknown, B = unknown> {
  operationId: string;
  method: HttpMethod;
  /** OpenAPI form, e.g. /api/v1/operations/{id}. */
  path: string;
  summary: string;
  description?: string;
  tags: string[];
  access: Access;
  params?: ZodType<P>;
  query?: ZodType<Q>;
  headers?: ZodType<H>;
  body?: ZodType<B>;
  /** Instead of a JSON body: the raw bytes of this content type, for a handler that verifies a signature over them first. */
  rawBody?: { contentType: string; description: string };
  /** A larger body limit than API_MAX_BODY_BYTES, for the few endpoints that take a whole document (a topology). */
  maxBodyBytes?: (env: Container["env"]) => number;
  responses: Record<number, EndpointResponse>;
  handler(ctx: EndpointContext<P, Q, H, B>): Promise<EndpointResult>;
}

/** Declares an endpoint, inferring the handler's input types from its schemas. */
export function endpoint<P = Record<string, never>, Q = Record<string, never>, H = Record<string, never>, B = undefined>(spec: Endpoint<P, Q, H, B>): Endpoint<P, Q, H, B> {
  return spec;
}

const SERVED = Symbol.for("interlock.endpoint");
type RouteHandler = (request: Request, segment: { params: Promise<Record<string, string | string[]>> }) => Promise<Response>;
export type ServedHandler = RouteHandler & { [SERVED]: Endpoint<any, any, any, any> };

/** The endpoint a route handler serves, if it was made by `serve` (the route-walk test uses this). */
export function endpointOf(handler: unknown): Endpoint<any, any, any, any> | null {
  return typeof handler === "function" && SERVED in handler ? (handler as ServedHandler)[SERVED] : null;
}

const MUTATING = new Set<HttpMethod>(["POST", "PUT", "PATCH", "DELETE"]);

export function serve<P, Q, H, B>(spec: Endpoint<P, Q, H, B>): ServedHandler {
  const handler = route<Record<string, string | string[]>>(spec.operationId, async ({ request, params, requestId, log, container: open }) => {
    const container = await open();
    let principal: Principal | null = null;
    if (spec.access !== "public") {
      const auth = await authenticate(request, { identities: container.identity.store, secret: container.identity.secret, now: container.clock.now() });
      if (!auth) throw new AppError("UNAUTHENTICATED", "Sign in, or send Authorization: Bearer <API token>");
      if (!hasRole(auth.principal.role, spec.access)) {
        throw new AppError("FORBIDDEN", `${spec.summary} needs the ${spec.access.toLowerCase()} role; ${auth.principal.actor} has ${auth.principal.role.toLowerCase()}`, { required: spec.access, role: auth.principal.role });
      }
      if (auth.via === "session" && MUTATING.has(spec.method)) assertSameOrigin(request);
      principal = auth.principal;
    }
    // Each part is parsed here, once, with the schema the endpoint declares; the
    // handler gets the parsed values (dates as Dates, cursors decoded) and hands
    // them to use cases that take them as parsed, never parsing them again.
    const bodyLimit = spec.maxBodyBytes?.(container.env) ?? container.env.API_MAX_BODY_BYTES;
    const input = {
      params: parsePart("path", spec.params, params),
      query: parsePart("query", spec.query, queryObject(new URL(request.url).searchParams)),
      headers: parsePart("header", spec.headers, headerObject(request.headers, spec.headers)),
      body: spec.body ? parsePart("body", spec.body, await readJsonBody(request, bodyLimit)) : spec.rawBody ? undefined : await readNoBody(request, bodyLimit),
    };
    const rawBody = spec.rawBody ? await readRawBody(request, container.env.API_MAX_BODY_BYTES, spec.rawBody.contentType) : undefined;
    const result = await spec.handler({ request, principal, ...input, rawBody, container, log, requestId } as EndpointContext<P, Q, H, B>);
    if (result instanceof Response) return result;
    const declared = spec.responses[result.status];
    if (!declared) throw new Error(`${spec.operationId} answered ${result.status}, which it does not declare`);
    const body = declared.schema ? declared.schema.parse(result.body) : result.body;
    return Response.json(body, { status: result.status, headers: result.headers });
  }) as ServedHandler;
  handler[SERVED] = spec;
  return handler;
}

/** Input problems are the caller's: 422 naming where (path, query, header, body) and what. */
function parsePart<T>(where: string, schema: ZodType<T> | undefined, value: unknown): T {
  if (!schema) return (where === "body" ? undefined : {}) as T;
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new ZodError(result.error.issues.map((issue) => ({ ...issue, path: [where, ...issue.path] })));
}

/** Query strings as a flat object; a parameter given twice is refused rather than silently picking one. */
function queryObject(params: URLSearchParams): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of params) {
    if (key in out) throw new AppError("VALIDATION_FAILED", `Query parameter ${key.slice(0, 100)} is given more than once; give it once (lists are comma-separated)`, { parameter: key.slice(0, 100) });
    out[key] = value;
  }
  return out;
}

/** Only the headers the endpoint declares are parsed (every request carries many others). */
function headerObject(headers: Headers, schema: ZodType | undefined): Record<string, string> {
  if (!schema || !(schema instanceof z.ZodObject)) return {};
  const out: Record<string, string> = {};
  for (const name of Object.keys(schema.shape)) {
    const value = headers.get(name);
    if (value !== null) out[name] = value;
  }
  return out;
}

const NOT_ALLOWED = Symbol.for("interlock.method-not-allowed");

/**
 * The answer to a method a path does not have: 405 with the structured error
 * body and an Allow header (Next's own 405 has no body). Route files export it
 * for every method they do not serve (through `otherMethodsNotAllowed`).
 */
export function methodNotAllowed(allowed: HttpMethod[]): RouteHandler {
  const handler = route<Record<string, string | string[]>>("method-not-allowed", async ({ request }) => {
    const error = new AppError("METHOD_NOT_ALLOWED", `${request.method} is not allowed on ${new URL(request.url).pathname}; it answers ${allowed.join(", ")}`, { allowed });
    throw error;
  });
  const withAllow: RouteHandler = async (request, segment) => {
    const response = await handler(request, segment);
    response.headers.set("allow", allowed.join(", "));
    return response;
  };
  (withAllow as RouteHandler & { [NOT_ALLOWED]: true })[NOT_ALLOWED] = true;
  return withAllow;
}

const HTTP_METHODS: readonly HttpMethod[] = ["GET", "POST", "PUT", "PATCH", "DELETE"];

/**
 * The 405 handlers for every method a route file does not serve, one per
 * method name, so a route file says it in one line:
 *
 *     export const GET = serve(listThingsEndpoint);
 *     export const { POST, PUT, PATCH, DELETE } = otherMethodsNotAllowed("GET");
 */
export function otherMethodsNotAllowed<A extends HttpMethod>(...allowed: A[]): Record<Exclude<HttpMethod, A>, RouteHandler> {
  const handler = methodNotAllowed(allowed);
  const others = HTTP_METHODS.filter((method): method is Exclude<HttpMethod, A> => !(allowed as HttpMethod[]).includes(method));
  return Object.fromEntries(others.map((method) => [method, handler])) as Record<Exclude<HttpMethod, A>, RouteHandler>;
}

/** True for the handlers `methodNotAllowed` makes (the route-walk test skips them). */
export function isMethodNotAllowed(handler: unknown): boolean {
  return typeof handler === "function" && NOT_ALLOWED in handler;
}
