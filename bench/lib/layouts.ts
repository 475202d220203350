// How docs/benchmarks.md presents each benchmark's figures: its tables (every
// cell a key of the benchmark's JSON line) and its ratios with their basis.
// scripts/bench-docs.ts renders them from bench/results/<name>.json.
import { CPU_BASIS } from "./cpu";
import { PG_REFERENCE_DEFINITION } from "./pg-reference";

export interface Table {
  title: string;
  columns: string[];
  /** One key per column; null for an empty cell. */
  rows: { label: string; keys: (string | null)[] }[];
}

export interface Ratio {
  key: string;
  label: string;
  /** What is divided by what, and where both come from. */
  basis: string;
  target?: string;
}

export interface Layout {
  name: string;
  title: string;
  needs: string;
  what: string[];
  tables: Table[];
  ratios: Ratio[];
  notes?: string[];
}

const SAME_RUN = "both measured in the same run, one after the other; the median is of the per-run ratios";

export const SHARED_DEFINITIONS = {
  pgReference: `\`pg_tx_s\`, the Postgres reference (bench/lib/pg-reference.ts): ${PG_REFERENCE_DEFINITION}, on a fresh table in the benchmark's own database, for 3 s. It is the raw limit for work that needs one durable commit per unit; it is not a limit on batched rows or on reads.`,
  cpu: CPU_BASIS,
};

