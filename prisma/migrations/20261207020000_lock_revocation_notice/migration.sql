-- ───────────────────────────── lock revocation notices (hand-written) ─────────────────────────────
-- A lease taken away from its holder (force release) is announced on the
-- channel interlock_lock_revoked, one NOTIFY per removed lease, so the holder,
-- in whichever process, stops at once instead of at its next renewal (a third
-- of its TTL later). pg_notify inside the function is delivered at commit: no
-- holder hears of a removal that rolled back. The payload is
--   {"scope":..,"resource":..,"holderId":..,"token":"<int8>","reason":..|null}
-- The rule and what it does not guarantee: docs/locks.md.

-- As before (the lock_manager migration), plus p_reason (NULL: none given,
-- cut at 1000 characters) and the notices.
CREATE OR REPLACE FUNCTION interlock_lock_force_release(p_scope "LockScope", p_resource text, p_holder text, p_reason text) RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
  v_now timestamptz;
  v_removed json;
  v_count bigint;
  v_total bigint;
  v_max bigint;
  v_pruned boolean;
  v_reason text := left(p_reason, 1000);
  v_lease json;
  v_payload text;
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
    -- NOTIFY refuses a payload of 8000 bytes or more, failing the whole call:
    -- a notice that long goes without its reason, and one still too long (an
    -- absurd holder id) is not sent; that holder learns at its next renewal.
    FOR v_lease IN SELECT value FROM json_array_elements(v_removed) LOOP
      v_payload := json_build_object('scope', p_scope, 'resource', p_resource, 'holderId', v_lease->>0, 'token', v_lease->>2, 'reason', v_reason)::text;
      IF octet_length(v_payload) >= 8000 THEN
        v_payload := json_build_object('scope', p_scope, 'resource', p_resource, 'holderId', v_lease->>0, 'token', v_lease->>2, 'reason', NULL)::text;
      END IF;
      IF octet_length(v_payload) < 8000 THEN
        PERFORM pg_notify('interlock_lock_revoked', v_payload);
      END IF;
    END LOOP;
  END IF;
  v_pruned := interlock_lock_prune(p_scope, p_resource, v_now);
  IF v_count > 0 OR v_pruned THEN
    PERFORM interlock_lock_wake(p_scope, p_resource, v_now, NULL);
  END IF;
  RETURN v_removed;
END $$;

-- The three-argument form of the lock_manager migration, kept for a caller
-- that names no reason (a replica still running the previous release): the
-- same removal, announced too.
CREATE OR REPLACE FUNCTION interlock_lock_force_release(p_scope "LockScope", p_resource text, p_holder text) RETURNS json
LANGUAGE plpgsql AS $$
BEGIN
  RETURN interlock_lock_force_release(p_scope, p_resource, p_holder, NULL::text);
END $$;
