// The CLI's client of the REST API under /api/v1 (docs/api.md): bearer-token
// authentication, JSON in and out, and two kinds of failure kept apart —
// the server refused (ApiError, with the error body of docs/api.md#errors)
// and the server could not be asked (NetworkError) — because a heartbeat
// retries the second and gives up at once on most of the first.
import type { ZCompleteRequest, ZHeartbeatAnswer, ZStepRequest } from "../lib/api/execution";
import type { TOperationDetail, TOperationSummary, ZExecutionLease } from "../lib/api/operations";
import type { TOperationPlan } from "../lib/api/plan";
import type { ZDecisionResult, ZSubmitOperationRequest, ZSubmitOperationResult } from "../lib/api/submit";
import type { z } from "zod";
import { ApiError as BaseApiError } from "../lib/api/client";

// The shapes are the server's own (lib/api/*.ts), so a change on either side fails the type check.
export type OperationSummary = TOperationSummary;
/** The lease of an externally executed operation (docs/execution.md#the-lease). */
export type Lease = z.infer<typeof ZExecutionLease>;
export type OperationDetail = TOperationDetail;
export type SubmitResult = z.infer<typeof ZSubmitOperationResult>;
export type DecisionResult = z.infer<typeof ZDecisionResult>;
export type OperationPlan = TOperationPlan;
export type HeartbeatReply = z.infer<typeof ZHeartbeatAnswer>;
export type SubmitBody = z.input<typeof ZSubmitOperationRequest>;
export type StepBody = z.input<typeof ZStepRequest>;
export type CompleteBody = z.input<typeof ZCompleteRequest>;

/** The server answered with an error (docs/api.md#errors): the console's ApiError, plus whether to retry. */
export class ApiError extends BaseApiError {
  /** Worth asking again: the server or something before it is overloaded or restarting. */
  get transient(): boolean {
    return this.status >= 500 || this.status === 408 || this.status === 429;
  }
}

/** The server could not be asked: refused connection, DNS, reset, or no answer in time. */
export class NetworkError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "NetworkError";
  }
}

export function isTransient(error: unknown): boolean {
  return error instanceof NetworkError || (error instanceof ApiError && error.transient);
}

export type FetchLike = (url: string, init: { method: string; headers: Record<string, string>; body?: string; signal?: AbortSignal }) => Promise<{ status: number; text(): Promise<string> }>;

export interface ApiClientOptions {
  baseUrl: string;
  token?: string | undefined;
  fetch?: FetchLike;
  /** How long one request may take before it counts as a network failure. */
  timeoutMs?: number;
  userAgent?: string;
}

export interface RequestOptions {
  body?: unknown;
  headers?: Record<string, string>;
  timeoutMs?: number;
}

export class ApiClient {
  readonly baseUrl: string;
  private readonly token: string | undefined;
  private readonly fetchImpl: FetchLike;
  private readonly timeoutMs: number;
  private readonly userAgent: string;

  constructor(options: ApiClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, "");
    this.token = options.token;
    this.fetchImpl = options.fetch ?? (globalThis.fetch as unknown as FetchLike);
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.userAgent = options.userAgent ?? "interlock-cli";
  }

  /** The console's page of an operation, where a person reviews, pauses or aborts it. */
  consoleUrl(operationId: string): string {
    return `${this.baseUrl}/operations/${operationId}`;
  }

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<{ status: number; body: T }> {
    const headers: Record<string, string> = { accept: "application/json", "user-agent": this.userAgent, ...options.headers };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    if (options.body !== undefined) headers["content-type"] = "application/json";
    const url = `${this.baseUrl}${path}`;
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    let response: { status: number; text(): Promise<string> };
    let text: string;
    try {
      response = await this.fetchImpl(url, {
        method,
        headers,
        ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
        signal: AbortSignal.timeout(timeoutMs),
      });
      text = await response.text();
    } catch (error) {
      throw new NetworkError(`${method} ${url}: ${describeFetchError(error, timeoutMs)}`, { cause: error });
    }
    let json: unknown = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = null;
    }
    if (response.status < 200 || response.status >= 300) {
      const error = (json as { error?: { code?: unknown; message?: unknown; details?: unknown } } | null)?.error;
      const code = typeof error?.code === "string" ? error.code : `HTTP_${response.status}`;
      const message = typeof error?.message === "string" ? error.message : `${method} ${path}: the server answered ${response.status}${text && !json ? `: ${text.slice(0, 200)}` : ""}`;
      const details = error?.details && typeof error.details === "object" ? (error.details as Record<string, unknown>) : {};
      throw new ApiError(response.status, code, message, details);
    }
    return { status: response.status, body: json as T };
  }

  plan(body: SubmitBody, idempotencyKey?: string): Promise<OperationPlan> {
    return this.request<OperationPlan>("POST", "/api/v1/operations/plan", { body, headers: idempotencyKey ? { "idempotency-key": idempotencyKey } : {} }).then((r) => r.body);
  }

  async submit(body: SubmitBody, idempotencyKey?: string): Promise<{ status: number; body: SubmitResult }> {
    return this.request<SubmitResult>("POST", "/api/v1/operations", { body, headers: idempotencyKey ? { "idempotency-key": idempotencyKey } : {} });
  }

  getOperation(id: string, timeoutMs?: number): Promise<OperationDetail> {
    return this.request<OperationDetail>("GET", `/api/v1/operations/${encodeURIComponent(id)}`, timeoutMs ? { timeoutMs } : {}).then((r) => r.body);
  }

  decide(id: string, decision: "approve" | "reject", body: { notes?: string; approvalId?: string; evidenceHash?: string }): Promise<DecisionResult> {
    return this.request<DecisionResult>("POST", `/api/v1/operations/${encodeURIComponent(id)}/${decision}`, { body }).then((r) => r.body);
  }

  cancel(id: string, reason?: string): Promise<OperationSummary> {
    return this.request<OperationSummary>("POST", `/api/v1/operations/${encodeURIComponent(id)}/cancel`, { body: reason ? { reason } : {} }).then((r) => r.body);
  }

  heartbeat(id: string, fencingToken: string, timeoutMs?: number): Promise<HeartbeatReply> {
    return this.request<HeartbeatReply>("POST", `/api/v1/operations/${encodeURIComponent(id)}/heartbeat`, { body: { fencingToken }, ...(timeoutMs ? { timeoutMs } : {}) }).then((r) => r.body);
  }

  reportStep(id: string, body: StepBody, timeoutMs?: number): Promise<unknown> {
    return this.request<unknown>("POST", `/api/v1/operations/${encodeURIComponent(id)}/steps`, { body, ...(timeoutMs ? { timeoutMs } : {}) }).then((r) => r.body);
  }

  complete(id: string, body: CompleteBody, timeoutMs?: number): Promise<unknown> {
    return this.request<unknown>("POST", `/api/v1/operations/${encodeURIComponent(id)}/complete`, { body, ...(timeoutMs ? { timeoutMs } : {}) }).then((r) => r.body);
  }
}

function describeFetchError(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) return `no answer within ${Math.round(timeoutMs / 100) / 10} s`;
  const cause = error instanceof Error ? (error.cause as { code?: string; message?: string } | undefined) : undefined;
  if (cause?.code) return `${cause.code}${cause.message ? ` (${cause.message})` : ""}`;
  if (cause?.message) return `${error instanceof Error ? error.message : String(error)}: ${cause.message}`;
  return error instanceof Error ? error.message : String(error);
}
