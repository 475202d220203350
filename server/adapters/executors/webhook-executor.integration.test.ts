// The webhook executor against a real HTTP server on a free local port: the
// server checks every signature with the exported verifier, exactly as a
// deploy system would, and scripts the answers each test needs.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../core/clock";
import { AppError } from "../../core/errors";
import type { ExecutionContext, ExecutionStep } from "../../core/executors/ports";
import type { OperationSnapshot } from "../../core/operations/types";
import { signedTarget, signWebhookPayload, verifyWebhookSignature, WebhookExecutor, type WebhookExecutorConfig, webhookExecutorConfigFromEnv } from "./webhook-executor";

const SECRET = "test-secret-0123456789abcdef-0123456789";

interface ReceivedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

type Respond = (request: ReceivedRequest, response: http.ServerResponse) => void;

let server: http.Server;
let baseUrl: string;
let received: ReceivedRequest[] = [];
let respond: Respond = (_req, res) => json(res, 500, { message: "no handler" });

function json(response: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { "Content-Type": "application/json", ...headers });
  response.end(JSON.stringify(body));
}

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const request: ReceivedRequest = { method: req.method ?? "", path: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks).toString("utf8") };
      received.push(request);
      const timestamp = req.headers["x-interlock-timestamp"];
      const signature = req.headers["x-interlock-signature"];
      // The receiver checks the signature against the method and path it was actually sent to.
      const target = { method: request.method, path: request.path };
      if (!verifyWebhookSignature(SECRET, typeof timestamp === "string" ? timestamp : null, target, request.body, typeof signature === "string" ? signature : null)) {
        json(res, 401, { message: "invalid signature" });
        return;
      }
      respond(request, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(() => {
  received = [];
  respond = (_req, res) => json(res, 500, { message: "no handler" });
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function config(overrides: Partial<WebhookExecutorConfig> = {}): WebhookExecutorConfig {
  return {
    url: `${baseUrl}/deployments`,
    secret: SECRET,
    requestTimeoutMs: 2_000,
    overallTimeoutMs: 10_000,
    maxAttempts: 3,
    initialBackoffMs: 10,
    maxBackoffMs: 40,
    pollIntervalMs: 10,
    maxPollIntervalMs: 40,
    ...overrides,
  };
}

const OPERATION: OperationSnapshot = {
  id: "0b7e4c52-1111-4000-8000-00000000abcd",
  type: "DEPLOYMENT",
  service: "payment-service",
  actor: "auto-healing-system",
  actorKind: "AUTOMATION",
  correlationId: "INC-2026-001",
  params: { version: "v1.0.1", strategy: "canary" },
  state: "IN_PROGRESS",
  version: 3,
  createdAt: new Date("2026-01-01T00:00:00.000Z"),
};

function context(options: { signal?: AbortSignal; attempt?: number } = {}) {
  const recorded: ExecutionStep[] = [];
  let fenceChecks = 0;
  const ctx: ExecutionContext = {
    operation: OPERATION,
    attempt: options.attempt ?? 1,
    previousSteps: [],
    fences: [
      { key: { scope: "SERVICE", resource: "payment-service" }, fencingToken: 9_007_199_254_740_993n },
      { key: { scope: "INCIDENT", resource: "INC-2026-001" }, fencingToken: 4n },
    ],
    signal: options.signal ?? new AbortController().signal,
    clock: new ManualClock(),
    assertFenced: () => {
      fenceChecks += 1;
    },
    recordStep: async (step) => {
      recorded.push(step);
    },
    sleep: async () => {},
  };
  return { ctx, recorded, fenceChecks: () => fenceChecks };
}

describe("WebhookExecutor", () => {
  it("sends a signed, idempotent request and finishes on a 200 with a final status", async () => {
    respond = (_req, res) => json(res, 200, { status: "SUCCEEDED", summary: "payment-service runs v1.0.1 on 30 of 30 replicas", detail: { replicas: 30 } });
    const { ctx, recorded, fenceChecks } = context();

    const outcome = await new WebhookExecutor(config()).execute(ctx);

    expect(outcome).toEqual({ status: "SUCCEEDED", summary: "payment-service runs v1.0.1 on 30 of 30 replicas", detail: { httpStatus: 200, attempts: 1, statusUrl: null, deploySystem: { replicas: 30 } } });
    expect(received).toHaveLength(1);
    const [request] = received;
    expect(request?.method).toBe("POST");
    expect(request?.path).toBe("/deployments");
    expect(request?.headers["content-type"]).toBe("application/json");
    expect(request?.headers["idempotency-key"]).toBe(OPERATION.id);
    expect(Math.abs(Number(request?.headers["x-interlock-timestamp"]) - Date.now() / 1000)).toBeLessThan(5);
    expect(request?.headers["x-interlock-signature"]).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(JSON.parse(request?.body ?? "")).toEqual({
      operation: { id: OPERATION.id, type: "DEPLOYMENT", service: "payment-service", params: { version: "v1.0.1", strategy: "canary" }, correlationId: "INC-2026-001", actor: "auto-healing-system" },
      attempt: 1,
      // Past 2^53, as a string: every digit survives.
      fences: [
        { scope: "SERVICE", resource: "payment-service", fencingToken: "9007199254740993" },
        { scope: "INCIDENT", resource: "INC-2026-001", fencingToken: "4" },
      ],
    });
    expect(fenceChecks()).toBe(1);
    expect(recorded.map((s) => [s.name, s.outcome])).toEqual([["webhook SUCCEEDED", "PASSED"]]);
  });

  it("fails at once with the receiver's message when the signature is wrong", async () => {
    respond = (_req, res) => json(res, 200, { status: "SUCCEEDED" });
    const outcome = await new WebhookExecutor(config({ secret: "another-secret-that-is-long-enough-000" })).execute(context().ctx);
    expect(outcome.status).toBe("FAILED");
    expect(outcome.summary).toBe("The deploy system refused DEPLOYMENT of payment-service (HTTP 401): invalid signature.");
    expect(received).toHaveLength(1);
  });

  it("follows a 202's status URL until SUCCEEDED, recording each status change once", async () => {
    const statuses = ["PENDING", "RUNNING", "RUNNING", "SUCCEEDED"];
    respond = (req, res) => {
      if (req.method === "POST") return json(res, 202, { status: "PENDING", statusUrl: `/deployments/${OPERATION.id}` });
      const status = statuses.shift() ?? "SUCCEEDED";
      json(res, 200, { status, ...(status === "SUCCEEDED" ? { summary: "canary 10% → 50% → 100% passed" } : {}) });
    };
    const { ctx, recorded } = context();

    const outcome = await new WebhookExecutor(config()).execute(ctx);

    expect(outcome).toMatchObject({ status: "SUCCEEDED", summary: "canary 10% → 50% → 100% passed", detail: { statusUrl: `${baseUrl}/deployments/${OPERATION.id}` } });
    expect(recorded.map((s) => [s.name, s.outcome])).toEqual([
      ["webhook accepted", "INFO"],
      ["webhook status RUNNING", "INFO"],
      ["webhook status SUCCEEDED", "PASSED"],
    ]);
    const polls = received.filter((r) => r.method === "GET");
    expect(polls).toHaveLength(4);
    // Polls are signed too (over the empty body) and carry the same key.
    expect(polls.every((r) => r.path === `/deployments/${OPERATION.id}` && r.headers["idempotency-key"] === OPERATION.id && r.body === "")).toBe(true);
  });

  it("follows a Location header to ROLLED_BACK and reports the deploy system's summary", async () => {
    let polls = 0;
    respond = (req, res) => {
      if (req.method === "POST") return json(res, 202, {}, { Location: `${baseUrl}/status/42` });
      polls += 1;
      json(res, 200, polls < 2 ? { status: "RUNNING" } : { status: "rolled_back", summary: "canary error rate 3.1% > 2% at 10%; v1.0.0 restored" });
    };
    const { ctx, recorded } = context();

    const outcome = await new WebhookExecutor(config()).execute(ctx);

    expect(outcome).toMatchObject({ status: "ROLLED_BACK", summary: "canary error rate 3.1% > 2% at 10%; v1.0.0 restored" });
    expect(recorded.at(-1)).toMatchObject({ name: "webhook status ROLLED_BACK", outcome: "FAILED" });
    expect(received.filter((r) => r.method === "GET").every((r) => r.path === "/status/42")).toBe(true);
  });

  it("does not follow a status URL on another origin, and a later cancel is not sent there either", async () => {
    respond = (req, res) => (req.method === "POST" ? json(res, 202, { status: "PENDING", statusUrl: "https://collector.attacker.example/deployments/1" }) : json(res, 200, { status: "SUCCEEDED" }));
    const run = context();
    const executor = new WebhookExecutor(config());
    const outcome = await executor.execute(run.ctx);
    expect(outcome.status).toBe("FAILED");
    expect(outcome.summary).toContain("is on another origin than");
    expect(received.map((r) => r.method)).toEqual(["POST"]);
    // The refusal step names the URL under another key, so withdraw() posts its cancel to the webhook URL, not to the foreign one.
    await executor.withdraw({ ...run.ctx, previousSteps: run.recorded }, "aborted");
    expect(received[1]).toMatchObject({ method: "POST", path: "/deployments" });
  });

  it("retries a 500 with backoff and succeeds on the third try, re-checking the fence each time", async () => {
    let posts = 0;
    respond = (_req, res) => {
      posts += 1;
      if (posts <= 2) return json(res, 500, { message: "deployer restarting" });
      json(res, 200, { status: "SUCCEEDED" });
    };
    const { ctx, recorded, fenceChecks } = context();

    const outcome = await new WebhookExecutor(config()).execute(ctx);

    expect(outcome).toMatchObject({ status: "SUCCEEDED", summary: "The deploy system reported SUCCEEDED for DEPLOYMENT of payment-service.", detail: { attempts: 3 } });
    expect(received).toHaveLength(3);
    // The same body under the same key each time: the deploy system sees one operation.
    expect(new Set(received.map((r) => r.body)).size).toBe(1);
    expect(new Set(received.map((r) => r.headers["idempotency-key"])).size).toBe(1);
    expect(fenceChecks()).toBe(3);
    expect(recorded.map((s) => s.name)).toEqual(["webhook request 1 failed", "webhook request 2 failed", "webhook SUCCEEDED"]);
    expect(recorded[0]?.detail).toEqual({ attempt: 1, problem: "HTTP 500: deployer restarting" });
  });

  it("gives up after the configured attempts, naming the last HTTP status", async () => {
    respond = (_req, res) => json(res, 503, { message: "maintenance" });
    const outcome = await new WebhookExecutor(config()).execute(context().ctx);
    expect(outcome).toMatchObject({ status: "FAILED", summary: "The deploy system did not accept DEPLOYMENT of payment-service after 3 attempts; last error: HTTP 503: maintenance." });
    expect(received).toHaveLength(3);
  });

  it("names the network error when nothing listens", async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));

    const outcome = await new WebhookExecutor(config({ url: `http://127.0.0.1:${port}/deployments`, maxAttempts: 2 })).execute(context().ctx);

    expect(outcome.status).toBe("FAILED");
    expect(outcome.summary).toContain("after 2 attempts; last error: fetch failed (ECONNREFUSED)");
  });

  it("does not retry a 4xx, and reports the body's message", async () => {
    respond = (_req, res) => json(res, 422, { error: { message: "unknown service payment-service" } });
    const { ctx, recorded } = context();
    const outcome = await new WebhookExecutor(config()).execute(ctx);
    expect(outcome).toMatchObject({ status: "FAILED", summary: "The deploy system refused DEPLOYMENT of payment-service (HTTP 422): unknown service payment-service.", detail: { httpStatus: 422 } });
    expect(received).toHaveLength(1);
    expect(recorded.map((s) => [s.name, s.outcome])).toEqual([["webhook refused", "FAILED"]]);
  });

  it("fails after the overall timeout, saying so and naming the last status seen", async () => {
    respond = (req, res) => (req.method === "POST" ? json(res, 202, { statusUrl: "/deployments/slow" }) : json(res, 200, { status: "RUNNING" }));
    const started = performance.now();

    const outcome = await new WebhookExecutor(config({ overallTimeoutMs: 300 })).execute(context().ctx);

    expect(outcome.status).toBe("FAILED");
    expect(outcome.summary).toMatch(/^Timed out after 0\.3 s waiting for the deploy system to finish DEPLOYMENT of payment-service; last status seen: RUNNING\b/);
    expect(outcome.summary).toMatch(/It may still complete: check the deploy system before retrying\.$/);
    expect(outcome.detail).toMatchObject({ timedOut: true, lastStatus: "RUNNING" });
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it("stops mid-poll when the context aborts, propagating the reason and polling no more", async () => {
    const controller = new AbortController();
    respond = (req, res) => {
      if (req.method === "POST") return json(res, 202, { statusUrl: "/deployments/abort-me" });
      json(res, 200, { status: "RUNNING" });
      controller.abort(new AppError("LOCK_LOST", "the SERVICE lease on payment-service expired"));
    };

    const running = new WebhookExecutor(config()).execute(context({ signal: controller.signal }).ctx);

    await expect(running).rejects.toMatchObject({ code: "LOCK_LOST" });
    const polls = received.filter((r) => r.method === "GET").length;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(received.filter((r) => r.method === "GET")).toHaveLength(polls);
  });

  it("aborts a request in flight", async () => {
    const controller = new AbortController();
    respond = () => {
      // Never answers: only the abort can end the request.
      controller.abort(new AppError("LOCK_LOST", "lease lost while sending"));
    };
    await expect(new WebhookExecutor(config()).execute(context({ signal: controller.signal }).ctx)).rejects.toMatchObject({ message: "lease lost while sending" });
  });
});

describe("verifyWebhookSignature", () => {
  const now = 1_767_225_600;
  const body = '{"operation":{"id":"op-1"}}';
  const target = { method: "POST", path: "/deployments" };
  const signature = signWebhookPayload(SECRET, String(now), target, body);

  it("accepts the signature of the exact method, path, body and timestamp", () => {
    expect(verifyWebhookSignature(SECRET, String(now), target, body, signature, { nowSeconds: now + 10 })).toBe(true);
    expect(signedTarget("post", "https://deploy.example.com/deployments?x=1")).toEqual({ method: "POST", path: "/deployments?x=1" });
  });

  it("refuses a changed body, a changed timestamp, another secret, a malformed header or a stale timestamp", () => {
    expect(verifyWebhookSignature(SECRET, String(now), target, body.replace("op-1", "op-2"), signature, { nowSeconds: now })).toBe(false);
    expect(verifyWebhookSignature(SECRET, String(now + 1), target, body, signature, { nowSeconds: now })).toBe(false);
    expect(verifyWebhookSignature("x".repeat(40), String(now), target, body, signature, { nowSeconds: now })).toBe(false);
    expect(verifyWebhookSignature(SECRET, String(now), target, body, "sha256=abc", { nowSeconds: now })).toBe(false);
    expect(verifyWebhookSignature(SECRET, String(now), target, body, null, { nowSeconds: now })).toBe(false);
    expect(verifyWebhookSignature(SECRET, String(now), target, body, signature, { nowSeconds: now + 301 })).toBe(false);
  });

  it("refuses the same signature replayed with another method or against another path", () => {
    expect(verifyWebhookSignature(SECRET, String(now), { method: "DELETE", path: "/deployments" }, body, signature, { nowSeconds: now })).toBe(false);
    expect(verifyWebhookSignature(SECRET, String(now), { method: "POST", path: "/deployments/other" }, body, signature, { nowSeconds: now })).toBe(false);
    expect(verifyWebhookSignature(SECRET, String(now), { method: "POST", path: "/deployments?force=1" }, body, signature, { nowSeconds: now })).toBe(false);
  });
});

describe("webhookExecutorConfigFromEnv", () => {
  it("is null when no webhook URL is set", () => {
    expect(webhookExecutorConfigFromEnv({})).toBeNull();
    expect(webhookExecutorConfigFromEnv({ EXECUTOR_WEBHOOK_URL: "" })).toBeNull();
  });

  it("reads the URL, the secret and the timeouts", () => {
    expect(
      webhookExecutorConfigFromEnv({
        EXECUTOR_WEBHOOK_URL: "https://deploy.example.com/interlock",
        EXECUTOR_WEBHOOK_SECRET: SECRET,
        EXECUTOR_WEBHOOK_TIMEOUT_SECONDS: "120",
        EXECUTOR_WEBHOOK_REQUEST_TIMEOUT_MS: "5000",
        EXECUTOR_WEBHOOK_MAX_ATTEMPTS: "4",
      }),
    ).toMatchObject({ url: "https://deploy.example.com/interlock", secret: SECRET, overallTimeoutMs: 120_000, requestTimeoutMs: 5_000, maxAttempts: 4, pollIntervalMs: 2_000 });
  });

  it("refuses a URL without a secret, a short secret or a non-HTTP URL, naming the variable but not the value", () => {
    expect(() => webhookExecutorConfigFromEnv({ EXECUTOR_WEBHOOK_URL: "https://deploy.example.com" })).toThrowError("EXECUTOR_WEBHOOK_SECRET: is required when EXECUTOR_WEBHOOK_URL is set");
    expect(() => webhookExecutorConfigFromEnv({ EXECUTOR_WEBHOOK_URL: "https://deploy.example.com", EXECUTOR_WEBHOOK_SECRET: "short-secret" })).toThrowError(
      /EXECUTOR_WEBHOOK_SECRET: must be at least 32 characters/,
    );
    expect(() => webhookExecutorConfigFromEnv({ EXECUTOR_WEBHOOK_URL: "ftp://deploy.example.com", EXECUTOR_WEBHOOK_SECRET: SECRET })).toThrowError(/EXECUTOR_WEBHOOK_URL: must be an https/);
    expect(() => webhookExecutorConfigFromEnv({ EXECUTOR_WEBHOOK_URL: "https://deploy.example.com", EXECUTOR_WEBHOOK_SECRET: "short-secret" })).not.toThrowError(/short-secret/);
  });

  it("refuses http:// except on this machine: the request carries fencing tokens and a signed intent to change production", () => {
    expect(() => webhookExecutorConfigFromEnv({ EXECUTOR_WEBHOOK_URL: "http://deploy.example.com/interlock", EXECUTOR_WEBHOOK_SECRET: SECRET })).toThrowError(
      /EXECUTOR_WEBHOOK_URL: must be an https:\/\/ URL \(http:\/\/ is accepted only for localhost/,
    );
    expect(() => webhookExecutorConfigFromEnv({ EXECUTOR_WEBHOOK_URL: "http://10.0.0.5:8080/interlock", EXECUTOR_WEBHOOK_SECRET: SECRET })).toThrowError(/must be an https/);
    for (const url of ["http://127.0.0.1:8080/hook", "http://localhost:8080/hook", "http://[::1]:8080/hook"]) {
      expect(webhookExecutorConfigFromEnv({ EXECUTOR_WEBHOOK_URL: url, EXECUTOR_WEBHOOK_SECRET: SECRET })).toMatchObject({ url });
    }
  });

  it("pause and abort send the deploy system a signed cancel: DELETE on the status URL it gave, else a POST with {cancel}; a refusal is reported, not hidden", async () => {
    respond = (_req, res) => json(res, 202, { status: "CANCELLING" });
    const paused = context();
    const executor = new WebhookExecutor(config());
    // No status URL recorded yet: a POST to the webhook URL carrying the cancel.
    await executor.hold(paused.ctx, "error spike on checkout");
    expect(received[0]).toMatchObject({ method: "POST", path: "/deployments" });
    expect(received[0]!.headers["idempotency-key"]).toBe(`${OPERATION.id}:pause`);
    expect(JSON.parse(received[0]!.body)).toEqual({ cancel: { operationId: OPERATION.id, service: "payment-service", action: "pause", reason: "error spike on checkout" } });
    expect(paused.recorded.map((st) => `${st.name}:${st.outcome}`)).toEqual(["webhook cancel (pause):PASSED"]);

    // A status URL recorded by the run: DELETE there, and the partial change counts as withdrawn.
    const aborted = context();
    const accepted: ExecutionStep = { name: "webhook accepted", startedAt: "2026-01-01T00:00:00.000Z", endedAt: "2026-01-01T00:00:01.000Z", outcome: "INFO", detail: { statusUrl: `${baseUrl}/deployments/42` } };
    const withPrevious = { ...aborted.ctx, previousSteps: [accepted] };
    const outcome = await executor.withdraw(withPrevious, "aborted by bob: wrong build");
    expect(received[1]).toMatchObject({ method: "DELETE", path: "/deployments/42" });
    expect(JSON.parse(received[1]!.body).cancel).toMatchObject({ action: "abort", reason: "aborted by bob: wrong build" });
    expect(outcome).toMatchObject({ undone: true });
    expect(outcome.summary).toContain("asked to stop DEPLOYMENT of payment-service and roll back");

    // The deploy system refuses: not withdrawn, and the summary says to check it.
    respond = (_req, res) => json(res, 409, { message: "already promoted" });
    const refused = await executor.withdraw(withPrevious, "aborted by bob");
    expect(refused.undone).toBe(false);
    expect(refused.summary).toContain("HTTP 409: already promoted");
  });
});
