// The command `interlock run` runs under a lease (docs/cli.md#interlock-run):
// started in a process group of its own so that pause (SIGSTOP), resume
// (SIGCONT) and stop (SIGTERM, then SIGKILL) reach everything it started,
// its output passed through while the last 8 KiB are kept for the
// operation's record, and a watchdog that stops the group if the CLI itself
// dies (kill -9, a lost terminal): the command must never go on after the
// lease that allowed it is gone.
import { spawn, type ChildProcess } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

export interface CommandExit {
  /** The exit status, or null when killed by a signal or never started. */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  durationMs: number;
  /** The last bytes of stdout and stderr together, as text. */
  outputTail: string;
  /** Set when the command could not be started at all (ENOENT, EACCES). */
  spawnError: string | null;
}

export interface StartCommandOptions {
  env: Record<string, string | undefined>;
  /** Each chunk of the command's output, as it comes. */
  onOutput(stream: "stdout" | "stderr", chunk: Buffer): void;
  tailBytes?: number;
  /** Start the watchdog process (default true). */
  watchdog?: boolean;
  /** How long the group gets between SIGTERM and SIGKILL. */
  graceMs?: number;
  now?: () => number;
}

export interface RunningCommand {
  readonly pid: number | undefined;
  readonly startedAt: number;
  /** Resolves once the command exited, its output was read, and nothing it left in its group is still running. */
  readonly exited: Promise<CommandExit>;
  readonly stopped: boolean;
  /** SIGSTOP to the group (a person paused the operation). */
  pause(): void;
  /** SIGCONT to the group. */
  resume(): void;
  /** SIGCONT if paused, SIGTERM to the group, SIGKILL after the grace period; resolves with the exit. */
  stop(): Promise<CommandExit>;
  /** SIGKILL to the group now. */
  kill(): void;
}

export const TAIL_BYTES = 8 * 1024;
export const STOP_GRACE_MS = 10_000;

/** Keeps the last `limit` bytes written to it. */
export class OutputTail {
  private chunks: Buffer[] = [];
  private size = 0;
  constructor(private readonly limit: number = TAIL_BYTES) {}

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.chunks.length > 1 && this.size - this.chunks[0]!.length >= this.limit) this.size -= this.chunks.shift()!.length;
  }

  text(): string {
    const all = Buffer.concat(this.chunks);
    const tail = all.subarray(Math.max(0, all.length - this.limit));
    // A cut through a multi-byte character leaves replacement characters at the start: drop them.
    return tail.toString("utf8").replace(/^\uFFFD+/, "");
  }
}

/** Sends a signal to every process of the group; false when none is left. */
export function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Whether a process of the group still runs. A killed process whose parent
 * is gone stays a zombie until init reaps it, and some inits (a container's)
 * never do; kill(-pgid, 0) counts zombies, so on Linux /proc is read instead.
 */
export function groupAlive(pgid: number): boolean {
  if (process.platform !== "linux") return signalGroup(pgid, 0);
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return signalGroup(pgid, 0);
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "utf8");
    } catch {
      continue; // gone meanwhile
    }
    // pid (comm) state ppid pgrp …: comm may hold spaces and parentheses, so read after the last ")".
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (Number(fields[2]) === pgid && fields[0] !== "Z" && fields[0] !== "X") return true;
  }
  return false;
}

