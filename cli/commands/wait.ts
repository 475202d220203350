// interlock wait ID: follows an operation until it is final (COMPLETED,
// FAILED, ROLLED_BACK, CANCELLED) and exits with its code
// (docs/cli.md#exit-codes); gives up after --timeout, leaving the operation
// to go on.
import { Command, Option } from "commander";
import { EXIT, isFinal, verdictOf } from "../exit-codes";
import { blockingDetails, describeFinal } from "../output";
import { formatDuration, parseDuration, parseId } from "../options";
import { pollOperation, Watcher } from "../poll";
import type { Runner } from "./shared";

export const DEFAULT_TIMEOUT = "30m";

export function waitCommand(run: Runner): Command {
  const command = new Command("wait")
    .description("wait until an operation is final; the exit code says how it ended")
    .argument("<id>", "the operation's id", parseId)
    .addOption(new Option("--timeout <duration>", "give up after this long (90s, 30m, 2h; 0: never)").argParser(parseDuration).default(parseDuration(DEFAULT_TIMEOUT), DEFAULT_TIMEOUT));
  return command.action(async (id: string, flags: { timeout: number | null }) =>
    run(command, async (ctx) => {
      const api = ctx.api();
      const progress = ctx.progress();
      const watcher = new Watcher(progress, api.consoleUrl(id));
      const interrupted = new AbortController();
      let signal: "SIGINT" | "SIGTERM" | null = null;
      const off = ctx.io.onSignal((s) => {
        signal ??= s;
        interrupted.abort();
      });
      try {
        const outcome = await pollOperation({
          get: () => api.getOperation(id),
          until: (d) => isFinal(d.operation.state),
          onUpdate: (d) => watcher.observe(d),
          onRetry: (error, attempt) => progress.status(`server unreachable (attempt ${attempt}): ${(error as Error).message}`),
          deadline: flags.timeout === null ? null : ctx.now() + flags.timeout,
          signal: interrupted.signal,
          now: () => ctx.now(),
          sleep: (ms, s) => ctx.sleep(ms, s),
        });
        progress.done();
        if (outcome.kind === "aborted") {
          ctx.note(`interrupted (${signal}); operation ${id} goes on`);
          if (ctx.json) ctx.printJson({ exitCode: signal === "SIGTERM" ? EXIT.SIGTERM : EXIT.SIGINT, outcome: "interrupted", operation: outcome.detail });
          return signal === "SIGTERM" ? EXIT.SIGTERM : EXIT.SIGINT;
        }
        if (outcome.kind === "timeout") {
          const state = outcome.detail?.operation.state ?? "unknown";
          ctx.note(`gave up after ${formatDuration(flags.timeout ?? 0)}: operation ${id} is still ${state} and goes on (interlock cancel ${id} stops it before it runs)`);
          if (ctx.json) ctx.printJson({ exitCode: EXIT.TIMED_OUT, outcome: "timed out", operation: outcome.detail });
          return EXIT.TIMED_OUT;
        }
        const verdict = verdictOf(outcome.detail)!;
        if (ctx.json) {
          ctx.printJson({ exitCode: verdict.code, outcome: verdict.label, operation: outcome.detail });
        } else {
          ctx.print(`${describeFinal(outcome.detail.operation)}\n`);
          for (const line of blockingDetails(outcome.detail)) ctx.print(`${line}\n`);
        }
        return verdict.code;
      } finally {
        off();
        progress.done();
      }
    }),
  );
}
