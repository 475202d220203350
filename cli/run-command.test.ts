// The command's process group with real processes (node -e …): output
// passed through with its tail kept, SIGSTOP/SIGCONT reaching the whole
// group, stop escalating to SIGKILL, nothing left behind, and the watchdog
// stopping the group when the CLI dies.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { groupAlive, OutputTail, startCommand } from "./run-command";

const node = process.execPath;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Running: it exists and is not a zombie (an orphan's zombie may never be reaped in a container). */
function alive(pid: number): boolean {
  const state = procState(pid);
  return state !== null && state !== "Z" && state !== "X";
}

/** The process's state letter from /proc (T: stopped). */
function procState(pid: number): string | null {
  try {
    return readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ")[0]!;
  } catch {
    return null;
  }
}

async function until(check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await sleep(20);
  }
}

describe("the output tail", () => {
  it("keeps the last bytes only", () => {
    const tail = new OutputTail(10);
    tail.push(Buffer.from("0123456789"));
    tail.push(Buffer.from("abcdef"));
    expect(tail.text()).toBe("6789abcdef");
  });

  it("drops a multi-byte character cut in half at its start", () => {
    const tail = new OutputTail(4);
    tail.push(Buffer.from("éé€")); // c3 a9 c3 a9 e2 82 ac: the last 4 bytes start inside é
    expect(tail.text()).toBe("€");
  });
});

describe("a command run under the lease", () => {
  it("passes its output through, keeps the tail, and reports its exit status and environment", async () => {
    const chunks: string[] = [];
    const cmd = startCommand([node, "-e", "process.stdout.write('out:' + process.env.INTERLOCK_FENCING_TOKEN + '\\n'); process.stderr.write('err\\n'); process.exit(3)"], {
      env: { ...process.env, INTERLOCK_FENCING_TOKEN: "77" },
      onOutput: (stream, chunk) => chunks.push(`${stream}:${chunk.toString()}`),
    });
    const exit = await cmd.exited;
    expect(exit.exitCode).toBe(3);
    expect(exit.signal).toBeNull();
    expect(exit.spawnError).toBeNull();
    expect(chunks).toContain("stdout:out:77\n");
    expect(chunks).toContain("stderr:err\n");
    expect(exit.outputTail).toContain("out:77\n");
    expect(exit.outputTail).toContain("err\n");
  });

  it("does not pass the words through a shell", async () => {
    const chunks: string[] = [];
    const cmd = startCommand([node, "-e", "console.log(process.argv.slice(1).join('|'))", "$HOME", "a b", "*"], { env: process.env, onOutput: (_s, c) => chunks.push(c.toString()) });
    await cmd.exited;
    expect(chunks.join("")).toBe("$HOME|a b|*\n");
  });

  it("keeps only the last 8 KiB of a long output", async () => {
    const cmd = startCommand([node, "-e", "for (let i = 0; i < 2000; i++) console.log('line ' + i)"], { env: process.env, onOutput: () => {} });
    const exit = await cmd.exited;
    expect(Buffer.byteLength(exit.outputTail)).toBeLessThanOrEqual(8192);
    expect(exit.outputTail.endsWith("line 1999\n")).toBe(true);
    expect(exit.outputTail).not.toContain("line 1\n");
  });

  it("says when the command cannot be started", async () => {
    const cmd = startCommand(["/nonexistent/deploy.sh"], { env: process.env, onOutput: () => {} });
    const exit = await cmd.exited;
    expect(exit.exitCode).toBeNull();
    expect(exit.spawnError).toBe("/nonexistent/deploy.sh could not be started: ENOENT");
  });

  it("stops and continues the whole group, child processes included", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "interlock-cli-"));
    const pidFile = path.join(dir, "grandchild.pid");
    // The command starts a grandchild that writes its pid, then both wait.
    const inner = `require("fs").writeFileSync(${JSON.stringify(pidFile)}, String(process.pid)); setInterval(() => {}, 1000)`;
    const script = `const { spawn } = require("node:child_process"); spawn(process.execPath, ["-e", ${JSON.stringify(inner)}], { stdio: "ignore" }); setInterval(() => {}, 1000);`;
    const cmd = startCommand([node, "-e", script], { env: process.env, onOutput: () => {}, graceMs: 500 });
    await until(() => existsSync(pidFile) && readFileSync(pidFile, "utf8").length > 0);
    const grandchild = Number(readFileSync(pidFile, "utf8"));
    cmd.pause();
    await until(() => procState(cmd.pid!) === "T" && procState(grandchild) === "T");
    expect(cmd.stopped).toBe(true);
    cmd.resume();
    await until(() => procState(cmd.pid!) !== "T" && procState(grandchild) !== "T");
    // Stopping a paused command continues it first, so SIGTERM is acted on.
    cmd.pause();
    const exit = await cmd.stop();
    expect(exit.signal).toBe("SIGTERM");
    await until(() => !alive(grandchild));
  });

  it("escalates to SIGKILL when SIGTERM is ignored", async () => {
    let output = "";
    const cmd = startCommand([node, "-e", "process.on('SIGTERM', () => {}); console.log('ready'); setInterval(() => {}, 1000)"], { env: process.env, onOutput: (_s, c) => (output += c.toString()), graceMs: 300 });
    await until(() => output.includes("ready"));
    const started = Date.now();
    const exit = await cmd.stop();
    expect(exit.signal).toBe("SIGKILL");
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
  });

  it("leaves nothing of its group running once the command has exited", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "interlock-cli-"));
    const pidFile = path.join(dir, "left-behind.pid");
    const inner = `require("fs").writeFileSync(${JSON.stringify(pidFile)}, String(process.pid)); setInterval(() => {}, 1000)`;
    const script = `const { spawn } = require("node:child_process"); spawn(process.execPath, ["-e", ${JSON.stringify(inner)}], { stdio: "ignore" }).unref(); setInterval(() => { const fs = require("fs"); if (fs.existsSync(${JSON.stringify(pidFile)}) && fs.readFileSync(${JSON.stringify(pidFile)}, "utf8").length > 0) process.exit(0); }, 20);`;
    const cmd = startCommand([node, "-e", script], { env: process.env, onOutput: () => {}, graceMs: 500 });
    const exit = await cmd.exited;
    expect(exit.exitCode).toBe(0);
    const leftBehind = Number(readFileSync(pidFile, "utf8"));
    expect(leftBehind).toBeGreaterThan(0);
    expect(alive(leftBehind)).toBe(false);
  });

  it("is stopped by the watchdog when the CLI itself is killed with SIGKILL", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "interlock-cli-"));
    const pidFile = path.join(dir, "command.pid");
    // A stand-in CLI: starts the command through startCommand, then is killed -9.
    const runner = path.join(import.meta.dirname, "run-command.ts");
    const inner = `require("fs").writeFileSync(${JSON.stringify(pidFile)}, String(process.pid)); setInterval(() => {}, 1000)`;
    const source = `import { startCommand } from ${JSON.stringify(runner)}; startCommand([process.execPath, "-e", ${JSON.stringify(inner)}], { env: process.env, onOutput: () => {}, graceMs: 500 }); setInterval(() => {}, 1000);`;
    const cli = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", source], { stdio: "ignore" });
    await until(() => existsSync(pidFile) && readFileSync(pidFile, "utf8").length > 0, 15_000);
    const command = Number(readFileSync(pidFile, "utf8"));
    expect(alive(command)).toBe(true);
    cli.kill("SIGKILL");
    await until(() => !alive(command), 5000);
    expect(groupAlive(command)).toBe(false);
  }, 30_000);
});
