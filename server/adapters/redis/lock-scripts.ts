import "server-only";

// The Lua scripts behind the Redis lock store. Each LockStore method that
// changes a lock is one of these, run with EVALSHA on the lock's one key, so it
// is atomic and touches a single Cluster slot.
//
// A lock is one hash, `<prefix>{<SCOPE>:<resource>}:state`:
//   holders     every live lease, concatenated:
//               "<E|S>|<token>|<acquiredAt>|<expiresAt>|<byte length of id>|<id>"
//   w:<holder>  one waiter: "<E|S>|<priority>|<enqueuedAt>|<deadline>|<score>|<instanceId>"
//   meta        key expiry, last token, acquisitions, releases, total and max hold ms:
//               struct.pack(META_FORMAT, META_VERSION, ...), 49 bytes (see META); the
//               text "<key expiry>|<last token>|<acquisitions>|<releases>|<total>|<max>"
//               of earlier versions is still read, and replaced at the next write
//   contention  "<grants that waited>|<total wait ms>|<max wait ms>"
// (times in ms since the epoch, on the Redis clock). The layout is what keeps
// the hot path cheap: an uncontended acquire is TIME, one HGETALL and one HSET
// (the lease, its fence and its counter); its release is TIME, HGETALL, HSET.
// Inside a script each command costs more than the Lua around it, so separate
// holder, fence, queue and statistics keys, each its own read, write and
// PEXPIRE, would roughly double the server time per lock; and each hash field
// costs about as much to read as parsing a packed one, hence `meta`.
//
// The Lua is written for the same budget: it converts only the numbers it
// changes, writes unchanged parts back as it read them, and creates no
// closure on the hot path (each costs about as much as a command's
// bookkeeping), so the helpers below are spliced in as code, not called.
//
// Acquire and release start with a fast path for the uncontended lock, the
// common case: no lease and no queue place at all (acquire), or only the
// caller's own live lease and no queue place (release). There the rules come
// down to "grant" and "remove, wake no one", so these paths skip the tables,
// sorting and wake-up logic of the general path, and read the lease with
// plain string.find (a pattern match costs about twice as much); they write
// exactly what the general path would have written. Anything else goes to the
// general path. In Redis's Lua every string made costs (hashing, then the
// collector), which is why meta, read and rewritten by every grant and
// release, is packed binary: one struct.unpack and one struct.pack instead of
// splitting, converting and formatting six numbers (~2 µs less per pair).
//
// Expiry: the key lives until its last lease or queue place ends plus
// STATE_MARGIN_MS, and at least STATS_TTL_MS after the last grant or release,
// since it also keeps the statistics (the lock's history) and the last token.
// meta records the expiry last set, so PEXPIRE runs only when it must move
// (about once a day for a busy lock), not on every grant.
//
// Queue order is the waiter score, priority * 2^40 + arrival within its class,
// sorted in Lua: queues are short, and a refusal lists every waiter ahead, so
// each call reads them all anyway. Numbers stay below 2^53 (µs since the epoch
// ~ 1.8e15, scores < 4096 * 2^40), so Lua doubles hold them exactly; they are
// written with %d, since tostring would switch to exponents.

/** How long a lock's state outlives its last lease or queue place, at least. */
export const STATE_MARGIN_MS = 10 * 60_000;
/**
 * Statistics are the history, so they outlive the lock by far: 7 days after
 * the last grant or release (refreshed once less than 6 days remain) bounds the
 * keys of resources that stopped being locked, say deleted deployments.
 */
export const STATS_TTL_MS = 7 * 24 * 3_600_000;
const STATS_REFRESH_SLACK_MS = 24 * 3_600_000;
/** Scores are priority * 2^40 + arrival; priorities above this would leave the exact range of a double. */
export const MAX_PRIORITY = 4095;
/** meta, packed: a version byte, then key expiry, last token, acquisitions, releases, total and max hold ms as doubles (exact below 2^53). */
export const META_FORMAT = ">Bdddddd";
export const META_VERSION = 1;
export const META_LENGTH = 49;

/**
 * meta (the local \`meta\`, a string or nil) as numbers: mx (key expiry), mfence
 * (last token), macq (acquisitions), mrel (releases), mtotal and mmax (hold ms).
 * Packed, or text from an earlier version; missing or unreadable, all 0.
 */
