-- AlterTable
ALTER TABLE "lock_leases" DROP CONSTRAINT "lock_leases_pkey",
ADD CONSTRAINT "lock_leases_pkey" PRIMARY KEY ("scope", "resource", "holder_id");

-- AlterTable
ALTER TABLE "lock_fences" DROP CONSTRAINT "lock_fences_pkey",
ADD COLUMN     "scope" "LockScope" NOT NULL,
ADD CONSTRAINT "lock_fences_pkey" PRIMARY KEY ("scope", "resource");

-- CreateTable
CREATE TABLE "lock_waiters" (
    "scope" "LockScope" NOT NULL,
    "resource" TEXT NOT NULL,
    "holder_id" TEXT NOT NULL,
    "mode" "LockMode" NOT NULL,
    "priority" INTEGER NOT NULL,
    "seq" BIGSERIAL NOT NULL,
    "instance_id" TEXT NOT NULL,
    "enqueued_at" TIMESTAMPTZ(6) NOT NULL,
    "queue_expires_at" TIMESTAMPTZ(6) NOT NULL,

    CONSTRAINT "lock_waiters_pkey" PRIMARY KEY ("scope","resource","holder_id")
);

-- CreateTable
CREATE TABLE "lock_statistics" (
    "scope" "LockScope" NOT NULL,
    "resource" TEXT NOT NULL,
    "acquisitions" BIGINT NOT NULL DEFAULT 0,
    "contentions" BIGINT NOT NULL DEFAULT 0,
    "total_wait_ms" BIGINT NOT NULL DEFAULT 0,
    "max_wait_ms" BIGINT NOT NULL DEFAULT 0,
    "releases" BIGINT NOT NULL DEFAULT 0,
    "total_hold_ms" BIGINT NOT NULL DEFAULT 0,
    "max_hold_ms" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "lock_statistics_pkey" PRIMARY KEY ("scope","resource")
);

-- CreateIndex
CREATE INDEX "lock_waiters_scope_resource_priority_seq_idx" ON "lock_waiters"("scope", "resource", "priority", "seq");

