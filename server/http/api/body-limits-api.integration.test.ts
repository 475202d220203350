// Request bodies at their limits, on the real container and route handlers:
// the nesting depth checked on the text before anything parses it, the size
// limit on endpoints that take no body, and a 413 that leaves the client's
// connection pool working, tested through a real node:http server that hands
// the route handler the socket's request stream as its body, as Next does
// (next/dist/server/web/spec-extension/adapters/next-request.js).
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ZErrorBody } from "@/lib/api/common";
import { MAX_JSON_DEPTH } from "../read-body";
import { ORIGIN, startApiHarness, type ApiHarness } from "../../testing/api";

let api: ApiHarness;
const LIMIT = 65_536; // API_MAX_BODY_BYTES' default

beforeAll(async () => {
  api = await startApiHarness("body_limits_api");
  expect(api.container.env.API_MAX_BODY_BYTES).toBe(LIMIT);
});
afterAll(async () => {
  await api?.close();
});

async function post(path: string, body: BodyInit, headers: Record<string, string> = {}, role: "OPERATOR" | "ADMIN" | "VIEWER" = "OPERATOR", method = "POST") {
  const init: RequestInit & { duplex?: "half" } = { method, headers: { ...(await api.as(role)), "content-type": "application/json", ...headers }, body };
  if (body instanceof ReadableStream) init.duplex = "half";
  const response = await api.fetch(path, init);
  return { status: response.status, headers: response.headers, json: (await response.json()) as any };
}

/** A submission whose params.deep is `levels` objects inside one another. */
const nested = (levels: number, service: string) => `{"type":"DEPLOYMENT","service":"${service}","params":{"version":"1","deep":${'{"a":'.repeat(levels)}1${"}".repeat(levels)}}}`;

describe("nesting depth", () => {
  it(`refuses a body nested 3,000 levels deep (about 15 KB) with 422 naming the limit of ${MAX_JSON_DEPTH}, and writes nothing`, async () => {
    const body = nested(3000, "search-service");
    expect(body.length).toBeLessThan(LIMIT);
    const [before] = await api.container.db.query<{ n: string }>("SELECT count(*)::text AS n FROM operations");
    for (const path of ["/api/v1/operations", "/api/v1/operations/plan"]) {
      const response = await post(path, body);
      expect(response.status).toBe(422);
      const error = ZErrorBody.parse(response.json).error;
      expect(error.code).toBe("VALIDATION_FAILED");
      expect(error.message).toContain(`more than ${MAX_JSON_DEPTH} levels deep`);
      expect(error.details).toMatchObject({ maxDepth: MAX_JSON_DEPTH, issues: [{ path: ["body"] }] });
    }
    // Arrays count as much as objects, and on any endpoint with a body (they all read it through one reader).
    const arrays = await post("/api/v1/settings/gates", `{"gates":${"[".repeat(3000)}${"]".repeat(3000)}}`, {}, "ADMIN", "PUT");
    expect(arrays.status).toBe(422);
    expect(arrays.json.error.details.maxDepth).toBe(MAX_JSON_DEPTH);
    const [after] = await api.container.db.query<{ n: string }>("SELECT count(*)::text AS n FROM operations");
    expect(after!.n).toBe(before!.n);
  });

  it("accepts 20 levels, and brackets inside strings do not count", async () => {
    const twenty = await post("/api/v1/operations", nested(20, "geo-service"));
    expect(twenty.status).toBe(202);
    let deep: any = twenty.json.operation.params.deep;
    for (let i = 0; i < 20; i++) deep = deep.a;
    expect(deep).toBe(1);
    const text = "[{".repeat(3000) + '\\"[[[';
    const inString = await post("/api/v1/operations", `{"type":"DEPLOYMENT","service":"email-service","params":{"version":"2","note":"${text}"}}`);
    expect(inString.status).toBe(202);
    expect(inString.json.operation.params.note).toBe("[{".repeat(3000) + '"[[[');
  });

  it(`accepts exactly ${MAX_JSON_DEPTH} levels and refuses ${MAX_JSON_DEPTH + 1}`, async () => {
    // The submission object and params are two levels; deep adds the rest.
    expect((await post("/api/v1/operations/plan", nested(MAX_JSON_DEPTH - 2, "sms-service"))).status).toBe(200);
    expect((await post("/api/v1/operations/plan", nested(MAX_JSON_DEPTH - 1, "sms-service"))).status).toBe(422);
  });
});

