// Starts the crash row's worker process (worker-process.ts) and kills it.
// Used by the demo's environments (the console's, and the sandbox of
// `npm run demo` and the tests) when their store is a database a second
// process can open.
import { spawn, type ChildProcess } from "node:child_process";
import crypto from "node:crypto";
import path from "node:path";
import readline from "node:readline";
import type { WorkerProcess, WorkerProcesses } from "../pipeline/demo-environment";
import type { WorkerProcessConfig, WorkerProcessMessage } from "./worker-process";

/** Why the crash row cannot run on the embedded store. */
export const SECOND_PROCESS_UNAVAILABLE = "needs a database a second process can open, and the embedded PGlite store admits only one process: set DATABASE_URL";

/**
 * The script is found from the working directory, as the sample sources are
 * (the console's server code runs from a bundle, not from this folder).
 */
const SCRIPT = path.join(process.cwd(), "demo", "faults", "worker-process.ts");

export function workerProcesses(base: Omit<WorkerProcessConfig, "workerId" | "submission">): WorkerProcesses {
  return {
    available: true,
    async start(submission) {
      const child = new ChildWorker({ ...base, workerId: `demo-crash-worker-${crypto.randomUUID().slice(0, 8)}`, submission });
      try {
        const submitted = await child.submitted();
        return {
          operationId: submitted.operationId,
          pid: submitted.pid,
          drives: (operationId) => child.claimed.has(operationId),
          kill: () => child.kill(),
          close: () => child.kill(),
        } satisfies WorkerProcess;
      } catch (error) {
        await child.kill();
        throw error;
      }
    },
  };
}

class ChildWorker {
  readonly claimed = new Set<string>();
  private readonly child: ChildProcess;
  private readonly exited: Promise<void>;
  private readonly messages: WorkerProcessMessage[] = [];
  private stderr = "";
  private exit: string | null = null;
  private readonly listeners = new Set<() => void>();

  constructor(config: WorkerProcessConfig) {
    this.child = spawn(process.execPath, ["--conditions=react-server", "--import", "tsx", SCRIPT], {
      cwd: process.cwd(),
      env: { ...process.env, DEMO_WORKER_CONFIG: JSON.stringify(config) },
      stdio: ["pipe", "pipe", "pipe"],
    });
    this.child.stdin?.on("error", () => {});
    readline.createInterface({ input: this.child.stdout! }).on("line", (line) => {
      let message: WorkerProcessMessage;
      try {
        message = JSON.parse(line) as WorkerProcessMessage;
      } catch {
        return;
      }
      this.messages.push(message);
      if (message.type === "claimed") for (const id of message.operations) this.claimed.add(id);
      this.notify();
    });
    this.child.stderr?.on("data", (chunk: Buffer) => (this.stderr = (this.stderr + chunk.toString()).slice(-2_000)));
    this.exited = new Promise((resolve) => {
      this.child.on("exit", (code, signal) => {
        this.exit = signal ? `killed by ${signal}` : `exited with ${code}`;
        this.notify();
        resolve();
      });
      this.child.on("error", (error) => {
        this.exit = `could not start: ${error.message}`;
        this.notify();
        resolve();
      });
    });
  }

  submitted(timeoutMs = 60_000): Promise<Extract<WorkerProcessMessage, { type: "submitted" }>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => done(() => reject(new Error(`The worker process did not submit within ${timeoutMs / 1000} s${this.describe()}`))), timeoutMs);
      const done = (settle: () => void) => {
        clearTimeout(timer);
        this.listeners.delete(check);
        settle();
      };
      const check = () => {
        const submitted = this.messages.find((m) => m.type === "submitted");
        if (submitted) return done(() => resolve(submitted));
        const fatal = this.messages.find((m) => m.type === "fatal");
        if (fatal) return done(() => reject(new Error(`The worker process failed: ${fatal.message}`)));
        if (this.exit) return done(() => reject(new Error(`The worker process ${this.exit} before it submitted${this.describe()}`)));
      };
      this.listeners.add(check);
      check();
    });
  }

  /** SIGKILL, as a crash: nothing of the process runs after it. Resolves once it is gone. */
  async kill(): Promise<void> {
    if (!this.exit) this.child.kill("SIGKILL");
    await this.exited;
  }

  private describe(): string {
    return this.stderr ? `; its stderr: ${this.stderr.trim().slice(-500)}` : "";
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }
}
