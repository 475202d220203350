import "server-only";
import os from "node:os";
import { Worker } from "node:worker_threads";
import { AppError } from "../../core/errors";
import type { PasswordHasher } from "../../core/identity/ports";

// bcrypt (bcryptjs: pure JavaScript, no native build) at cost 11: about 0.1 s
// a check on this class of machine, slow for a guesser, fine for a sign-in.
// The work runs in a small pool of worker threads (bcrypt-worker.mjs), never
// on the event loop that renews locks and serves requests
// (docs/security.md#sign-in-abuse).
const COST = 11;

/** At most this many checks wait for a worker; beyond it a sign-in is refused at once instead of queueing for ever. */
const MAX_QUEUED = 64;

type Task = { op: "hash"; password: string; cost: number } | { op: "compare"; password: string; hash: string };
interface Reply {
  id: number;
  ok: boolean;
  result?: string | boolean;
  message?: string;
  threadId: number;
}
interface Pending {
  task: Task & { id: number };
  resolve: (reply: { result: string | boolean; threadId: number }) => void;
  reject: (error: Error) => void;
}

/** Workers: one fewer than the cores (the event loop keeps one), at least 1, at most 2. */
export function defaultPoolSize(): number {
  return Math.max(1, Math.min(2, os.availableParallelism() - 1));
}

/**
 * A hand-written pool of `size` worker threads running bcrypt, started on
 * first use. A worker keeps the process alive only while it has work, so a
 * command-line tool exits when done; one that dies fails its task and is
 * replaced by the next one to be needed.
 */
export class BcryptWorkerPool {
  private readonly idle: Worker[] = [];
  private readonly busy = new Map<Worker, Pending>();
  private readonly queue: Pending[] = [];
  private started = 0;
  private nextId = 1;
  private closed = false;

  constructor(private readonly size = defaultPoolSize(), private readonly maxQueued = MAX_QUEUED) {}

  /** Runs a task in a worker; resolves to its result and the thread that ran it. */
  run(task: Task): Promise<{ result: string | boolean; threadId: number }> {
    if (this.closed) return Promise.reject(new Error("the bcrypt worker pool is closed"));
    return new Promise((resolve, reject) => {
      const pending: Pending = { task: { ...task, id: this.nextId++ }, resolve, reject };
      const worker = this.idle.pop() ?? (this.started < this.size ? this.spawn() : null);
      if (worker) return this.dispatch(worker, pending);
      if (this.queue.length >= this.maxQueued) {
        return reject(new AppError("RATE_LIMITED", "Too many passwords are being checked at once; try again in a moment.", { throttled: "server", retryAfterSeconds: 1 }));
      }
      this.queue.push(pending);
    });
  }

  /** Stops every worker; pending tasks fail. */
  async close(): Promise<void> {
    this.closed = true;
    for (const pending of this.queue.splice(0)) pending.reject(new Error("the bcrypt worker pool is closed"));
    await Promise.all([...this.idle.splice(0), ...this.busy.keys()].map((worker) => worker.terminate()));
  }

  private spawn(): Worker {
    this.started++;
    // A literal `new URL(..., import.meta.url)` inside `new Worker(...)`: the form Next's bundler
    // recognises as a worker entry (and bundles), and the file Node loads under tsx and Vitest.
    const worker = new Worker(new URL("./bcrypt-worker.mjs", import.meta.url));
    worker.unref();
    worker.on("message", (reply: Reply) => {
      const pending = this.busy.get(worker);
      if (!pending || pending.task.id !== reply.id) return;
      this.busy.delete(worker);
      if (reply.ok) pending.resolve({ result: reply.result!, threadId: reply.threadId });
      else pending.reject(new Error(`bcrypt failed: ${reply.message ?? "unknown error"}`));
      this.release(worker);
    });
    const lost = (error: Error) => {
      const pending = this.busy.get(worker);
      this.busy.delete(worker);
      const at = this.idle.indexOf(worker);
      if (at >= 0) this.idle.splice(at, 1);
      if (this.started > 0) this.started--;
      pending?.reject(error);
      worker.removeAllListeners();
      void worker.terminate();
      // Whatever waits gets a fresh worker.
      const next = this.queue.shift();
      if (next && !this.closed) this.dispatch(this.spawn(), next);
    };
    worker.on("error", (error) => lost(error instanceof Error ? error : new Error(String(error))));
    worker.on("exit", (code) => {
      if (!this.closed) lost(new Error(`a bcrypt worker exited (code ${code})`));
    });
    return worker;
  }

  private dispatch(worker: Worker, pending: Pending): void {
    this.busy.set(worker, pending);
    worker.ref();
    worker.postMessage(pending.task);
  }

  private release(worker: Worker): void {
    const next = this.queue.shift();
    if (next) return this.dispatch(worker, next);
    worker.unref();
    this.idle.push(worker);
  }
}

// One pool per process, shared by every hasher (the container's, the scripts', the tests').
const globalForPool = globalThis as unknown as { __interlockBcryptPool?: BcryptWorkerPool };
export function sharedBcryptPool(): BcryptWorkerPool {
  return (globalForPool.__interlockBcryptPool ??= new BcryptWorkerPool());
}

export class BcryptPasswordHasher implements PasswordHasher {
  private decoy: Promise<string> | null = null;

  constructor(
    private readonly cost = COST,
    private readonly pool: BcryptWorkerPool = sharedBcryptPool(),
  ) {}

  async hash(password: string): Promise<string> {
    return (await this.pool.run({ op: "hash", password, cost: this.cost })).result as string;
  }

  async verify(password: string, hash: string | null): Promise<boolean> {
    if (hash === null) {
      // Same work as a real check, against a hash of nothing anyone knows.
      this.decoy ??= this.hash(crypto.randomUUID()).catch((error: unknown) => {
        this.decoy = null;
        throw error;
      });
      await this.pool.run({ op: "compare", password, hash: await this.decoy });
      return false;
    }
    return (await this.pool.run({ op: "compare", password, hash })).result === true;
  }
}