const META = `
local mx, mfence, macq, mrel, mtotal, mmax = 0, 0, 0, 0, 0, 0
if meta then
  if #meta == ${META_LENGTH} and byte(meta, 1) == ${META_VERSION} then
    local _
    _, mx, mfence, macq, mrel, mtotal, mmax = struct.unpack('${META_FORMAT}', meta)
  else
    local a, b, c, d, e, f = match(meta, '^(%d+)|(%d+)|(%d+)|(%d+)|(%d+)|(%d+)$')
    if a then mx, mfence, macq, mrel, mtotal, mmax = tonumber(a), tonumber(b), tonumber(c), tonumber(d), tonumber(e), tonumber(f) end
  end
end
`;
const PACKED_META = `struct.pack('${META_FORMAT}', ${META_VERSION}, mx, mfence, macq, mrel, mtotal, mmax)`;

/**
 * Every script starts here: the time, then the lock as it stands in
 * `holders` (live leases), `waiters` (live, in queue order), `meta` and
 * `contention` (raw). Expired waiters are deleted on the way; expired leases
 * are left out, and `pruned` tells the script to write `holders` back and to
 * wake the queue (a departure may let waiters in).
 */
const READ = `
local tonumber, format, match, sub, find, byte = tonumber, string.format, string.match, string.sub, string.find, string.byte
local state = KEYS[1]
local t = redis.call('TIME')
local raw = redis.call('HGETALL', state)
`;

const PARSE = `
local sec, usec = tonumber(t[1]), tonumber(t[2])
local now = sec * 1000 + math.floor(usec / 1000)
local holders, waiters, meta, contention, pruned = {}, {}, nil, nil, false
do
  local dead = nil
  for i = 1, #raw, 2 do
    local f, v = raw[i], raw[i + 1]
    if f == 'holders' then
      local pos = 1
      while true do
        local m, tok, acq, exp, len, start = match(v, '^(%a)|(%d+)|(%d+)|(%d+)|(%d+)|()', pos)
        if not m then break end
        local stop = start + tonumber(len)
        exp = tonumber(exp)
        if exp > now then
          holders[#holders + 1] = { id = sub(v, start, stop - 1), mode = m, token = tok, acq = acq, exp = exp, entry = sub(v, pos, stop - 1) }
        else
          pruned = true
        end
        pos = stop
      end
    elseif f == 'meta' then
      meta = v
    elseif f == 'contention' then
      contention = v
    elseif string.byte(f) == 119 then
      local m, pri, enq, dl, score, inst = match(v, '^(%a)|(%d+)|(%d+)|(%d+)|(%d+)|(.*)$')
      dl = tonumber(dl)
      if dl and dl > now then
        waiters[#waiters + 1] = { id = sub(f, 3), mode = m, pri = pri, enq = enq, dl = dl, score = tonumber(score), inst = inst }
      else
        dead = dead or {}
        dead[#dead + 1] = f
      end
    end
  end
  if dead then
    pruned = true
    for i = 1, #dead, 500 do redis.call('HDEL', state, unpack(dead, i, math.min(i + 499, #dead))) end
  end
  if #waiters > 1 then table.sort(waiters, function(a, b) return a.score < b.score end) end
end
`;

const LOAD = READ + PARSE;

/**
 * The uncontended acquire: no holder and no queue place at all (live or
 * expired), so the rules reduce to "grant": the same grant, token, counters
 * and expiry as the general path below would produce, without building its
 * tables. Anything else falls through to the general path.
 */
const FAST_ACQUIRE = `
do
  local list, meta, contention, other = nil, nil, nil, false
  for i = 1, #raw, 2 do
    local f = raw[i]
    if f == 'holders' then list = raw[i + 1]
    elseif f == 'meta' then meta = raw[i + 1]
    elseif f == 'contention' then contention = raw[i + 1]
    else other = true break end
  end
  if not other and (list == nil or list == '') then
    ${META}
    local sec, usec = tonumber(t[1]), tonumber(t[2])
    local now = sec * 1000 + (usec - usec % 1000) / 1000
    local token = mfence + 1
    local nowUs = sec * 1000000 + usec
    if nowUs > token then token = nowUs end
    local id, mode, exp = ARGV[1], ARGV[2], now + tonumber(ARGV[3])
    local tok, acq, e, target = format('%d', token), format('%d', now), format('%d', exp), nil
    mfence, macq = token, macq + 1
    if mx < exp + ${STATE_MARGIN_MS} or mx < now + ${STATS_TTL_MS - STATS_REFRESH_SLACK_MS} then
      target = math.max(exp + ${STATE_MARGIN_MS}, now + ${STATS_TTL_MS})
      mx = target
    end
    local entry = mode .. '|' .. tok .. '|' .. acq .. '|' .. e .. '|' .. format('%d', #id) .. '|' .. id
    meta = ${PACKED_META}
    if ARGV[7] == '1' or ARGV[8] ~= '0' then
      local waited = tonumber(ARGV[8])
      local n, total, max = match(contention or '', '^(%d+)|(%d+)|(%d+)$')
      n, total, max = tonumber(n) or 0, tonumber(total) or 0, tonumber(max) or 0
      if ARGV[7] == '1' then n = n + 1 end
      redis.call('HSET', state, 'holders', entry, 'meta', meta, 'contention', format('%d', n) .. '|' .. format('%d', total + waited) .. '|' .. format('%d', math.max(max, waited)))
    else
      redis.call('HSET', state, 'holders', entry, 'meta', meta)
    end
    if target then redis.call('PEXPIRE', state, target - now) end
    return tok .. '|' .. mode .. '|' .. acq .. '|' .. e .. '|0'
  end
end
`;

