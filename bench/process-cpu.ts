// CPU time of the machine's local server processes (Postgres, Redis), read from
// /proc: user + system time of every live process with that command name. A
// benchmark samples it before and after a phase to say how much CPU the phase
// cost the servers, next to process.cpuUsage() for its own Node process.
// Processes that exit during the phase take their time with them, so a phase
// must keep its connections open (the benchmarks' pools do). Returns null where
// there is no /proc or no such process (a remote server).
import fs from "node:fs";

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

export function serverCpuSeconds(command: string): number | null {
  let entries: string[];
  try {
    entries = fs.readdirSync("/proc").filter((name) => /^\d+$/.test(name));
  } catch {
    return null;
  }
  let ticks = 0;
  let found = false;
  for (const pid of entries) {
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    } catch {
      continue; // exited while we looked
    }
    // "pid (comm) state ppid …": comm may hold spaces, so split after its closing parenthesis.
    const close = stat.lastIndexOf(")");
    if (stat.slice(stat.indexOf("(") + 1, close) !== command) continue;
    const fields = stat.slice(close + 2).split(" ");
    ticks += Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of stat)
    found = true;
  }
  return found ? ticks / TICKS_PER_SECOND : null;
}