export function startCommand(argv: readonly string[], options: StartCommandOptions): RunningCommand {
  const now = options.now ?? Date.now;
  const graceMs = options.graceMs ?? STOP_GRACE_MS;
  const tail = new OutputTail(options.tailBytes ?? TAIL_BYTES);
  const startedAt = now();
  const [file, ...args] = argv;
  // shell: false — the words are the command, never re-split or expanded; detached — a process group of its own.
  const child: ChildProcess = spawn(file!, args, { env: options.env as NodeJS.ProcessEnv, stdio: ["inherit", "pipe", "pipe"], shell: false, detached: true });
  const pid = child.pid;
  const watchdog = pid !== undefined && options.watchdog !== false ? startWatchdog(pid, graceMs) : null;
  let paused = false;
  let killTimer: ReturnType<typeof setTimeout> | null = null;

  child.stdout?.on("data", (chunk: Buffer) => {
    tail.push(chunk);
    options.onOutput("stdout", chunk);
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    tail.push(chunk);
    options.onOutput("stderr", chunk);
  });

  const exited = new Promise<CommandExit>((resolve) => {
    let spawnError: string | null = null;
    let done = false;
    const finish = (exitCode: number | null, signal: NodeJS.Signals | null) => {
      if (done) return;
      done = true;
      const durationMs = now() - startedAt;
      void (async () => {
        if (pid !== undefined) {
          await outputClosed(child, 2000);
          await reapGroup(pid, graceMs);
        }
        if (killTimer) clearTimeout(killTimer);
        watchdog?.release();
        resolve({ exitCode, signal, durationMs, outputTail: tail.text(), spawnError });
      })();
    };
    child.once("error", (error: NodeJS.ErrnoException) => {
      // Emitted instead of "exit" when the command could not be started.
      spawnError = `${file} could not be started: ${error.code ?? error.message}`;
      if (pid === undefined) finish(null, null);
    });
    child.once("exit", (code, signal) => finish(code, signal));
  });

  const send = (signal: NodeJS.Signals) => (pid !== undefined ? signalGroup(pid, signal) : false);

  return {
    pid,
    startedAt,
    exited,
    get stopped() {
      return paused;
    },
    pause() {
      if (send("SIGSTOP")) paused = true;
    },
    resume() {
      send("SIGCONT");
      paused = false;
    },
    stop() {
      if (paused) {
        send("SIGCONT");
        paused = false;
      }
      send("SIGTERM");
      if (!killTimer) {
        killTimer = setTimeout(() => send("SIGKILL"), graceMs);
        killTimer.unref();
      }
      return exited;
    },
    kill() {
      send("SIGKILL");
    },
  };
}

function outputClosed(child: ChildProcess, maxMs: number): Promise<void> {
  const streams = [child.stdout, child.stderr].filter((s) => s && !s.destroyed && !s.readableEnded);
  if (streams.length === 0) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, maxMs);
    timer.unref();
    child.once("close", () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** What the command left running in its group is stopped too: nothing runs on after the lease. */
async function reapGroup(pgid: number, graceMs: number): Promise<void> {
  if (!groupAlive(pgid)) return;
  signalGroup(pgid, "SIGCONT");
  signalGroup(pgid, "SIGTERM");
  const until = Date.now() + graceMs;
  while (Date.now() < until) {
    await new Promise((r) => setTimeout(r, 100));
    if (!groupAlive(pgid)) return;
  }
  signalGroup(pgid, "SIGKILL");
}

// Runs in a separate node process in a session of its own, holding the read
// end of a pipe from the CLI. The CLI writes "done" before it exits normally;
// end of input without it means the CLI died, and the group is stopped: CONT
// (it may be paused), TERM, then KILL after the grace period.
const WATCHDOG_SOURCE = `
const pgid = Number(process.argv[1]), grace = Number(process.argv[2]);
let done = false;
const alive = () => { try { process.kill(-pgid, 0); return true; } catch (e) { return e.code === "EPERM"; } };
const send = (s) => { try { process.kill(-pgid, s); } catch {} };
process.stdin.on("data", (d) => { if (String(d).includes("done")) done = true; });
process.stdin.on("error", () => {});
process.stdin.on("end", () => {
  if (done) process.exit(0);
  send("SIGCONT"); send("SIGTERM");
  setTimeout(() => { send("SIGKILL"); process.exit(0); }, grace);
});
setInterval(() => { if (!alive()) process.exit(0); }, 250);
`;

function startWatchdog(pgid: number, graceMs: number): { release(): void } | null {
  try {
    const dog = spawn(process.execPath, ["-e", WATCHDOG_SOURCE, String(pgid), String(graceMs)], { stdio: ["pipe", "ignore", "ignore"], detached: true });
    dog.on("error", () => {});
    dog.stdin?.on("error", () => {});
    dog.unref();
    (dog.stdin as unknown as { unref?: () => void } | null)?.unref?.();
    return {
      release() {
        dog.stdin?.end("done\n");
      },
    };
  } catch {
    return null;
  }
}
