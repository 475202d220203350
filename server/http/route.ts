import "server-only";
import { getContainer, type Container } from "../container";
import { getLogger, type Logger } from "../logger";
import { mapError } from "./error-response";

// Every route handler goes through `route()`: it gives the handler a request id
// and a logger bound to it, times the request, and turns any thrown error into
// the structured error body. Handlers stay a few lines: parse, call, return.
// API routes add identity, roles and schemas on top of this in ./endpoint.ts.

export interface RouteContext<P> {
  request: Request;
  params: P;
  requestId: string;
  log: Logger;
  /** The wired core; opened on first use, so routes that do not need the store never wait for it. */
  container(): Promise<Container>;
}

type Handler<P> = (ctx: RouteContext<P>) => Promise<Response>;

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The caller's X-Request-Id when it is a sane token, else a fresh one. */
export function requestIdOf(request: Request): string {
  const incoming = request.headers.get("x-request-id");
  return incoming && REQUEST_ID.test(incoming) ? incoming : crypto.randomUUID();
}

export function route<P = Record<string, never>>(name: string, handler: Handler<P>) {
  return async (request: Request, segment: { params: Promise<P> }): Promise<Response> => {
    const requestId = requestIdOf(request);
    const log = getLogger().child({ requestId, route: name });
    const started = performance.now();
    let response: Response;
    try {
      response = await handler({ request, params: await segment.params, requestId, log, container: getContainer });
    } catch (error) {
      const mapped = mapError(error, requestId);
      if (mapped.unexpected) log.error({ err: error }, "request failed");
      response = Response.json(mapped.body, { status: mapped.status, headers: errorHeaders(mapped.status) });
    }
    response.headers.set("x-request-id", requestId);
    log.info({ method: request.method, path: new URL(request.url).pathname, status: response.status, ms: Math.round(performance.now() - started) }, "request");
    return response;
  };
}

/**
 * Headers an error answer carries: 401 names the scheme; 413 closes the
 * connection, because the refused body may not have been read to its end and
 * the connection cannot carry another request (docs/api.md#errors).
 */
function errorHeaders(status: number): Record<string, string> | undefined {
  if (status === 401) return { "www-authenticate": 'Bearer realm="interlock"' };
  if (status === 413) return { connection: "close" };
  return undefined;
}
