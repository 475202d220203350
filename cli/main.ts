// The interlock command line client (docs/cli.md): the program, its global
// flags and its commands. bin/interlock.mjs loads this file through tsx and
// calls run(); tests call run() with their own streams and HTTP function.
import { Command, CommanderError } from "commander";
import { cancelCommand } from "./commands/cancel";
import { decideCommand } from "./commands/decide";
import { planCommand } from "./commands/plan";
import { runCommand, type RunDeps } from "./commands/run";
import type { Runner } from "./commands/shared";
import { statusCommand } from "./commands/status";
import { submitCommand } from "./commands/submit";
import { waitCommand } from "./commands/wait";
import { CliContext, processIo, type GlobalOptions, type Io } from "./context";
import { EXIT } from "./exit-codes";
import { parseUrl } from "./options";

export function buildProgram(io: Io, argv: readonly string[], setExit: (code: number) => void, deps: RunDeps = {}): Command {
  const program = new Command("interlock")
    .description("Interlock's command line: plan, submit and follow operations, decide reviews, and run a command under Interlock's control.\nServer and token: INTERLOCK_URL and INTERLOCK_TOKEN, or --url and --token. Exit codes: docs/cli.md#exit-codes.")
    .option("--url <url>", "the Interlock server, e.g. http://localhost:3000 (default: $INTERLOCK_URL)", parseUrl)
    .option("--token <token>", "an API token, sent as Authorization: Bearer (default: $INTERLOCK_TOKEN)")
    .option("--json", "print one JSON document instead of progress")
    .configureHelp({ showGlobalOptions: true, sortSubcommands: false })
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .showSuggestionAfterError(true)
    .exitOverride();

  const run: Runner = async (command, action) => {
    const ctx = new CliContext(io, command.optsWithGlobals<GlobalOptions>());
    try {
      setExit(await action(ctx));
    } catch (error) {
      setExit(ctx.fail(error));
    }
  };

  program.addCommand(planCommand(run));
  program.addCommand(submitCommand(run));
  program.addCommand(statusCommand(run));
  program.addCommand(waitCommand(run));
  program.addCommand(decideCommand(run, "approve"));
  program.addCommand(decideCommand(run, "reject"));
  program.addCommand(cancelCommand(run));
  program.addCommand(runCommand(run, argv, deps));
  // Subcommands made apart from the program do not inherit its settings: give each the same output and error handling.
  for (const command of program.commands) {
    command
      .configureHelp({ showGlobalOptions: true })
      .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
      .showSuggestionAfterError(true)
      .exitOverride();
  }
  return program;
}

/** Runs one command line (without `node` and the script); resolves with the exit code. */
export async function run(argv: readonly string[], io: Io = processIo(), deps: RunDeps = {}): Promise<number> {
  let code: number = EXIT.OK;
  const program = buildProgram(io, argv, (c) => (code = c), deps);
  try {
    await program.parseAsync([...argv], { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and --version end with 0; every other parse error has named the flag on stderr already (docs/cli.md#exit-codes).
      return error.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
    }
    throw error;
  }
  return code;
}
