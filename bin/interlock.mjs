#!/usr/bin/env node
// The `interlock` command (docs/cli.md). A launcher only: it lets tsx load
// the TypeScript entry, cli/main.ts, in this same process (no second node,
// so signals reach the CLI itself) with the repository's tsconfig, wherever
// the command is run from.
import { fileURLToPath } from "node:url";
import { register } from "tsx/esm/api";

const root = new URL("../", import.meta.url);
register({ tsconfig: fileURLToPath(new URL("tsconfig.json", root)) });
const { run } = await import(new URL("cli/main.ts", root).href);
const code = await run(process.argv.slice(2));
// Exit once what was written has been handed to the OS: an open keep-alive socket must not hold the command.
process.stdout.write("", () => process.stderr.write("", () => process.exit(code)));
