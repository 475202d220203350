import "server-only";
import * as lua from "./lua.generated";

// The Lua scripts behind the Redis lock store, in ./lua. Each LockStore method
// that changes a lock is one script, run with EVALSHA on the lock's one key, so
// it is atomic and touches a single Cluster slot. A script is its files, in the
// order listed in SCRIPTS below, run as one: lua/lock-head.lua (the lock read
// once; it also describes the hash), for acquire and release an uncontended
// path, lua/lock-state.lua (the helpers the scripts share), then the script's
// own file.
//
// Why one hash: an uncontended acquire is TIME, one HGETALL and one HSET (the
// lease, its fence and its counters), its release the same. Inside a script
// each command costs more than the Lua around it, so separate holder, fence,
// queue and statistics keys, each its own read, write and PEXPIRE, would about
// double the server time per lock. Why uncontended paths of their own: most
// locks are uncontended, and those paths skip the parsing, sorting and
// wake-ups of the general one, and run before lock-state.lua defines its
// functions (creating them costs Redis about 0.1 µs each on every run, a third
// more per uncontended call) while writing exactly what the general path
// would have written.
//
// The files reach this module through lua.generated.ts (string exports made by
// scripts/generate-lua.ts, `npm run lua:generate`; lua-generated.test.ts fails while it is stale), because the
// Next.js server bundle cannot read files next to a module at run time:
// readFileSync(new URL("./lua/x.lua", import.meta.url)) there fails with
// ERR_INVALID_ARG_TYPE (the bundler's URL is not one node:fs accepts).

/** How long a lock's state outlives its last lease or queue place, at least (STATE_MARGIN_MS in lock-state.lua). */
export const STATE_MARGIN_MS = 10 * 60_000;
/**
 * Statistics are the history, so they outlive the lock by far: 7 days after
 * the last grant or release (refreshed once less than 6 days remain) bounds the
 * keys of resources that stopped being locked, say deleted deployments
 * (STATS_TTL_MS in lock-state.lua).
 */
export const STATS_TTL_MS = 7 * 24 * 3_600_000;
/** Scores are priority * 2^40 + arrival; priorities above this would leave the exact range of a double. */
export const MAX_PRIORITY = 4095;
/** meta: a version byte, then key expiry, last token, acquisitions, releases, total and max hold ms as big-endian doubles. */
export const META_VERSION = 1;
export const META_LENGTH = 49;

/** Each script's files, in order. */
const SCRIPTS = {
  interlockLockAcquire: [lua.lockHead, lua.acquireUncontended, lua.lockState, lua.acquire],
  interlockLockRelease: [lua.lockHead, lua.releaseUncontended, lua.lockState, lua.release],
  interlockLockExtend: [lua.lockHead, lua.lockState, lua.extend],
  interlockLockCancelWait: [lua.lockHead, lua.lockState, lua.cancelWait],
  interlockLockForceRelease: [lua.lockHead, lua.lockState, lua.forceRelease],
};

export type LockScriptName = keyof typeof SCRIPTS;

/** The text of each script. */
export const LOCK_SCRIPTS = Object.fromEntries(Object.entries(SCRIPTS).map(([name, files]) => [name, files.join("\n")])) as Record<LockScriptName, string>;