export const LAYOUTS: Layout[] = [
  {
    name: "store",
    title: "Store: Prisma against raw pg, and PGlite",
    needs: "Postgres",
    what: [
      "Reads of one service by name through the Prisma 7 client against the same query in raw `pg`, on the same pool of 16 connections, and through Prisma on the embedded PGlite store; 2 s per case.",
      "The reads' limit is a raw `SELECT 1` round trip on the same pool (not `pg_tx_s`, which is about commits).",
    ],
    tables: [
      {
        title: "Reads",
        columns: ["ops/s", "p50 ms", "p99 ms"],
        rows: [
          { label: "raw pg `SELECT 1` (the reads' limit), concurrency 1", keys: ["pg_select1_c1_ops_s", "pg_select1_c1_p50_ms", "pg_select1_c1_p99_ms"] },
          { label: "raw pg service by name, concurrency 1", keys: ["raw_by_name_c1_ops_s", "raw_by_name_c1_p50_ms", "raw_by_name_c1_p99_ms"] },
          { label: "Prisma service by name, concurrency 1", keys: ["prisma_by_name_c1_ops_s", "prisma_by_name_c1_p50_ms", "prisma_by_name_c1_p99_ms"] },
          { label: "raw pg `SELECT 1` (the reads' limit), concurrency 16", keys: ["pg_select1_ops_s_c16", "pg_select1_c16_p50_ms", "pg_select1_c16_p99_ms"] },
          { label: "raw pg service by name, concurrency 16", keys: ["raw_by_name_ops_s_c16", "raw_by_name_c16_p50_ms", "raw_by_name_c16_p99_ms"] },
          { label: "Prisma service by name, concurrency 16", keys: ["prisma_by_name_ops_s_c16", "prisma_by_name_c16_p50_ms", "prisma_by_name_c16_p99_ms"] },
          { label: "PGlite, Prisma service by name, concurrency 1", keys: ["pglite_prisma_by_name_ops_s", "pglite_prisma_by_name_c1_p50_ms", "pglite_prisma_by_name_c1_p99_ms"] },
          { label: "Prisma listServices (42 services + edges), concurrency 1", keys: ["prisma_list_services_c1_ops_s", "prisma_list_services_c1_p50_ms", "prisma_list_services_c1_p99_ms"] },
        ],
      },
    ],
    ratios: [
      { key: "prisma_vs_raw_c16", label: "Prisma ÷ raw pg, concurrency 16", basis: `service-by-name reads per second through Prisma ÷ the same read through raw pg, same pool; ${SAME_RUN}` },
      { key: "prisma_vs_raw_c1", label: "Prisma ÷ raw pg, concurrency 1", basis: `as above, one caller; ${SAME_RUN}` },
      { key: "pglite_vs_pg_prisma_c1", label: "PGlite ÷ Postgres, Prisma, concurrency 1", basis: `Prisma service-by-name reads per second on PGlite ÷ on Postgres; ${SAME_RUN}` },
    ],
  },
  {
    name: "audit",
    title: "Audit log",
    needs: "Postgres",
    what: [
      "Appends to the hash-chained audit log on a fresh database: one writer one event per call (each its own durable commit), one writer 500 events per call, and 8 concurrent writers one event per call (the log group-commits them); 3 s per case. Then the chain is grown to 200,000 events (`BENCH_VERIFY_EVENTS`), vacuumed, and verified end to end (hashes, links and signed checkpoints). Every run checks that the chain has no forks and no gaps.",
    ],
    tables: [
      {
        title: "Throughput",
        columns: ["per second"],
        rows: [
          { label: "`pg_tx_s`: the Postgres reference (transactions)", keys: ["pg_tx_s"] },
          { label: "append, 1 writer, 1 event per call (events)", keys: ["append_eps"] },
          { label: "`appendMany`, 1 writer, 500 per call (events)", keys: ["append_batched_eps"] },
          { label: "append, 8 concurrent writers (events) — target ≥ 5,000", keys: ["append_concurrent_eps"] },
          { label: "verify the chain (events) — target ≥ 200,000", keys: ["verify_eps"] },
        ],
      },
      {
        title: "CPU",
        columns: ["µs"],
        rows: [
          { label: "Postgres backends per reference transaction", keys: ["pg_tx_pg_cpu_us"] },
          { label: "Node per event, 8 concurrent writers", keys: ["append_concurrent_node_cpu_us_per_event"] },
          { label: "Postgres backends per event, 8 concurrent writers", keys: ["append_concurrent_pg_cpu_us_per_event"] },
        ],
      },
    ],
    ratios: [
      {
        key: "append_concurrent_vs_pg_tx",
        label: "concurrent append ÷ `pg_tx_s`",
        basis: `events per second appended by 8 concurrent writers ÷ the reference's durable one-row transactions per second on 8 connections, on the same database; ${SAME_RUN}`,
      },
    ],
  },
  {
    name: "conflicts",
    title: "Conflict detection",
    needs: "Postgres",
    what: [
      "A synthetic topology of 10,000 services, 40,000 edges and 50 resource groups is imported into Postgres and loaded back as the server loads it. 1,000 in-flight and 500 recently finished operations are real rows of the operations table. 5,000 candidate operations are checked after 200 for warm-up.",
      "**The check** is what the orchestrator does for every operation (`checkConflictsNow`): the cached graph index, the services related to the candidate (policy depth 3), the **neighbourhood read** from Postgres (the unfinished and recently finished operations on those services and the last change to the service, through the product's operation store and its loader), then detection. Timed one at a time, and 64 at a time (the loader folds the reads of one event-loop turn into one query).",
      "**Detection alone** is the in-memory `detectConflicts` against all 1,000 in-flight and 500 finished operations, with no read (the list is not narrowed to the neighbourhood, so it matches more than the check does).",
    ],
    tables: [
      {
        title: "Latency per check",
        columns: ["p50 ms", "p95 ms", "p99 ms", "max ms"],
        rows: [
          { label: "**check, neighbourhood read included**, one at a time — target p95 ≤ 10 ms", keys: ["check_p50_ms", "check_p95_ms", "check_p99_ms", "check_max_ms"] },
          { label: "of which the neighbourhood read", keys: ["read_p50_ms", "read_p95_ms", "read_p99_ms", null] },
          { label: "check, 64 at a time", keys: ["check_c64_p50_ms", null, "check_c64_p99_ms", null] },
          { label: "detection alone (in memory, no read)", keys: ["p50_ms", "p95_ms", "p99_ms", "max_ms"] },
        ],
      },
      {
        title: "Other figures",
        columns: ["value"],
        rows: [
          { label: "checks per second, 64 at a time", keys: ["check_c64_checks_s"] },
          { label: "checks served per neighbourhood query, 64 at a time", keys: ["check_c64_checks_per_read"] },
          { label: "Node CPU per check, one at a time (µs)", keys: ["check_node_cpu_us"] },
          { label: "Postgres backends' CPU per check, one at a time (µs)", keys: ["check_pg_cpu_us"] },
          { label: "conflicts found per check", keys: ["check_conflicts_per_check"] },
          { label: "snapshot load from Postgres (ms)", keys: ["snapshot_load_ms"] },
          { label: "index build, once per snapshot (ms)", keys: ["index_build_ms"] },
          { label: "import of the topology, one transaction (ms)", keys: ["import_ms"] },
        ],
      },
    ],
    ratios: [],
    notes: ["`target_met` in the JSON line is judged on the check with its neighbourhood read (p95 ≤ 10 ms), and is true only if every run met it."],
  },
  {
    name: "graph",
    title: "Graph changes",
    needs: "Postgres",
    what: [
      "A synthetic topology of 10,000 services, 40,000 edges and 50 resource groups, with 1,000 operations in flight as real rows. Documents with 1 % of the graph changed (edges removed and added, services altered, a few services added and removed) are applied through the `PUT /api/v1/graph` use case (`applyTopologyDocument`): load, target, diff, the in-flight operations whose conflicts change, then one transaction with the incremental diff, the provenance, the revision and the `graph.changed` event (docs/graph-changes.md).",
      "**Checks** are the orchestrator's conflict check (`checkConflictsNow`, neighbourhood read included) with a revision-aware `CachedGraphIndex`: p95 at rest, then p95 while **another process** applies such documents (each apply makes the checking process catch its index up in the background from the revision's kept diff, docs/graph-changes.md#freshness-across-processes; checks keep using the old index meanwhile; the `whole-reload` variant reads the whole graph at every revision instead).",
    ],
    tables: [
      {
        title: "Apply and check",
        columns: ["value"],
        rows: [
          { label: "**apply of a 1 % changed document** (ms, median of the applies) — target ≤ 2,000", keys: ["apply_ms"] },
          { label: "apply in the other process, during checks (ms)", keys: ["apply_other_process_ms"] },
          { label: "first apply of the whole graph into an empty store (ms)", keys: ["first_apply_ms"] },
          { label: "elements changed per apply", keys: ["elements_per_apply"] },
          { label: "check p50 at rest (ms)", keys: ["check_p50_ms_at_rest"] },
          { label: "check p95 at rest (ms)", keys: ["check_p95_ms_at_rest"] },
          { label: "check p50 during applies (ms)", keys: ["check_p50_ms_during_apply"] },
          { label: "check p95 during applies (ms)", keys: ["check_p95_ms_during_apply"] },
        ],
      },
    ],
    ratios: [{ label: "check p95 during applies / at rest", key: "check_p95_ratio", target: "≤ 2", basis: SAME_RUN }],
    notes: ["`target_met` in the JSON line is true only if every run met both targets."],
  },
  {
    name: "locks",
    title: "Locks",
    needs: "Redis, Postgres and etcd",
    what: [
      "Six contenders in one run: raw `SET key token NX PX` + `DEL` (the limit: no ownership check on release, no fencing, no queue); Redlock (`@sesamecare-oss/redlock` 1.4, its README's settings); Interlock's lock manager over the Redis lock store; over the Postgres lock store; over the etcd lock store; and the `etcd3` package's own lock recipe (`client.lock(key).ttl(30).acquire()`, then `release()`). Uncontended acquire+release pairs, every loop on its own resource, 3 s per case; then the contended hand-off: 32 waiters on one resource, from a release call to the next holder's acquire returning. Leases are 30 s and not renewed on either side.",
      "**Client settings are the same for every Redis contender**: each has its own ioredis 6 client with auto-pipelining on, one retry per request and no per-command timeout (`BENCH_REDIS_AUTOPIPELINE=0` puts all of them on plain clients). Interlock's lock store is given such a client (`openRedisLockStore({ client })`); whatever the store does with its own writes is part of the lock. Interlock on Postgres uses a pool of 16. Each run starts with a different contender, so none always gets the same slot of the machine's busy and quiet spells.",
      "**Both etcd contenders use the same etcd**: one member (Debian's etcd 3.4) that the benchmark starts for the run, **its data dir on tmpfs (`/dev/shm`)**, so neither pays for a disk fsync; each has its own `etcd3` client with the library's defaults. Interlock on etcd is the same lock manager path as on Redis (`openEtcdLockStore({ client })`). The recipe has no queue (acquire fails at once when the key exists), so its hand-off waiters try again every 10–20 ms; each try costs a lease grant, a transaction and a revoke. The etcd server µs are the member's own CPU (`process_cpu_seconds_total`). `BENCH_LOCKS_ONLY=etcd` runs only the etcd contenders (record such a run under a `--tag`).",
    ],
    tables: [
      {
        title: "Uncontended pairs and hand-off",
        columns: ["pairs/s c1", "pairs/s c64", "acquire p50 ms c64", "acquire p99 ms c64", "hand-off p50 ms", "hand-off p99 ms"],
        rows: [
          { label: "raw `SET NX PX` + `DEL` (the limit)", keys: ["raw_c1_ops_s", "raw_ops_s", "raw_c64_p50_ms", "raw_c64_p99_ms", null, null] },
          { label: "Redlock 1.4", keys: ["redlock_c1_ops_s", "redlock_ops_s", "redlock_c64_p50_ms", "redlock_c64_p99_ms", "redlock_handoff_p50_ms", "redlock_handoff_p99_ms"] },
          { label: "Interlock on Redis", keys: ["interlock_redis_c1_ops_s", "interlock_redis_ops_s", "interlock_redis_c64_p50_ms", "interlock_redis_c64_p99_ms", "interlock_handoff_p50_ms", "interlock_handoff_p99_ms"] },
          { label: "Interlock on Postgres", keys: ["interlock_pg_c1_ops_s", "interlock_pg_ops_s", "interlock_pg_c64_p50_ms", "interlock_pg_c64_p99_ms", "interlock_pg_handoff_p50_ms", "interlock_pg_handoff_p99_ms"] },
          { label: "Interlock on etcd (tmpfs) — hand-off p50 target ≤ 10 ms", keys: ["interlock_etcd_c1_ops_s", "interlock_etcd_ops_s", "interlock_etcd_c64_p50_ms", "interlock_etcd_c64_p99_ms", "interlock_etcd_handoff_p50_ms", "interlock_etcd_handoff_p99_ms"] },
          { label: "`etcd3` Lock recipe (same etcd)", keys: ["etcd_recipe_c1_ops_s", "etcd_recipe_ops_s", "etcd_recipe_c64_p50_ms", "etcd_recipe_c64_p99_ms", "etcd_recipe_handoff_p50_ms", "etcd_recipe_handoff_p99_ms"] },
        ],
      },
      {
        title: "CPU per pair at concurrency 64",
        columns: ["client (this process) µs", "server µs"],
        rows: [
          { label: "raw (server: Redis)", keys: ["raw_c64_client_us_per_pair", "raw_c64_redis_us_per_pair"] },
          { label: "Redlock (server: Redis)", keys: ["redlock_c64_client_us_per_pair", "redlock_c64_redis_us_per_pair"] },
          { label: "Interlock on Redis (server: Redis)", keys: ["interlock_redis_c64_client_us_per_pair", "interlock_redis_c64_redis_us_per_pair"] },
          { label: "Interlock on Postgres (server: this run's backends)", keys: ["interlock_pg_c64_client_us_per_pair", "interlock_pg_c64_pg_us_per_pair"] },
          { label: "Interlock on etcd (server: the etcd member)", keys: ["interlock_etcd_c64_client_us_per_pair", "interlock_etcd_c64_etcd_us_per_pair"] },
          { label: "`etcd3` Lock recipe (server: the etcd member)", keys: ["etcd_recipe_c64_client_us_per_pair", "etcd_recipe_c64_etcd_us_per_pair"] },
        ],
      },
      {
        title: "Reference",
        columns: ["per second"],
        rows: [{ label: "`pg_tx_s`, on the Postgres contender's database", keys: ["pg_tx_s"] }],
      },
    ],
    ratios: [
      { key: "interlock_redis_vs_redlock_c64", label: "Interlock on Redis ÷ Redlock, concurrency 64", target: "≥ 1.2", basis: `pairs per second, both on the same Redis with identically configured clients; ${SAME_RUN}` },
      { key: "interlock_redis_vs_raw_c64", label: "Interlock on Redis ÷ raw, concurrency 64", target: "≥ 0.6", basis: `pairs per second, same Redis, identically configured clients; ${SAME_RUN}` },
      { key: "interlock_pg_vs_pg_tx_c64", label: "Interlock on Postgres ÷ `pg_tx_s`, concurrency 64", basis: `pairs per second (each pair commits at least twice: the acquire and the release) ÷ the reference's one-row transactions per second on the same database; ${SAME_RUN}` },
      { key: "interlock_pg_vs_interlock_redis_c64", label: "Interlock on Postgres ÷ Interlock on Redis, concurrency 64", basis: `pairs per second; ${SAME_RUN}` },
      { key: "interlock_etcd_vs_etcd_recipe_c64", label: "Interlock on etcd ÷ `etcd3` Lock recipe, concurrency 64", target: "≥ 1.0", basis: `pairs per second, both on the same etcd member (data dir on tmpfs), each with its own identically configured \`etcd3\` client; ${SAME_RUN}` },
    ],
    notes: [
      "A variant with every contender on plain clients (`BENCH_REDIS_AUTOPIPELINE=0 npm run bench -- locks --tag plain-clients`), when recorded, follows the main results: the two together show how far the client setting alone moves the ratios.",
      "The hand-off target is p50 ≤ 5 ms for Interlock on Redis, and p50 ≤ 10 ms for Interlock on etcd. Redlock polls (every 200 ± 200 ms by its README's settings), and so do the `etcd3` recipe's waiters (every 10–20 ms); Interlock wakes the next waiter.", "`exclusivity_violations` in the JSON line counts grants that overlapped another holder's in the hand-off runs; it must be 0."],
  },
  {
    name: "orchestrator",
    title: "Orchestrator",
    needs: "Postgres and Redis",
    what: [
      "One worker (concurrency 256) drives 4,000 operations, each on its own isolated service, through every step: conflict check, locks on Redis, six gates, an executor that does nothing, release, nine audit events each. Submitted by 64 concurrent submitters in the same process; timed until all have finished. Then decision latency at a fixed 200 arrivals per second for 5 s (submit → IN_PROGRESS). Planner statistics are gathered (`ANALYZE`) after the warm-up, as autovacuum would have on a store that has been up for a minute.",
      "**The write floor** (bench/write-floor.ts): only the rows an operation must leave (its row, four guarded state changes each with a transition row and one chained audit event, six gate results), written by raw SQL in batches of 256 on 4 connections with no logic at all, on a database of its own. It is what Postgres could record per second here whatever code drives it.",
      "The CPU ceiling is the cores (2) divided by the CPU one operation costs Node, Postgres and Redis together.",
    ],
    tables: [
      {
        title: "Throughput and latency",
        columns: ["value"],
        rows: [
          { label: "`pg_tx_s`: the Postgres reference (transactions/s)", keys: ["pg_tx_s"] },
          { label: "operations end to end, submit → COMPLETED (ops/s) — target ≥ 500", keys: ["ops_s"] },
          { label: "write floor (ops/s)", keys: ["write_floor_ops_s"] },
          { label: "CPU ceiling at the measured cost (ops/s)", keys: ["cpu_ceiling_ops_s"] },
          { label: "decision latency p50, submit → IN_PROGRESS at 200/s (ms)", keys: ["decision_p50_ms"] },
          { label: "decision latency p99 (ms)", keys: ["decision_p99_ms"] },
        ],
      },
      {
        title: "CPU per operation",
        columns: ["ms"],
        rows: [
          { label: "Node (the worker and the submitters: this process)", keys: ["node_cpu_ms_per_op"] },
          { label: "Postgres (this run's backends)", keys: ["pg_cpu_ms_per_op"] },
          { label: "Redis (the server, every client's load included)", keys: ["redis_cpu_ms_per_op"] },
          { label: "Postgres, per operation of the write floor", keys: ["write_floor_pg_cpu_ms_per_op"] },
        ],
      },
    ],
    ratios: [
      { key: "ratio_to_pg_tx", label: "operations ÷ `pg_tx_s`", target: "≥ 0.5", basis: `operations completed per second ÷ the reference's one-row transactions per second, on the same database; ${SAME_RUN}` },
      { key: "write_floor_ratio_to_pg_tx", label: "write floor ÷ `pg_tx_s`", basis: `the floor's operations per second (on its own database on the same server) ÷ the reference; ${SAME_RUN}` },
      { key: "ratio_to_write_floor", label: "operations ÷ write floor", basis: `operations completed per second ÷ the floor's operations per second; ${SAME_RUN}` },
    ],
    notes: [
      "Every operation writes at least the floor's rows and one durable commit per state change, and needs CPU of its own on the same 2 cores, so operations ÷ `pg_tx_s` cannot exceed the write floor's ratio.",
    ],
  },
  {
    name: "intake",
    title: "Alertmanager intake",
    needs: "Postgres and Redis",
    what: [
      "The webhook's use case (`receiveAlertmanagerNotification`) with its Postgres incident and remediation stores, the audit log and a running orchestrator (locks on Redis, an executor that does nothing), on a fresh database with the demo topology. 8 concurrent senders post 4,000 notifications of one firing alert each over 1,000 alert groups taken in turn (the first notification of a group opens its incident, the next three update it); one in four carries severity=\"critical\", which an AUTO rule answers with a ROLLBACK. The route's HTTP and token check are not included.",
      "**To submit** is the time from a notification's arrival to the orchestrator's `submit()` returning the rule's operation, for the notifications that matched. The audit chain's lock (every audited transaction takes it to append and holds it until it commits) is sampled from `pg_locks` every 10 ms.",
    ],
    tables: [
      {
        title: "Throughput and latency",
        columns: ["value"],
        rows: [
          { label: "`pg_tx_s`: the Postgres reference (transactions/s)", keys: ["pg_tx_s"] },
          { label: "notifications accepted (per second) — target ≥ 500", keys: ["notifications_s"] },
          { label: "arrival → submit() returned, p50 (ms)", keys: ["to_submit_p50_ms"] },
          { label: "arrival → submit() returned, p99 (ms) — target ≤ 250", keys: ["to_submit_p99_ms"] },
          { label: "arrival → answer, every notification, p50 (ms)", keys: ["answer_p50_ms"] },
          { label: "arrival → answer, every notification, p99 (ms)", keys: ["answer_p99_ms"] },
        ],
      },
      {
        title: "Where the time goes",
        columns: ["value"],
        rows: [
          { label: "Postgres commits per notification (the worker's included)", keys: ["commits_per_notification"] },
          { label: "audit events per notification (the worker's included)", keys: ["audit_events_per_notification"] },
          { label: "audit chain lock held (% of the time)", keys: ["chain_lock_held_pct"] },
          { label: "transactions waiting for the chain lock (average)", keys: ["chain_lock_waiters_avg"] },
          { label: "time in the incident store's transactions per notification (ms)", keys: ["incident_tx_ms_per_notification"] },
          { label: "`submit()` per match (ms)", keys: ["submit_ms_per_match"] },
          { label: "Node CPU per notification (ms)", keys: ["node_cpu_ms_per_notification"] },
          { label: "Postgres CPU per notification (ms)", keys: ["pg_cpu_ms_per_notification"] },
        ],
      },
    ],
    ratios: [{ key: "ratio_to_pg_tx", label: "notifications ÷ `pg_tx_s`", basis: `notifications accepted per second ÷ the reference's one-row transactions per second, on the same database; ${SAME_RUN}` }],
    notes: ["`targets_met` in the JSON line is true only if every run reached 500 notifications/s with a p99 to submit of at most 250 ms."],
  },
  {
    name: "signin",
    title: "Sign-in flood against lock renewals",
    needs: "Redis and Postgres",
    what: [
      "Whether a flood of sign-ins slows the work that keeps production safe (docs/security.md#sign-in-abuse). 100 Redis locks are held through the real LockManager with a 1.5 s TTL, so each renews every 500 ms (200 renewals a second) on this process's event loop; every renewal's lateness against its schedule is measured, for 10 s per phase, each phase on fresh leases: quiet (no sign-ins), then 50 wrong-password sign-ins a second through the real sign-in path in the same process (the throttle on Redis, `verifyCredentials` on the Postgres identity store, bcrypt cost 11 in the hasher's worker threads), then, for comparison only, the same flood with bcryptjs on the event loop as before the worker pool.",
      "The flood comes from 20 client addresses (none reaches its limit of 300 a minute): 20% of the attempts are on one account, throttled after its 30th failure (429, no hash); 40% on 20 real users and 40% on emails no user has (both hashed: an unknown email is checked against a decoy hash). Checks beyond what the workers keep up with wait in the pool's bounded queue (64) and past it are refused at once (`busy`).",
    ],
    tables: [
      {
        title: "Renewal lag",
        columns: ["p50 ms", "p99 ms", "max ms", "renewals"],
        rows: [
          { label: "quiet", keys: ["renewal_lag_p50_ms_quiet", "renewal_lag_p99_ms_quiet", null, "renewals_quiet"] },
          { label: "flood, bcrypt in worker threads", keys: ["renewal_lag_p50_ms_flood", "renewal_lag_p99_ms_flood", "renewal_lag_max_ms_flood", "renewals_flood"] },
          { label: "flood, bcrypt on the event loop (before)", keys: [null, "renewal_lag_p99_ms_flood_on_loop", "renewal_lag_max_ms_flood_on_loop", "renewals_flood_on_loop"] },
        ],
      },
      {
        title: "The flood (bcrypt in worker threads)",
        columns: ["value"],
        rows: [
          { label: "sign-in attempts", keys: ["flood_attempts"] },
          { label: "hashed (went on to the password check)", keys: ["flood_hashed"] },
          { label: "throttled (429 before any hashing)", keys: ["flood_throttled"] },
          { label: "refused at once: the hashing queue was full", keys: ["flood_busy"] },
          { label: "bcrypt worker threads", keys: ["bcrypt_workers"] },
          { label: "leases lost (of 100): quiet", keys: ["leases_lost_quiet"] },
          { label: "leases lost (of 100): flood, bcrypt in worker threads", keys: ["leases_lost_flood"] },
          { label: "leases lost (of 100): flood, bcrypt on the event loop", keys: ["leases_lost_flood_on_loop"] },
        ],
      },
    ],
    ratios: [
      { key: "flood_vs_quiet", label: "renewal lag p99, flood ÷ quiet", basis: `p99 renewal lateness under 50 sign-ins/s ÷ the same with none; ${SAME_RUN}`, target: "≤ 2" },
      { key: "flood_on_loop_vs_quiet", label: "the same with bcrypt on the event loop", basis: `for comparison: the hasher before its worker pool; ${SAME_RUN}` },
    ],
    notes: ["`target_met` in the JSON line is true only if every run's flood p99 was at most twice its quiet p99."],
  },
];
