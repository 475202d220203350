-- acquire-uncontended.lua: acquire's path for the common case, between
-- lock-head.lua and lock-state.lua. No lease and no queue place at all (live
-- or expired) means the answer is a grant; this path gives it without parsing
-- or helpers, writing exactly what acquire.lua's grant() would. Anything else
-- goes on to acquire.lua.
do
  local list, other = nil, false
  for i = 1, #raw, 2 do
    local f = raw[i]
    if f == 'holders' then list = raw[i + 1]
    elseif f == 'meta' then meta = raw[i + 1]
    elseif f == 'contention' then contention = raw[i + 1]
    else other = true break end
  end
  if not other and (list == nil or list == '') then
    if meta and #meta == META_LENGTH and byte(meta, 1) == META_VERSION then
      local _
      _, mx, mfence, macq, mrel, mtotal, mmax = struct.unpack(META_FORMAT, meta)
    end
    local id, mode, exp = ARGV[1], ARGV[2], now + tonumber(ARGV[3])
    -- The last token + 1, or the time in µs when that is higher.
    local token = mfence + 1
    local nowUs = sec * 1000000 + usec
    if nowUs > token then token = nowUs end
    mfence, macq = token, macq + 1
    local tok, acq, e = format('%d', token), format('%d', now), format('%d', exp)
    local target = nil
    if mx < exp + STATE_MARGIN_MS or mx < now + STATS_REFRESH_MS then
      target = math.max(exp + STATE_MARGIN_MS, now + STATS_TTL_MS)
      mx = target
    end
    local writes = {
      'holders', mode .. '|' .. tok .. '|' .. acq .. '|' .. e .. '|' .. format('%d', #id) .. '|' .. id,
      'meta', struct.pack(META_FORMAT, META_VERSION, mx, mfence, macq, mrel, mtotal, mmax),
    }
    if ARGV[7] == '1' or ARGV[8] ~= '0' then
      local waited = tonumber(ARGV[8])
      local n, total, max = match(contention or '', '^(%d+)|(%d+)|(%d+)$')
      n, total, max = tonumber(n) or 0, tonumber(total) or 0, tonumber(max) or 0
      if ARGV[7] == '1' then n = n + 1 end
      writes[5] = 'contention'
      writes[6] = format('%d', n) .. '|' .. format('%d', total + waited) .. '|' .. format('%d', math.max(max, waited))
    end
    redis.call('HSET', state, unpack(writes))
    if target then redis.call('PEXPIRE', state, target - now) end
    return tok .. '|' .. mode .. '|' .. acq .. '|' .. e .. '|0'
  end
end
