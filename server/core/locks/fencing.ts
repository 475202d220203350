/**
 * The check a protected resource makes on every write: the fencing token the
 * writer's lease came with must not be lower than the highest it has seen. A
 * holder that paused past its TTL (GC, SIGSTOP, a partition) and resumes still
 * believing it holds the lock carries an older token than the holder after it,
 * so its writes are refused here even though it never noticed losing the lock.
 * Tokens are bigint: they only grow, for as long as the resource exists.
 */
export class FencingGuard {
  private readonly highest = new Map<string, bigint>();

  /** Accepts the write (and remembers the token) or refuses it, naming the token that superseded it. */
  check(resource: string, token: bigint): { accepted: true } | { accepted: false; highest: bigint } {
    const seen = this.highest.get(resource);
    if (seen !== undefined && token < seen) return { accepted: false, highest: seen };
    this.highest.set(resource, token);
    return { accepted: true };
  }

  highestSeen(resource: string): bigint | undefined {
    return this.highest.get(resource);
  }
}
