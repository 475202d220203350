// Fakes for the CLI's own unit tests: captured streams and signals, and an
// in-memory Interlock that answers the CLI's requests the way the API
// contract of docs/cli.md describes (submit, detail with its lease,
// heartbeat, steps, complete, cancel). They stand in for the server; the
// CLI is the thing under test, and the real server is exercised by
// e2e/cli.spec.ts.
import type { FetchLike, Lease, OperationDetail, OperationSummary } from "../api-client";
import type { Env, Io } from "../context";

export interface CapturedIo {
  io: Io;
  stdout(): string;
  stderr(): string;
  /** Delivers a signal to whatever subscribed (as the OS would to the CLI). */
  signal(name: "SIGINT" | "SIGTERM"): void;
}

export function captureIo(options: { env?: Env; fetch?: FetchLike; tty?: boolean } = {}): CapturedIo {
  let out = "";
  let err = "";
  const handlers = new Set<(s: "SIGINT" | "SIGTERM") => void>();
  const decode = (chunk: string | Uint8Array) => (typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8"));
  const io: Io = {
    stdout: { write: (c) => (out += decode(c)), isTTY: options.tty ?? false },
    stderr: { write: (c) => (err += decode(c)), isTTY: options.tty ?? false },
    env: { INTERLOCK_URL: "http://interlock.test", INTERLOCK_TOKEN: "ilk_test", ...options.env },
    ...(options.fetch ? { fetch: options.fetch } : {}),
    onSignal(handler) {
      handlers.add(handler);
      return () => handlers.delete(handler);
    },
  };
  return { io, stdout: () => out, stderr: () => err, signal: (s) => [...handlers].forEach((h) => h(s)) };
}

export interface Recorded {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: unknown;
}

export type Responder = (req: Recorded) => { status: number; body?: unknown } | Promise<{ status: number; body?: unknown }>;

/** A fetch that records every request and answers with `respond`. */
export function scriptedFetch(respond: Responder): { fetch: FetchLike; requests: Recorded[] } {
  const requests: Recorded[] = [];
  const fetch: FetchLike = async (url, init) => {
    const req: Recorded = { method: init.method, path: new URL(url).pathname, headers: init.headers, body: init.body ? JSON.parse(init.body) : undefined };
    requests.push(req);
    const res = await respond(req);
    const text = res.body === undefined ? "" : JSON.stringify(res.body);
    return { status: res.status, text: async () => text };
  };
  return { fetch, requests };
}

export const OP_ID = "0b7c1a52-3f0e-4c55-9a55-2d8e1d3c9f10";

export function summary(overrides: Partial<OperationSummary> = {}): OperationSummary {
  const at = "2026-01-01T00:00:00.000Z";
  return {
    id: OP_ID,
    type: "MAINTENANCE",
    service: "tax-service",
    state: "INIT",
    result: null,
    actor: "token:ci",
    actorKind: "AUTOMATION",
    correlationId: "c-1",
    incidentId: null,
    source: "API",
    execution: "external",
    leaseSeconds: 10,
    idempotencyKey: null,
    params: {},
    version: 1,
    priority: 2,
    attempt: 0,
    resumes: 0,
    queuedAt: null,
    control: null,
    preemptedBy: null,
    breakGlass: null,
    reason: null,
    error: null,
    createdAt: at,
    updatedAt: at,
    startedAt: null,
    finishedAt: null,
    ...overrides,
  };
}

export function detail(op: Partial<OperationSummary> = {}, rest: Partial<OperationDetail> = {}): OperationDetail {
  return {
    operation: summary(op),
    lockKeys: [],
    conflictCheck: null,
    outcome: null,
    transitions: [],
    steps: [],
    gateResults: [],
    conflicts: [],
    review: null,
    locks: [],
    auditEvents: [],
    auditEventsTruncated: false,
    lease: null,
    ...rest,
  };
}

export function lease(overrides: Partial<Lease> = {}): Lease {
  return {
    state: "ACTIVE",
    fencingToken: "9007199254740993",
    fences: [{ scope: "SERVICE", resource: "tax-service", fencingToken: "9007199254740993" }],
    leaseSeconds: 10,
    deadline: null,
    grantedAt: "2026-01-01T00:00:01.000Z",
    lastHeartbeatAt: null,
    heartbeats: 0,
    holdReason: null,
    endedAt: null,
    endReason: null,
    ...overrides,
  };
}

function error(status: number, code: string, message: string, details: Record<string, unknown> = {}) {
  return { status, body: { error: { code, message, details } } };
}

/**
 * An in-memory Interlock for one external run. The operation waits
 * `waitPolls` detail reads in INIT, then is IN_PROGRESS with an ACTIVE
 * lease; heartbeats are answered by `onHeartbeat` (CONTINUE by default);
 * complete ends it COMPLETED or FAILED.
 */
export class FakeInterlock {
  op: OperationSummary = summary({ createdAt: new Date().toISOString() });
  lease: Lease | null = null;
  waitPolls = 2;
  submitResult: "ACCEPTED" | "ALREADY_RUNNING" = "ACCEPTED";
  /** When set, the operation ends this way instead of starting (blocked, rejected…). */
  endBeforeStart: Partial<OperationSummary> | null = null;
  /** The answer to heartbeat n; ABORT: a person aborted it (the lease is revoked, the operation ends FAILED). */
  onHeartbeat: (n: number) => { status: number; body?: unknown } | "CONTINUE" | "HOLD" | "ABORT" = () => "CONTINUE";
  heartbeats = 0;
  completed: Record<string, unknown> | null = null;
  steps: Record<string, unknown>[] = [];
  cancelled: Record<string, unknown> | null = null;
  private polls = 0;
  readonly scripted = scriptedFetch((req) => this.handle(req));

  get fetch(): FetchLike {
    return this.scripted.fetch;
  }

  get requests(): Recorded[] {
    return this.scripted.requests;
  }

  private detail(): OperationDetail {
    return detail(this.op, { lease: this.lease });
  }

  private handle(req: Recorded): { status: number; body?: unknown } {
    const base = `/api/v1/operations`;
    if (req.method === "POST" && req.path === base) {
      this.op = { ...this.op, params: ((req.body as { params?: Record<string, unknown> }).params ?? {}) as OperationSummary["params"] };
      return { status: this.submitResult === "ACCEPTED" ? 202 : 200, body: { result: this.submitResult, operation: this.op } };
    }
    if (req.method === "GET" && req.path === `${base}/${OP_ID}`) {
      this.polls++;
      if (this.op.state === "INIT" && this.polls > this.waitPolls) {
        if (this.endBeforeStart) this.op = { ...this.op, ...this.endBeforeStart };
        else {
          this.op = { ...this.op, state: "IN_PROGRESS", reason: null, queuedAt: null, startedAt: new Date().toISOString() };
          this.lease = lease();
        }
      } else if (this.op.state === "INIT") {
        this.op = { ...this.op, queuedAt: "2026-01-01T00:00:00.000Z", reason: `Waiting in line for tax-service: position ${this.waitPolls - this.polls + 2}` };
      }
      return { status: 200, body: this.detail() };
    }
    if (req.method === "POST" && req.path === `${base}/${OP_ID}/heartbeat`) {
      const n = ++this.heartbeats;
      if (!this.lease || this.lease.state === "COMPLETED" || this.lease.state === "REVOKED" || this.lease.state === "EXPIRED") return error(409, "LEASE_ENDED", "The lease has ended");
      const answer = this.onHeartbeat(n);
      if (typeof answer === "object") return answer;
      if (answer === "ABORT") {
        this.lease = { ...this.lease, state: "REVOKED", endReason: "aborted by approver@interlock.local: wrong build" };
        this.op = { ...this.op, state: "FAILED", result: "FAILED", reason: "Aborted by approver@interlock.local: wrong build", finishedAt: new Date().toISOString() };
        return error(409, "LEASE_ENDED", `The lease of operation ${OP_ID} ended: aborted by approver@interlock.local: wrong build`);
      }
      this.lease = { ...this.lease, state: answer === "HOLD" ? "HELD" : "ACTIVE", lastHeartbeatAt: new Date().toISOString() };
      return { status: 200, body: { lease: this.lease, instruction: answer, reason: answer === "HOLD" ? "paused by approver@interlock.local: checking a dashboard" : null, operation: this.op } };
    }
    if (req.method === "POST" && req.path === `${base}/${OP_ID}/steps`) {
      this.steps.push(req.body as Record<string, unknown>);
      return { status: 201, body: {} };
    }
    if (req.method === "POST" && req.path === `${base}/${OP_ID}/complete`) {
      const body = req.body as { status: string; summary: string; fencingToken: string };
      if (!this.lease || this.lease.state !== "ACTIVE" || body.fencingToken !== this.lease.fencingToken) return error(409, "LEASE_ENDED", "The lease has ended");
      this.completed = req.body as Record<string, unknown>;
      this.lease = { ...this.lease, state: "COMPLETED" };
      this.op = body.status === "SUCCEEDED" ? { ...this.op, state: "COMPLETED", result: "SUCCESS", finishedAt: new Date().toISOString() } : { ...this.op, state: "FAILED", result: "FAILED", reason: body.summary, finishedAt: new Date().toISOString() };
      return { status: 202, body: { operation: this.op } };
    }
    if (req.method === "POST" && req.path === `${base}/${OP_ID}/cancel`) {
      if (this.op.state === "IN_PROGRESS") return error(409, "INVALID_TRANSITION", "It is IN_PROGRESS: abort it");
      this.cancelled = req.body as Record<string, unknown>;
      this.op = { ...this.op, state: "CANCELLED", result: "CANCELLED", reason: (req.body as { reason?: string }).reason ?? null };
      return { status: 200, body: this.op };
    }
    return error(404, "NOT_FOUND", `No route ${req.method} ${req.path}`);
  }
}