-- ───────────────────────────── lock store functions (hand-written) ─────────────────────────────
-- The lock store (server/adapters/postgres/lock-store.ts) calls these, one call
-- per LockStore method, so every method is one round trip and one atomic step,
-- as the Redis store's Lua scripts are. Whatever touches a lock first locks the
-- lock's lock_fences row (FOR UPDATE), so calls on one lock run one at a time
-- and see each other's effects, while calls on different locks never wait for
-- each other; a release therefore cannot miss a waiter that is being queued.
-- That relies on READ COMMITTED (Postgres's default): each statement after the
-- row lock sees what the call that held it before committed.
-- Time is clock_timestamp() read once that row lock is held (not now(), the
-- transaction's start, which may be before a wait for the lock), so each call
-- judges expiry at the moment it runs, and the clients' clocks never matter.
-- The rules are those of server/core/locks/ports.ts: expired leases and queue
-- places count as gone everywhere and are deleted by the next call on their
-- lock; whatever removes a holder or waiter wakes the waiters now admitted.
-- Times go back to the client as milliseconds since the epoch (a JS Date).

CREATE FUNCTION interlock_lock_ms(t timestamptz) RETURNS bigint
LANGUAGE sql STABLE PARALLEL SAFE AS $$ SELECT floor(extract(epoch FROM t) * 1000)::bigint $$;

-- Locks the lock's fence row until the transaction ends and returns its last
-- token; with p_create, makes the row first if the lock was never taken. NULL
-- when there is no row: the lock has no leases or waiters either.
CREATE FUNCTION interlock_lock_enter(p_scope "LockScope", p_resource text, p_create boolean) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
  v_last bigint;
BEGIN
  SELECT last_token INTO v_last FROM lock_fences WHERE scope = p_scope AND resource = p_resource FOR UPDATE;
  IF FOUND OR NOT p_create THEN
    RETURN v_last;
  END IF;
  -- Two first callers race here: the loser's insert waits for the winner and does nothing.
  INSERT INTO lock_fences (scope, resource) VALUES (p_scope, p_resource) ON CONFLICT DO NOTHING;
  SELECT last_token INTO v_last FROM lock_fences WHERE scope = p_scope AND resource = p_resource FOR UPDATE;
  RETURN v_last;
END $$;

-- Deletes the lock's expired leases and queue places; true when there were any,
-- since that may let waiters through. (PL/pgSQL rather than SQL here and below:
-- it keeps its plans for the session, where a SQL function is planned on every call.)
CREATE FUNCTION interlock_lock_prune(p_scope "LockScope", p_resource text, p_now timestamptz) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
  v_leases boolean;
  v_waiters boolean;
BEGIN
  DELETE FROM lock_leases WHERE scope = p_scope AND resource = p_resource AND expires_at <= p_now;
  v_leases := FOUND;
  DELETE FROM lock_waiters WHERE scope = p_scope AND resource = p_resource AND queue_expires_at <= p_now;
  v_waiters := FOUND;
  RETURN v_leases OR v_waiters;
END $$;

-- Notifies, per lock manager instance, the waiters the grant rule admits now:
-- walking the queue in order, each waiter compatible with the live holders and
-- with every waiter before it, up to the first that is not (everything behind
-- that one is blocked by it too). p_except is the caller being answered now.
-- NOTIFY is delivered at commit, so nobody is woken before the change is visible.
CREATE FUNCTION interlock_lock_wake(p_scope "LockScope", p_resource text, p_now timestamptz, p_except text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  v_holders bigint;
  v_exclusive boolean;
  v_first boolean := true;
  v_instances text[] := '{}';
  v_ids text[] := '{}';
  v_payload text;
  w record;
BEGIN
  IF NOT EXISTS (SELECT FROM lock_waiters WHERE scope = p_scope AND resource = p_resource AND queue_expires_at > p_now) THEN
    RETURN;
  END IF;
  SELECT count(*), coalesce(bool_or(mode = 'EXCLUSIVE'), false) INTO v_holders, v_exclusive
    FROM lock_leases WHERE scope = p_scope AND resource = p_resource AND expires_at > p_now;
  IF v_exclusive THEN
    RETURN;
  END IF;
  FOR w IN
    SELECT holder_id, mode, instance_id FROM lock_waiters
     WHERE scope = p_scope AND resource = p_resource AND queue_expires_at > p_now
     ORDER BY priority, seq
  LOOP
    EXIT WHEN w.mode = 'EXCLUSIVE' AND (NOT v_first OR v_holders > 0);
    IF w.holder_id IS DISTINCT FROM p_except THEN
      v_instances := v_instances || w.instance_id;
      v_ids := v_ids || w.holder_id;
    END IF;
    EXIT WHEN w.mode = 'EXCLUSIVE';
    v_first := false;
  END LOOP;
  -- NOTIFY refuses a payload of 8000 bytes or more, failing the whole call: a
  -- long list is split, and a payload still too long (an absurd id) is not
  -- sent; that waiter learns at its next re-check.
  FOR v_payload IN
    SELECT json_build_object('instanceId', instance, 'scope', p_scope, 'resource', p_resource, 'holderIds', json_agg(id ORDER BY n))::text
      FROM (SELECT instance, id, n, sum(octet_length(id) + 8) OVER (PARTITION BY instance ORDER BY n) / 6000 AS part
              FROM unnest(v_instances, v_ids) WITH ORDINALITY AS t(instance, id, n)) parts
     GROUP BY instance, part
     ORDER BY min(n)
  LOOP
    IF octet_length(v_payload) < 8000 THEN
      PERFORM pg_notify('interlock_lock_wake', v_payload);
    END IF;
  END LOOP;
END $$;

-- Grants, re-grants (reentrant) or refuses-and-queues. Returns JSON:
--   {"granted":true,"token":"<int8>","mode":..,"acquiredAt":ms,"expiresAt":ms,"reentrant":bool}
--   {"granted":false,"blockers":[[holderId,mode,"<token>",acquiredAt,expiresAt]..],
--    "ahead":[[holderId,mode,priority,enqueuedAt,instanceId]..],"nextExpiryInMs":ms|null}
-- Queue order is (priority, seq). A queued holder's place is its row's; a new
-- request would go behind every waiter of its class or a more urgent one, so
-- those are the waiters ahead of it. Asking again keeps the place and refreshes
-- its deadline; the latest request says which mode and instance it is for.
CREATE FUNCTION interlock_lock_acquire(
  p_scope "LockScope", p_resource text, p_holder text, p_mode "LockMode", p_ttl_ms bigint, p_priority integer,
  p_instance text, p_wait boolean, p_queue_ttl_ms bigint, p_contended boolean, p_waited_ms bigint
) RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
  v_last bigint;
  v_now timestamptz;
  v_mine lock_waiters%ROWTYPE;
  v_queued boolean;
  v_pruned boolean := false;
  v_held boolean := false;
  v_token bigint;
  v_held_mode "LockMode";
  v_acquired timestamptz;
  v_expires timestamptz;
  v_blockers json[] := '{}';
  v_next timestamptz;
  v_ahead json[] := '{}';
  v_waiters_block boolean := false;
  v_relaxed boolean := false;
  r record;
BEGIN
  v_last := interlock_lock_enter(p_scope, p_resource, true);
  v_now := clock_timestamp();

  SELECT * INTO v_mine FROM lock_waiters
   WHERE scope = p_scope AND resource = p_resource AND holder_id = p_holder AND queue_expires_at > v_now;
  v_queued := FOUND;

  FOR r IN
    SELECT holder_id, mode, fence_token, acquired_at, expires_at FROM lock_leases
     WHERE scope = p_scope AND resource = p_resource ORDER BY fence_token
  LOOP
    IF r.expires_at <= v_now THEN
      v_pruned := true;
    ELSIF r.holder_id = p_holder THEN
      v_held := true;
      v_token := r.fence_token;
      v_held_mode := r.mode;
      v_acquired := r.acquired_at;
      v_expires := r.expires_at;
    ELSIF p_mode = 'EXCLUSIVE' OR r.mode = 'EXCLUSIVE' THEN
      v_blockers := v_blockers || json_build_array(r.holder_id, r.mode, r.fence_token::text, interlock_lock_ms(r.acquired_at), interlock_lock_ms(r.expires_at));
      v_next := least(v_next, r.expires_at);
    END IF;
  END LOOP;

  IF v_held THEN
    -- Already held: the same lease, extended, whatever was asked.
    v_pruned := interlock_lock_prune(p_scope, p_resource, v_now);
    IF v_now + p_ttl_ms * interval '1 millisecond' > v_expires THEN
      v_expires := v_now + p_ttl_ms * interval '1 millisecond';
      UPDATE lock_leases SET expires_at = v_expires WHERE scope = p_scope AND resource = p_resource AND holder_id = p_holder;
    END IF;
    IF v_queued THEN
      DELETE FROM lock_waiters WHERE scope = p_scope AND resource = p_resource AND holder_id = p_holder;
      v_pruned := true;
    END IF;
    IF v_pruned THEN
      PERFORM interlock_lock_wake(p_scope, p_resource, v_now, p_holder);
    END IF;
    RETURN json_build_object('granted', true, 'token', v_token::text, 'mode', v_held_mode,
      'acquiredAt', interlock_lock_ms(v_acquired), 'expiresAt', interlock_lock_ms(v_expires), 'reentrant', true);
  END IF;

  FOR r IN
    SELECT holder_id, mode, priority, seq, instance_id, enqueued_at, queue_expires_at FROM lock_waiters
     WHERE scope = p_scope AND resource = p_resource ORDER BY priority, seq
  LOOP
    IF r.queue_expires_at <= v_now THEN
      v_pruned := true;
    ELSIF r.holder_id <> p_holder
          AND ((v_queued AND (r.priority, r.seq) < (v_mine.priority, v_mine.seq)) OR (NOT v_queued AND r.priority <= p_priority)) THEN
      v_ahead := v_ahead || json_build_array(r.holder_id, r.mode, r.priority, interlock_lock_ms(r.enqueued_at), r.instance_id);
      v_waiters_block := v_waiters_block OR p_mode = 'EXCLUSIVE' OR r.mode = 'EXCLUSIVE';
    END IF;
  END LOOP;

  IF v_pruned THEN
    PERFORM interlock_lock_prune(p_scope, p_resource, v_now);
  END IF;

  IF cardinality(v_blockers) = 0 AND NOT v_waiters_block THEN
    v_token := v_last + 1;
    v_expires := v_now + p_ttl_ms * interval '1 millisecond';
    UPDATE lock_fences SET last_token = v_token WHERE scope = p_scope AND resource = p_resource;
    INSERT INTO lock_leases (scope, resource, holder_id, mode, fence_token, acquired_at, expires_at)
      VALUES (p_scope, p_resource, p_holder, p_mode, v_token, v_now, v_expires);
    IF v_queued THEN
      DELETE FROM lock_waiters WHERE scope = p_scope AND resource = p_resource AND holder_id = p_holder;
    END IF;
    INSERT INTO lock_statistics AS s (scope, resource, acquisitions, contentions, total_wait_ms, max_wait_ms)
      VALUES (p_scope, p_resource, 1, CASE WHEN p_contended THEN 1 ELSE 0 END, greatest(p_waited_ms, 0), greatest(p_waited_ms, 0))
      ON CONFLICT (scope, resource) DO UPDATE SET
        acquisitions = s.acquisitions + 1,
        contentions = s.contentions + excluded.contentions,
        total_wait_ms = s.total_wait_ms + excluded.total_wait_ms,
        max_wait_ms = greatest(s.max_wait_ms, excluded.max_wait_ms);
    IF v_pruned THEN
      PERFORM interlock_lock_wake(p_scope, p_resource, v_now, p_holder);
    END IF;
    RETURN json_build_object('granted', true, 'token', v_token::text, 'mode', p_mode,
      'acquiredAt', interlock_lock_ms(v_now), 'expiresAt', interlock_lock_ms(v_expires), 'reentrant', false);
  END IF;

  IF p_wait THEN
    IF v_queued THEN
      UPDATE lock_waiters SET mode = p_mode, instance_id = p_instance, queue_expires_at = v_now + p_queue_ttl_ms * interval '1 millisecond'
       WHERE scope = p_scope AND resource = p_resource AND holder_id = p_holder;
      -- Now waiting for less than before: whoever it held back may go.
      v_relaxed := v_mine.mode = 'EXCLUSIVE' AND p_mode = 'SHARED';
    ELSE
      INSERT INTO lock_waiters (scope, resource, holder_id, mode, priority, instance_id, enqueued_at, queue_expires_at)
        VALUES (p_scope, p_resource, p_holder, p_mode, p_priority, p_instance, v_now, v_now + p_queue_ttl_ms * interval '1 millisecond');
    END IF;
  END IF;
  IF v_pruned OR v_relaxed THEN
    PERFORM interlock_lock_wake(p_scope, p_resource, v_now, p_holder);
  END IF;
  RETURN json_build_object('granted', false, 'blockers', to_json(v_blockers), 'ahead', to_json(v_ahead),
    'nextExpiryInMs', ceil(extract(epoch FROM v_next - v_now) * 1000)::bigint);
END $$;

-- Releases the live lease of this holder with this token; true when it did.
CREATE FUNCTION interlock_lock_release(p_scope "LockScope", p_resource text, p_holder text, p_token bigint) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
  v_now timestamptz;
  v_acquired timestamptz;
  v_released boolean;
  v_pruned boolean;
  v_hold bigint;
BEGIN
  IF interlock_lock_enter(p_scope, p_resource, false) IS NULL THEN
    RETURN false;
  END IF;
  v_now := clock_timestamp();
  DELETE FROM lock_leases
   WHERE scope = p_scope AND resource = p_resource AND holder_id = p_holder AND fence_token = p_token AND expires_at > v_now
  RETURNING acquired_at INTO v_acquired;
  v_released := FOUND;
  IF v_released THEN
    v_hold := greatest(0, floor(extract(epoch FROM v_now - v_acquired) * 1000))::bigint;
    INSERT INTO lock_statistics AS s (scope, resource, releases, total_hold_ms, max_hold_ms)
      VALUES (p_scope, p_resource, 1, v_hold, v_hold)
      ON CONFLICT (scope, resource) DO UPDATE SET
        releases = s.releases + 1,
        total_hold_ms = s.total_hold_ms + excluded.total_hold_ms,
        max_hold_ms = greatest(s.max_hold_ms, excluded.max_hold_ms);
  END IF;
  v_pruned := interlock_lock_prune(p_scope, p_resource, v_now);
  IF v_released OR v_pruned THEN
    PERFORM interlock_lock_wake(p_scope, p_resource, v_now, NULL);
  END IF;
  RETURN v_released;
END $$;

-- Pushes a live lease's expiry to now + p_ttl_ms; its new expiry (ms), or NULL
-- when this holder no longer holds the lock with this token.
CREATE FUNCTION interlock_lock_extend(p_scope "LockScope", p_resource text, p_holder text, p_token bigint, p_ttl_ms bigint) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
  v_now timestamptz;
  v_expires timestamptz;
BEGIN
  IF interlock_lock_enter(p_scope, p_resource, false) IS NULL THEN
    RETURN NULL;
  END IF;
  v_now := clock_timestamp();
  UPDATE lock_leases SET expires_at = v_now + p_ttl_ms * interval '1 millisecond'
   WHERE scope = p_scope AND resource = p_resource AND holder_id = p_holder AND fence_token = p_token AND expires_at > v_now
  RETURNING expires_at INTO v_expires;
  IF interlock_lock_prune(p_scope, p_resource, v_now) THEN
    PERFORM interlock_lock_wake(p_scope, p_resource, v_now, NULL);
  END IF;
  RETURN interlock_lock_ms(v_expires);
END $$;

-- Takes the holder out of the lock's queue; true when it was queued.
CREATE FUNCTION interlock_lock_cancel_wait(p_scope "LockScope", p_resource text, p_holder text) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
  v_now timestamptz;
  v_left boolean;
  v_pruned boolean;
BEGIN
  IF interlock_lock_enter(p_scope, p_resource, false) IS NULL THEN
    RETURN false;
  END IF;
  v_now := clock_timestamp();
  DELETE FROM lock_waiters
   WHERE scope = p_scope AND resource = p_resource AND holder_id = p_holder AND queue_expires_at > v_now;
  v_left := FOUND;
  v_pruned := interlock_lock_prune(p_scope, p_resource, v_now);
  IF v_left OR v_pruned THEN
    PERFORM interlock_lock_wake(p_scope, p_resource, v_now, NULL);
  END IF;
  RETURN v_left;
END $$;

-- Removes the live leases of one holder (p_holder) or of all (NULL), counting
-- them as releases; returns them as [[holderId,mode,"<token>",acquiredAt,expiresAt]..].
CREATE FUNCTION interlock_lock_force_release(p_scope "LockScope", p_resource text, p_holder text) RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
  v_now timestamptz;
  v_removed json;
  v_count bigint;
  v_total bigint;
  v_max bigint;
  v_pruned boolean;
BEGIN
  IF interlock_lock_enter(p_scope, p_resource, false) IS NULL THEN
    RETURN '[]'::json;
  END IF;
  v_now := clock_timestamp();
  WITH gone AS (
    DELETE FROM lock_leases
     WHERE scope = p_scope AND resource = p_resource AND (p_holder IS NULL OR holder_id = p_holder) AND expires_at > v_now
    RETURNING holder_id, mode, fence_token, acquired_at, expires_at,
              greatest(0, floor(extract(epoch FROM v_now - acquired_at) * 1000))::bigint AS hold
  )
  SELECT coalesce(json_agg(json_build_array(holder_id, mode, fence_token::text, interlock_lock_ms(acquired_at), interlock_lock_ms(expires_at)) ORDER BY fence_token), '[]'::json),
         count(*), coalesce(sum(hold), 0), coalesce(max(hold), 0)
    INTO v_removed, v_count, v_total, v_max
    FROM gone;
  IF v_count > 0 THEN
    INSERT INTO lock_statistics AS s (scope, resource, releases, total_hold_ms, max_hold_ms)
      VALUES (p_scope, p_resource, v_count, v_total, v_max)
      ON CONFLICT (scope, resource) DO UPDATE SET
        releases = s.releases + excluded.releases,
        total_hold_ms = s.total_hold_ms + excluded.total_hold_ms,
        max_hold_ms = greatest(s.max_hold_ms, excluded.max_hold_ms);
  END IF;
  v_pruned := interlock_lock_prune(p_scope, p_resource, v_now);
  IF v_count > 0 OR v_pruned THEN
    PERFORM interlock_lock_wake(p_scope, p_resource, v_now, NULL);
  END IF;
  RETURN v_removed;
END $$;

-- Every lock with a live holder or waiter, read in one statement (one
-- snapshot), and the time it was read: {"at":ms,"locks":[[scope,resource,
-- [holders as force_release returns them, by token],[waiters as acquire's
-- "ahead", in queue order]]..]}. The time is read after the snapshot is taken,
-- so no lease in it looks younger than "at". It changes nothing: expired rows
-- are left for the next call on their lock.
CREATE FUNCTION interlock_lock_snapshot() RETURNS json
LANGUAGE plpgsql AS $$
BEGIN
  RETURN (
    WITH clock AS MATERIALIZED (SELECT clock_timestamp() AS t),
    holders AS (
      SELECT scope, resource,
             json_agg(json_build_array(holder_id, mode, fence_token::text, interlock_lock_ms(acquired_at), interlock_lock_ms(expires_at)) ORDER BY fence_token) AS list
        FROM lock_leases, clock WHERE expires_at > clock.t GROUP BY scope, resource
    ),
    waiters AS (
      SELECT scope, resource,
             json_agg(json_build_array(holder_id, mode, priority, interlock_lock_ms(enqueued_at), instance_id) ORDER BY priority, seq) AS list
        FROM lock_waiters, clock WHERE queue_expires_at > clock.t GROUP BY scope, resource
    )
    SELECT json_build_object(
      'at', (SELECT interlock_lock_ms(t) FROM clock),
      'locks', coalesce((
        SELECT json_agg(json_build_array(scope, resource, coalesce(h.list, '[]'::json), coalesce(w.list, '[]'::json)) ORDER BY scope, resource)
          FROM holders h FULL JOIN waiters w USING (scope, resource)
      ), '[]'::json))
  );
END $$;
