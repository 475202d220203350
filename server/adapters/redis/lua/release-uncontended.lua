-- release-uncontended.lua: release's path for the common case, between
-- lock-head.lua and lock-state.lua. The one lease is this holder's, live, with
-- this token, and no queue place exists (live or expired): the lease goes and
-- no one is woken. This path does it without parsing or helpers, writing
-- exactly what release.lua would. Anything else goes on to release.lua.
do
  local list, other = nil, false
  for i = 1, #raw, 2 do
    local f = raw[i]
    if f == 'holders' then list = raw[i + 1]
    elseif f == 'meta' then meta = raw[i + 1]
    elseif f ~= 'contention' then other = true break end
  end
  -- The lease, "<E|S>|<token>|<acquiredAt>|<expiresAt>|<byte length of id>|<id>",
  -- read with plain finds (a pattern match costs about twice as much).
  local id, token = ARGV[1], ARGV[2]
  local at = 4 + #token -- where acquiredAt starts
  local a = not other and list and byte(list, 2) == 124 and sub(list, 3, at - 2) == token and byte(list, at - 1) == 124 and find(list, '|', at, true)
  local b = a and find(list, '|', a + 1, true)
  local c = b and find(list, '|', b + 1, true)
  if c and c + tonumber(sub(list, b + 1, c - 1)) == #list and sub(list, c + 1) == id and tonumber(sub(list, a + 1, b - 1)) > now then
    if meta and #meta == META_LENGTH and byte(meta, 1) == META_VERSION then
      local _
      _, mx, mfence, macq, mrel, mtotal, mmax = struct.unpack(META_FORMAT, meta)
    end
    local held = now - tonumber(sub(list, at, a - 1))
    if held < 0 then held = 0 end
    mrel, mtotal = mrel + 1, mtotal + held
    if held > mmax then mmax = held end
    local target = nil
    if mx < now + STATS_REFRESH_MS then
      target = now + STATS_TTL_MS
      mx = target
    end
    redis.call('HSET', state, 'holders', '', 'meta', struct.pack(META_FORMAT, META_VERSION, mx, mfence, macq, mrel, mtotal, mmax))
    if target then redis.call('PEXPIRE', state, target - now) end
    return 1
  end
end
