-- acquire.lua (after lock-head.lua, acquire-uncontended.lua and
-- lock-state.lua): grant the lock, or refuse and, when asked to, queue.
-- ARGV: holderId, mode (E|S), ttlMs, priority, wait (1|0), queueTtlMs,
--       contended (1|0), waitedMs, instanceId.
-- Granted: "<token>|<mode>|<acquiredAt>|<expiresAt>|<reentrant 1|0>".
-- Refused: { next expiry in ms (-1: none), blocker count, the blockers (5
--   fields each: id, mode, token, acquiredAt, expiresAt), the waiters ahead
--   (5 fields each: id, mode, priority, enqueuedAt, instanceId) }.
local id, mode, ttl = ARGV[1], ARGV[2], tonumber(ARGV[3])

-- Grants a new lease (the queue place `mine`, if any, ends): the fencing token
-- is the last one + 1, or the time in µs when that is higher, so tokens keep
-- growing even after Redis loses the key.
local function grant(mine)
  local token = mfence + 1
  local nowUs = sec * 1000000 + usec
  if nowUs > token then token = nowUs end
  mfence, macq = token, macq + 1
  local tok, acq, exp = format('%d', token), format('%d', now), format('%d', now + ttl)
  holders[#holders + 1] = { id = id, mode = mode, token = tok, acq = acq, exp = now + ttl, entry = lease_entry(id, mode, tok, acq, exp) }
  local writes = { 'holders', holder_list(holders) }
  if ARGV[7] == '1' or ARGV[8] ~= '0' then
    local waited = tonumber(ARGV[8])
    local n, total, max = match(contention or '', '^(%d+)|(%d+)|(%d+)$')
    n, total, max = tonumber(n) or 0, tonumber(total) or 0, tonumber(max) or 0
    if ARGV[7] == '1' then n = n + 1 end
    writes[3] = 'contention'
    writes[4] = format('%d', n) .. '|' .. format('%d', total + waited) .. '|' .. format('%d', math.max(max, waited))
  end
  if mine then
    redis.call('HDEL', state, 'w:' .. id)
    table.remove(waiters, mine)
  end
  save(writes, holders, true)
  if pruned then wake(holders, id) end
  return tok .. '|' .. mode .. '|' .. acq .. '|' .. exp .. '|0'
end

load()

-- Already a holder: the same lease, its expiry moved to now + ttl if that is later.
for _, h in ipairs(holders) do
  if h.id == id then
    -- A holder has no place in the queue (one left over is dropped: a departure, hence a wake).
    for i, w in ipairs(waiters) do
      if w.id == id then
        redis.call('HDEL', state, 'w:' .. id)
        table.remove(waiters, i)
        pruned = true
        break
      end
    end
    if now + ttl > h.exp then
      h.exp = now + ttl
      h.entry = lease_entry(id, h.mode, h.token, h.acq, format('%d', h.exp))
      save({ 'holders', holder_list(holders) }, holders, false)
      if pruned then wake(holders, id) end
    else
      settle_pruned()
    end
    return h.token .. '|' .. h.mode .. '|' .. h.acq .. '|' .. format('%d', h.exp) .. '|1'
  end
end

-- Leases in the way: any lease for EXCLUSIVE, EXCLUSIVE ones for SHARED.
local blockers, nextExpiry = {}, nil
for _, h in ipairs(holders) do
  if mode == 'E' or h.mode == 'E' then
    blockers[#blockers + 1] = h
    if not nextExpiry or h.exp < nextExpiry then nextExpiry = h.exp end
  end
end

-- Waiters ahead: those before its own place, or, new in the queue, every
-- waiter of the same or a more urgent class.
local mine, ahead = nil, 0
for i, w in ipairs(waiters) do
  if w.id == id then mine = i break end
end
if mine then
  ahead = mine - 1
else
  local bound = (tonumber(ARGV[4]) + 1) * CLASS
  for i, w in ipairs(waiters) do
    if w.score < bound then ahead = i else break end
  end
end
-- EXCLUSIVE waits behind any waiter ahead, SHARED behind an EXCLUSIVE one.
local waitersBlock = false
if mode == 'E' then
  waitersBlock = ahead > 0
else
  for i = 1, ahead do
    if waiters[i].mode == 'E' then waitersBlock = true break end
  end
end

if #blockers == 0 and not waitersBlock then return grant(mine) end

local out = { nextExpiry and format('%d', nextExpiry - now) or -1, #blockers }
push_holders(out, blockers)
for i = 1, ahead do
  local w = waiters[i]
  out[#out + 1] = w.id
  out[#out + 1] = w.mode
  out[#out + 1] = w.pri
  out[#out + 1] = w.enq
  out[#out + 1] = w.inst
end

if ARGV[5] ~= '1' then
  settle_pruned()
  return out
end

-- Queue (or stay queued): asking again keeps the place, and the latest
-- request says what it waits for and until when.
local w, relaxed = waiters[mine or 0], false
if w then
  relaxed = w.mode == 'E' and mode == 'S'
  w.dl, w.mode, w.inst = now + tonumber(ARGV[6]), mode, ARGV[9]
else
  local pri = tonumber(ARGV[4])
  local low, score = pri * CLASS, pri * CLASS
  for _, other in ipairs(waiters) do
    if other.score >= low and other.score < low + CLASS and other.score >= score then score = other.score + 1 end
  end
  w = { id = id, mode = mode, pri = format('%d', pri), enq = format('%d', now), dl = now + tonumber(ARGV[6]), score = score, inst = ARGV[9] }
  table.insert(waiters, ahead + 1, w)
end
local writes = { 'w:' .. id, w.mode .. '|' .. w.pri .. '|' .. w.enq .. '|' .. format('%d', w.dl) .. '|' .. format('%d', w.score) .. '|' .. w.inst }
if pruned then
  writes[3], writes[4] = 'holders', holder_list(holders)
end
save(writes, holders, false)
-- A waiter that now asks for SHARED instead of EXCLUSIVE may let those behind it in.
if pruned or relaxed then wake(holders, id) end
return out