/**
 * The uncontended release: the lock's one lease is this holder's, live, with
 * this token, and no queue place exists (live or expired): the same removal,
 * counters and expiry as the general path, with no one to wake.
 */
const FAST_RELEASE = `
do
  local list, meta, other = nil, nil, false
  for i = 1, #raw, 2 do
    local f = raw[i]
    if f == 'holders' then list = raw[i + 1]
    elseif f == 'meta' then meta = raw[i + 1]
    elseif f ~= 'contention' then other = true break end
  end
  -- The one lease, "<E|S>|<token>|<acquiredAt>|<expiresAt>|<byte length of id>|<id>", is this
  -- holder's with this token: checked with plain finds (cheaper than a pattern).
  local id, tok = ARGV[1], ARGV[2]
  local at = 4 + #tok -- where acquiredAt starts
  local a = list and byte(list, 2) == 124 and sub(list, 3, at - 2) == tok and byte(list, at - 1) == 124 and find(list, '|', at, true)
  local b = a and find(list, '|', a + 1, true)
  local c = b and find(list, '|', b + 1, true)
  if not other and c and c + tonumber(sub(list, b + 1, c - 1)) == #list and sub(list, c + 1) == id then
    local usec = tonumber(t[2])
    local now = tonumber(t[1]) * 1000 + (usec - usec % 1000) / 1000
    if tonumber(sub(list, a + 1, b - 1)) > now then
      ${META}
      local held = now - tonumber(sub(list, at, a - 1))
      if held < 0 then held = 0 end
      mrel, mtotal = mrel + 1, mtotal + held
      if held > mmax then mmax = held end
      local target = nil
      if mx < now + ${STATS_TTL_MS - STATS_REFRESH_SLACK_MS} then
        target = now + ${Math.max(STATS_TTL_MS, STATE_MARGIN_MS)}
        mx = target
      end
      redis.call('HSET', state, 'holders', '', 'meta', ${PACKED_META})
      if target then redis.call('PEXPIRE', state, target - now) end
      return 1
    end
  end
end
`;

/** The holders field for the leases in `from`, as local `name`. */
const holderList = (name: string, from: string) => `
local ${name} = ''
if #${from} == 1 then
  ${name} = ${from}[1].entry
elseif #${from} > 1 then
  local entries = {}
  for i, h in ipairs(${from}) do entries[i] = h.entry end
  ${name} = table.concat(entries)
end
`;

/**
 * HSETs `writes` (a table expression) with meta, moving the key's expiry when
 * it would end too soon: never before a live lease (of `live`) or queue place
 * ends, and, when `changed` (the statistics changed), no sooner than 6 days
 * from now. Meta is written when changed or when the expiry moves.
 */
const write = (writes: string, live: string, changed: string) => `
do
  local writes, changed, last = ${writes}, ${changed}, now
  for _, h in ipairs(${live}) do if h.exp > last then last = h.exp end end
  for _, w in ipairs(waiters) do if w.dl > last then last = w.dl end end
  local target = nil
  if mx < last + ${STATE_MARGIN_MS} or (changed and mx < now + ${STATS_TTL_MS - STATS_REFRESH_SLACK_MS}) then
    target = math.max(last + ${STATE_MARGIN_MS}, now + ${STATS_TTL_MS})
    mx, changed = target, true
  end
  if changed then
    writes[#writes + 1] = 'meta'
    writes[#writes + 1] = ${PACKED_META}
  end
  redis.call('HSET', state, unpack(writes))
  if target then redis.call('PEXPIRE', state, target - now) end
end
`;

