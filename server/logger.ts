import "server-only";
import pino, { type Logger } from "pino";
import { getEnv } from "./env";

// Structured JSON logs on stdout, one line an event; request-scoped children
// carry the request id. Secrets that could reach a log are redacted by path.
export type { Logger };

export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: "interlock" },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: ["password", "*.password", "token", "*.token", "authorization", "*.authorization", "headers.cookie"], censor: "[redacted]" },
    formatters: { level: (label) => ({ level: label }) },
  });
}

const globalForLogger = globalThis as unknown as { __interlockLogger?: Logger };

/** The process's logger, at LOG_LEVEL. */
export function getLogger(): Logger {
  globalForLogger.__interlockLogger ??= createLogger(getEnv().LOG_LEVEL);
  return globalForLogger.__interlockLogger;
}
