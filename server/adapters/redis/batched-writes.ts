import "server-only";
import { Cluster, Command, type Redis } from "ioredis";

// How the Redis lock store gets its script calls onto the socket: EVALSHA
// written without ioredis's generic serializer, and several calls per system
// call. Measured on a busy 2-core machine against plain ioredis with
// enableAutoPipelining (medians of 3 alternating runs, LockManager
// acquire+release pairs at concurrency 64 on a Redis of its own): 2,717 vs
// 2,105 pairs/s, 59 vs 80 µs of client CPU and 34 vs 54 µs of Redis CPU per
// pair; bench/locks (same machine, noisier) agreed in direction.
//
// What it relies on in ioredis (batched-writes.integration.test.ts fails if an
// upgrade changes any of it):
//   - sendCommand(command) on a standalone client whose status is "ready"
//     writes command.toWritable() to client.stream at once, in the same tick;
//   - a Command's `args` may be set after construction, and its
//     replyEncoding option makes replies strings;
//   - Command.isSettled and Command.reject (the store's command timeout).

/** A lock script as sent: its SHA-1, and the start of its EVALSHA on the wire by number of arguments. */
export interface WireScript {
  sha: string;
  heads: string[];
}

const REPLY_AS_STRINGS = { replyEncoding: "utf8" } as const;
const NO_ARGS: string[] = [];
/** "$<n>\r\n", the length line of a bulk string, for the usual lengths. */
const BULK_HEADS = Array.from({ length: 128 }, (_, n) => `$${n}\r\n`);

/**
 * EVALSHA of a lock script on one key, built for the hot path: ioredis's
 * Command runs every argument list through Array.prototype.flat (~1.2 µs for a
 * dozen arguments, more than the store's own work per call) and its generic
 * serializer. The arguments here are strings already, so they are set after
 * construction and written with the start precomputed per script.
 * `args`: the sha, "1" (one key), the key, then the script's ARGV.
 */
export class ScriptCall extends Command {
  constructor(
    private readonly script: WireScript,
    args: string[],
  ) {
    super("evalsha", NO_ARGS, REPLY_AS_STRINGS);
    this.args = args;
  }

  override toWritable(): string {
    const args = this.args as string[];
    let out = (this.script.heads[args.length] ??= `*${args.length + 1}\r\n$7\r\nevalsha\r\n$${args[0]!.length}\r\n${args[0]}\r\n$1\r\n1\r\n`);
    for (let i = 2; i < args.length; i++) {
      const arg = args[i]!;
      const bytes = Buffer.byteLength(arg);
      out += (bytes < BULK_HEADS.length ? BULK_HEADS[bytes]! : `$${bytes}\r\n`) + arg + "\r\n";
    }
    return out;
  }
}

/**
 * Script calls written to the socket per system call: WRITE_BATCH while Redis
 * has fewer than WRITE_BATCH_MAX calls to work on (so it starts soon),
 * WRITE_BATCH_MAX while it has that many. One write per call was the largest
 * part of the client's CPU per lock (a loopback write costs 10-20 µs on the
 * development VM); one write per tick made Node and Redis take turns. Measured
 * with bench/locks: 4 and 16 beat 4/4, 2/8, 8/16 and 4/32.
 */
const WRITE_BATCH = 4;
const WRITE_BATCH_MAX = 16;

/**
 * Holds a tick's script calls back so that several go out in one system call:
 * each batch as it fills, the rest at the end of the tick. Not all at once at
 * the end of the tick: Redis answers nothing of what it read before it has run
 * all of it, so whole-tick batches make Node and Redis take turns instead of
 * working at the same time (what ioredis's auto-pipelining does here). Hence
 * small batches while Redis is short of work (sent - answered: the calls it
 * has or has just answered), larger ones while it is busy. Only a standalone
 * client whose socket is ready is corked; otherwise calls go out as ioredis
 * sends them.
 */
export class BatchedWrites {
  /** The socket corked by cork(), uncorked at the end of the tick (and in between by sent(), batch by batch). */
  private corked: { cork(): void; uncork(): void } | null = null;
  private batched = 0;
  /** Calls written to the socket, and answered. */
  private flushed = 0;
  private answeredCount = 0;
  private readonly uncork = () => {
    const stream = this.corked;
    this.corked = null;
    this.flushed += this.batched;
    this.batched = 0;
    stream?.uncork();
  };

  constructor(private readonly client: Redis | Cluster) {}

  /** Call before sending a script call: corks the socket for the rest of the tick if it is not already. */
  beforeSend(): void {
    if (this.corked === null) this.cork();
  }

  /** Call once the call has been handed to ioredis: flushes the batch when it is full. */
  afterSend(): void {
    if (this.corked === null) {
      this.flushed += 1;
    } else if (++this.batched >= (this.flushed - this.answeredCount >= WRITE_BATCH_MAX ? WRITE_BATCH_MAX : WRITE_BATCH)) {
      this.flushed += this.batched;
      this.batched = 0;
      this.corked.uncork();
      this.corked.cork();
    }
  }

  /** Call when a call's reply (or error) arrives. */
  answered(): void {
    this.answeredCount += 1;
  }

  private cork(): void {
    if (this.client instanceof Cluster || this.client.status !== "ready") return;
    const stream = this.client.stream;
    stream.cork();
    this.corked = stream;
    this.batched = 0;
    process.nextTick(this.uncork);
  }
}