/** Counts the leases in `ended` into the release counters. */
const released = (ended: string) => `
for _, h in ipairs(${ended}) do
  local held = math.max(0, now - tonumber(h.acq))
  mrel, mtotal = mrel + 1, mtotal + held
  if held > mmax then mmax = held end
end
`;

/**
 * Publishes, per instance, the queued waiters the grant rule would now admit
 * once `live` holds the lock: none past an EXCLUSIVE holder; from the head,
 * SHARED waiters while the run lasts, or one EXCLUSIVE waiter when nobody
 * holds the lock. `except` (a Lua expression) knows its answer already.
 */
const wake = (live: string, except = "nil") => `
if #waiters > 0 then
  local exclusive, except = false, ${except}
  for _, h in ipairs(${live}) do if h.mode == 'E' then exclusive = true end end
  local byInstance, instances = {}, {}
  for i, w in ipairs(exclusive and {} or waiters) do
    if w.mode == 'E' and (i > 1 or #${live} > 0) then break end
    if w.id ~= except then
      local ids = byInstance[w.inst]
      if not ids then
        ids = {}
        byInstance[w.inst] = ids
        instances[#instances + 1] = w.inst
      end
      ids[#ids + 1] = w.id
    end
    if w.mode == 'E' then break end
  end
  if #instances > 0 then
    -- The key names the lock: <prefix>{<SCOPE>:<resource, with % { } percent-encoded>}:state
    local open = string.find(state, '{', 1, true)
    local scope, encoded = match(state, '^([^:}]*):([^}]*)}', open + 1)
    local resource = string.gsub(encoded, '%%(%x%x)', function(hex) return string.char(tonumber(hex, 16)) end)
    local channel = sub(state, 1, open - 1) .. 'wake:'
    for _, inst in ipairs(instances) do
      redis.call('PUBLISH', channel .. inst, cjson.encode({ scope = scope, resource = resource, holderIds = byInstance[inst] }))
    end
  end
end
`;

/** Appends the leases in `list` to the reply `out`, 5 fields each. */
const pushHolders = (out: string, list: string) => `
for _, h in ipairs(${list}) do
  ${out}[#${out} + 1] = h.id
  ${out}[#${out} + 1] = h.mode
  ${out}[#${out} + 1] = h.token
  ${out}[#${out} + 1] = h.acq
  ${out}[#${out} + 1] = format('%d', h.exp)
end
`;

/** When pruning changed the leases and the script writes nothing else: write them back, wake the queue. */
const AFTER_PRUNING = `
if pruned then
  ${holderList("list", "holders")}
  redis.call('HSET', state, 'holders', list)
  ${wake("holders")}
end
`;

/**
 * ARGV: holderId, mode (E|S), ttlMs, priority, wait (1|0), queueTtlMs, contended (1|0), waitedMs, instanceId.
 * Granted: the string "<token>|<mode>|<acquiredAt>|<expiresAt>|<reentrant 1|0>".
 * Refused: {nextExpiryInMs (-1: none), blocker count, blockers (5 fields each)…, waiters ahead (5 fields each)…}.
 */
