// What every command is given: the process's streams, environment and
// signals (injected, so tests run commands in-process), the global flags,
// and the one way an action's failure becomes an exit code and a message.
import { ApiClient, ApiError, NetworkError, type FetchLike } from "./api-client";
import { EXIT, exitCodeForApiError, type ExitCode } from "./exit-codes";
import { json, Progress, type Stream } from "./output";

/** Environment variables (not NodeJS.ProcessEnv, which the app's types narrow). */
export type Env = Record<string, string | undefined>;

export interface Io {
  stdout: Stream;
  stderr: Stream;
  env: Env;
  fetch?: FetchLike;
  /** Subscribes to SIGINT and SIGTERM; returns the unsubscribe. */
  onSignal(handler: (signal: "SIGINT" | "SIGTERM") => void): () => void;
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export function processIo(): Io {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env as Env,
    onSignal(handler) {
      const onInt = () => handler("SIGINT");
      const onTerm = () => handler("SIGTERM");
      process.on("SIGINT", onInt);
      process.on("SIGTERM", onTerm);
      return () => {
        process.off("SIGINT", onInt);
        process.off("SIGTERM", onTerm);
      };
    },
  };
}

/** A mistake on the command line that commander cannot see (a missing URL, a command without `--`): exit 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

export interface GlobalOptions {
  url?: string;
  token?: string;
  json?: boolean;
}

const NULL_STREAM: Stream = { write: () => true };

export class CliContext {
  readonly json: boolean;
  private client: ApiClient | null = null;

  constructor(
    readonly io: Io,
    private readonly global: GlobalOptions,
  ) {
    this.json = global.json === true;
  }

  now(): number {
    return this.io.now?.() ?? Date.now();
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (this.io.sleep) return this.io.sleep(ms, signal);
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        signal?.removeEventListener("abort", done);
        resolve();
      }
      signal?.addEventListener("abort", done, { once: true });
    });
  }

  /** The API client: --url or INTERLOCK_URL, --token or INTERLOCK_TOKEN (docs/cli.md#environment). */
  api(): ApiClient {
    if (this.client) return this.client;
    const url = this.global.url ?? this.io.env.INTERLOCK_URL?.trim();
    if (!url) throw new UsageError("no server given: set INTERLOCK_URL (e.g. http://localhost:3000) or pass --url");
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new UsageError(`INTERLOCK_URL is not a URL: ${url}`);
    }
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw new UsageError(`INTERLOCK_URL must be http:// or https://: ${url}`);
    const token = this.global.token ?? (this.io.env.INTERLOCK_TOKEN?.trim() || undefined);
    this.client = new ApiClient({ baseUrl: url, token, ...(this.io.fetch ? { fetch: this.io.fetch } : {}) });
    return this.client;
  }

  /** The progress display on stderr; silent with --json. Its mode follows stderr, where it writes. */
  progress(): Progress {
    if (this.json) return new Progress(NULL_STREAM, { tty: false });
    return new Progress(this.io.stderr, { tty: this.io.stderr.isTTY === true, ...(this.io.now ? { now: this.io.now } : {}) });
  }

  print(text: string): void {
    this.io.stdout.write(text);
  }

  printJson(value: unknown): void {
    this.io.stdout.write(json(value));
  }

  /** A message for people, on stderr (not printed with --json, whose document says it). */
  note(text: string): void {
    if (!this.json) this.io.stderr.write(`${text}\n`);
  }

  /** Turns what an action threw into an exit code, saying why on stderr (or as JSON with --json). */
  fail(error: unknown): ExitCode {
    if (error instanceof UsageError) {
      this.io.stderr.write(`error: ${error.message}\n`);
      return EXIT.USAGE;
    }
    if (error instanceof ApiError) {
      if (this.json) this.printJson({ error: { status: error.status, code: error.code, message: error.message, details: error.details } });
      else this.io.stderr.write(`error: ${error.code} (${error.status}): ${error.message}\n`);
      return exitCodeForApiError(error.code);
    }
    if (error instanceof NetworkError) {
      if (this.json) this.printJson({ error: { status: 0, code: "UNREACHABLE", message: error.message, details: {} } });
      else this.io.stderr.write(`error: the Interlock API could not be reached: ${error.message}\n`);
      return EXIT.API;
    }
    throw error;
  }
}