describe("endpoints that take no body", () => {
  /** A body of `total` bytes, made as it is read, counting what was read. */
  function counted(total: number) {
    const chunk = new Uint8Array(16 * 1024).fill(0x20);
    let pulled = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (pulled >= total) return controller.close();
        pulled += chunk.byteLength;
        controller.enqueue(chunk);
      },
    });
    return { stream, pulled: () => pulled };
  }

  it("refuses a body over the limit with 413 without reading it all", async () => {
    const body = counted(50 * 1024 * 1024);
    const response = await post("/api/v1/audit/verify", body.stream, {}, "VIEWER");
    expect(response.status).toBe(413);
    expect(response.json.error).toMatchObject({ code: "PAYLOAD_TOO_LARGE", details: { maxBytes: LIMIT } });
    expect(response.headers.get("connection")).toBe("close");
    // The limit, and at most a bounded drain after it: not the 50 MB.
    expect(body.pulled()).toBeLessThan(LIMIT + 2 * 1024 * 1024);
  });

  it("refuses one whose Content-Length is over the limit before reading it", async () => {
    const response = await post("/api/v1/audit/verify", "x".repeat(LIMIT + 1), { "content-length": String(LIMIT + 1) }, "VIEWER");
    expect(response.status).toBe(413);
  });

  it("still answers 422 to a small body, and takes none or an empty object", async () => {
    expect((await post("/api/v1/audit/verify", '{"full":true}', {}, "VIEWER")).status).toBe(422);
    expect((await post("/api/v1/audit/verify", "{}", {}, "VIEWER")).status).toBe(200);
    const none = await api.fetch("/api/v1/audit/verify", { method: "POST", headers: await api.as("VIEWER") });
    expect(none.status).toBe(200);
  });
});

describe("a 413 over a real connection", () => {
  let server: http.Server;
  let port: number;

  beforeAll(async () => {
    // The route handler behind a node:http server, wired as Next wires it: the
    // request stream is the Request's body; the Response's headers are copied
    // onto the node response (next/dist/server/send-response.js).
    server = http.createServer(async (req, res) => {
      try {
        const headers = new Headers();
        for (const [name, value] of Object.entries(req.headers)) for (const v of Array.isArray(value) ? value : value === undefined ? [] : [value]) headers.append(name, v);
        const hasBody = req.method !== "GET" && req.method !== "HEAD";
        const response = await api.fetch(req.url!, { method: req.method, headers, ...(hasBody ? { body: req as unknown as BodyInit, duplex: "half" } : {}) } as RequestInit);
        res.statusCode = response.status;
        response.headers.forEach((value, name) => {
          if (!["content-length", "content-encoding", "transfer-encoding"].includes(name)) res.appendHeader(name, value);
        });
        res.end(Buffer.from(await response.arrayBuffer()));
      } catch (error) {
        res.statusCode = 599;
        res.end(String(error));
      }
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
  });

  interface Answer {
    status: number;
    headers: http.IncomingHttpHeaders;
    body: string;
    socket: number;
  }
  const sockets = new WeakMap<object, number>();
  let nextSocket = 0;

  /** One request through `agent`; `body` is written in 16 KB chunks (chunked encoding unless a Content-Length is given). */
  async function send(agent: http.Agent, method: string, path: string, body: number | null, extra: Record<string, string> = {}): Promise<Answer> {
    const headers = { ...(await api.as("OPERATOR")), host: new URL(ORIGIN).host, "content-type": "application/json", ...extra };
    return new Promise<Answer>((resolve, reject) => {
      const req = http.request({ host: "127.0.0.1", port, method, path, agent, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString("utf8"), socket: sockets.get(req.socket!)! }));
        res.on("error", reject);
      });
      req.on("socket", (socket) => {
        if (!sockets.has(socket)) sockets.set(socket, ++nextSocket);
      });
      req.on("error", reject);
      if (body === null) return void req.end();
      const chunk = Buffer.alloc(16 * 1024, 0x20);
      let left = body;
      const write = () => {
        while (left > 0) {
          const n = Math.min(left, chunk.length);
          left -= n;
          if (!req.write(n === chunk.length ? chunk : chunk.subarray(0, n))) return void req.once("drain", write);
        }
        req.end();
      };
      write();
    });
  }

  it("answers 413 with Connection: close, and the pool's next request gets through", async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const warm = await send(agent, "GET", "/api/v1/me", null);
      expect(warm.status).toBe(200);
      // Kept alive: the next request goes over the same connection.
      expect((await send(agent, "GET", "/api/v1/me", null)).socket).toBe(warm.socket);

      const bodies: [number, Record<string, string>][] = [
        // Streamed (chunked) past the limit, then drained: before, the body stream was cancelled and the pool's next request was reset.
        [300 * 1024, {}],
        // Declared too large: refused before reading, the rest drained.
        [LIMIT + 10, { "content-length": String(LIMIT + 10) }],
        // Past the drain budget: the server closes the connection after answering (on loopback the answer arrives first).
        [20 * 1024 * 1024, {}],
        [20 * 1024 * 1024, { "content-length": String(20 * 1024 * 1024) }],
      ];
      for (const [size, extra] of bodies) {
        const refused = await send(agent, "POST", "/api/v1/operations", size, extra);
        expect(refused.status).toBe(413);
        expect(refused.headers.connection).toBe("close");
        expect(JSON.parse(refused.body).error.code).toBe("PAYLOAD_TOO_LARGE");
        const after = await send(agent, "GET", "/api/v1/me", null);
        expect(after.status).toBe(200);
        expect(after.socket).not.toBe(refused.socket);
      }

      // A body that is not too large keeps the connection.
      const small = await send(agent, "POST", "/api/v1/operations/plan", null);
      expect(small.status).toBe(400);
      expect((await send(agent, "GET", "/api/v1/me", null)).socket).toBe(small.socket);
    } finally {
      agent.destroy();
    }
  });
});