const ACQUIRE = `${READ}${FAST_ACQUIRE}${PARSE}${META}
local id, mode, ttl = ARGV[1], ARGV[2], tonumber(ARGV[3])

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
    local exp = format('%d', h.exp)
    if now + ttl > h.exp then
      h.exp = now + ttl
      exp = format('%d', h.exp)
      h.entry = h.mode .. '|' .. h.token .. '|' .. h.acq .. '|' .. exp .. '|' .. format('%d', #id) .. '|' .. id
      ${holderList("list", "holders")}
      ${write("{ 'holders', list }", "holders", "false")}
      if pruned then ${wake("holders", "id")} end
    else
      ${AFTER_PRUNING}
    end
    return h.token .. '|' .. h.mode .. '|' .. h.acq .. '|' .. exp .. '|1'
  end
end

local blockers, nextExpiry = {}, nil
for _, h in ipairs(holders) do
  if mode == 'E' or h.mode == 'E' then
    blockers[#blockers + 1] = h
    if not nextExpiry or h.exp < nextExpiry then nextExpiry = h.exp end
  end
end

-- Waiters ahead: those before its own place, or, new in the queue, every
-- waiter of the same or a more urgent class.
local CLASS = 1099511627776
local mine, ahead = nil, 0
if #waiters > 0 then
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
end
local waitersBlock = false
if mode == 'E' then
  waitersBlock = ahead > 0
else
  for i = 1, ahead do
    if waiters[i].mode == 'E' then waitersBlock = true break end
  end
end

if #blockers == 0 and not waitersBlock then
  local token = mfence + 1
  local nowUs = sec * 1000000 + usec
  if nowUs > token then token = nowUs end
  local tok, acq, exp = format('%d', token), format('%d', now), format('%d', now + ttl)
  mfence, macq = token, macq + 1
  holders[#holders + 1] = { id = id, mode = mode, token = tok, acq = acq, exp = now + ttl,
    entry = mode .. '|' .. tok .. '|' .. acq .. '|' .. exp .. '|' .. format('%d', #id) .. '|' .. id }
  ${holderList("list", "holders")}
  local writes = { 'holders', list }
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
  ${write("writes", "holders", "true")}
  if pruned then ${wake("holders", "id")} end
  return tok .. '|' .. mode .. '|' .. acq .. '|' .. exp .. '|0'
end

local out = { nextExpiry and format('%d', nextExpiry - now) or -1, #blockers }
${pushHolders("out", "blockers")}
for i = 1, ahead do
  local w = waiters[i]
  out[#out + 1] = w.id
  out[#out + 1] = w.mode
  out[#out + 1] = w.pri
  out[#out + 1] = w.enq
  out[#out + 1] = w.inst
end

if ARGV[5] ~= '1' then
  ${AFTER_PRUNING}
  return out
end
local w, relaxed = waiters[mine or 0], false
if w then
  -- Asking again keeps the place; the latest request says what it waits for.
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
  ${holderList("list", "holders")}
  writes[3], writes[4] = 'holders', list
end
${write("writes", "holders", "false")}
if pruned or relaxed then ${wake("holders", "id")} end
return out
`;

/** ARGV: holderId, token. Returns 1 when released. */
const RELEASE = `${READ}${FAST_RELEASE}${PARSE}${META}
local id, token = ARGV[1], ARGV[2]
for i, h in ipairs(holders) do
  if h.id == id and h.token == token then
    table.remove(holders, i)
    ${released("{ h }")}
    ${holderList("list", "holders")}
    ${write("{ 'holders', list }", "holders", "true")}
    ${wake("holders")}
    return 1
  end
end
${AFTER_PRUNING}
return 0
`;

/** ARGV: holderId, token, ttlMs. Returns the new expiry (ms), or -1 when the lease is not live. */
const EXTEND = `${LOAD}${META}
local id, token = ARGV[1], ARGV[2]
for _, h in ipairs(holders) do
  if h.id == id and h.token == token then
    h.exp = now + tonumber(ARGV[3])
    h.entry = h.mode .. '|' .. h.token .. '|' .. h.acq .. '|' .. format('%d', h.exp) .. '|' .. format('%d', #id) .. '|' .. id
    ${holderList("list", "holders")}
    ${write("{ 'holders', list }", "holders", "false")}
    if pruned then ${wake("holders")} end
    return h.exp
  end
end
${AFTER_PRUNING}
return -1
`;

/** ARGV: holderId. Returns 1 when it left the queue. */
const CANCEL_WAIT = `${LOAD}
local id = ARGV[1]
local left = false
for i, w in ipairs(waiters) do
  if w.id == id then
    redis.call('HDEL', state, 'w:' .. id)
    table.remove(waiters, i)
    left = true
    break
  end
end
if pruned then
  ${holderList("list", "holders")}
  redis.call('HSET', state, 'holders', list)
end
if left or pruned then ${wake("holders")} end
return left and 1 or 0
`;

/** ARGV: '*' for every holder, else '=' followed by the holderId. Returns the removed leases, 5 fields each. */
const FORCE_RELEASE = `${LOAD}${META}
local all, id = ARGV[1] == '*', sub(ARGV[1], 2)
local kept, removed, out = {}, {}, {}
for _, h in ipairs(holders) do
  if all or h.id == id then removed[#removed + 1] = h else kept[#kept + 1] = h end
end
if #removed == 0 then
  ${AFTER_PRUNING}
  return out
end
${pushHolders("out", "removed")}
${released("removed")}
${holderList("list", "kept")}
${write("{ 'holders', list }", "kept", "true")}
${wake("kept")}
return out
`;

export const LOCK_SCRIPTS = {
  interlockLockAcquire: ACQUIRE,
  interlockLockRelease: RELEASE,
  interlockLockExtend: EXTEND,
  interlockLockCancelWait: CANCEL_WAIT,
  interlockLockForceRelease: FORCE_RELEASE,
} as const;

export type LockScriptName = keyof typeof LOCK_SCRIPTS;
