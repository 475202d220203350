-- lock-state.lua: the helpers the lock scripts share, after lock-head.lua
-- (and the uncontended path, if the script has one).

local function read_meta()
  if meta and #meta == META_LENGTH and byte(meta, 1) == META_VERSION then
    local _
    _, mx, mfence, macq, mrel, mtotal, mmax = struct.unpack(META_FORMAT, meta)
  end
end

-- The live leases (id, mode, token, acq, exp, entry: the text in `holders`)
-- and the live waiters in queue order (id, mode, pri, enq, dl, score, inst),
-- filled by load(). `pruned`: load() left out an expired lease or deleted an
-- expired waiter, so the script must write `holders` back and wake the queue.
local holders, waiters, pruned = {}, {}, false

local function by_score(a, b) return a.score < b.score end

local function load()
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
    elseif byte(f) == 119 then -- 'w': a waiter, w:<holder>
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
  if #waiters > 1 then table.sort(waiters, by_score) end
  read_meta()
end

-- One lease as it is kept in `holders`.
local function lease_entry(id, mode, token, acq, exp)
  return mode .. '|' .. token .. '|' .. acq .. '|' .. exp .. '|' .. format('%d', #id) .. '|' .. id
end

-- The `holders` field for the leases in `list`.
local function holder_list(list)
  if #list == 1 then return list[1].entry end
  local entries = {}
  for i, h in ipairs(list) do entries[i] = h.entry end
  return table.concat(entries)
end

-- HSETs `writes` (field, value, ...), and meta when `changed` (the
-- statistics changed) or when the key's expiry must move: never before a
-- lease of `live` or a queue place ends, and, when `changed`, no sooner than
-- 6 days from now.
local function save(writes, live, changed)
  local last = now
  for _, h in ipairs(live) do if h.exp > last then last = h.exp end end
  for _, w in ipairs(waiters) do if w.dl > last then last = w.dl end end
  local target = nil
  if mx < last + STATE_MARGIN_MS or (changed and mx < now + STATS_REFRESH_MS) then
    target = math.max(last + STATE_MARGIN_MS, now + STATS_TTL_MS)
    mx, changed = target, true
  end
  if changed then
    writes[#writes + 1] = 'meta'
    writes[#writes + 1] = struct.pack(META_FORMAT, META_VERSION, mx, mfence, macq, mrel, mtotal, mmax)
  end
  redis.call('HSET', state, unpack(writes))
  if target then redis.call('PEXPIRE', state, target - now) end
end

-- Counts the leases in `ended` into the release statistics.
local function count_released(ended)
  for _, h in ipairs(ended) do
    local held = math.max(0, now - tonumber(h.acq))
    mrel, mtotal = mrel + 1, mtotal + held
    if held > mmax then mmax = held end
  end
end

-- The key names the lock: <prefix>{<SCOPE>:<resource, with % { } percent-encoded>}:state.
-- Returns the prefix, the scope and the resource.
local function lock_name()
  local open = find(state, '{', 1, true)
  local scope, encoded = match(state, '^([^:}]*):([^}]*)}', open + 1)
  local resource = string.gsub(encoded, '%%(%x%x)', function(hex) return string.char(tonumber(hex, 16)) end)
  return sub(state, 1, open - 1), scope, resource
end

-- Publishes on <prefix>wake:<instance>, per instance, the queued waiters the
-- grant rule admits once `live` holds the lock: none past an EXCLUSIVE holder;
-- from the head, SHARED waiters while the run lasts, or one EXCLUSIVE waiter
-- when nobody holds the lock. `except` (an id or nil) knows its answer already.
local function wake(live, except)
  if #waiters == 0 then return end
  for _, h in ipairs(live) do if h.mode == 'E' then return end end
  local byInstance, instances = {}, {}
  for i, w in ipairs(waiters) do
    if w.mode == 'E' and (i > 1 or #live > 0) then break end
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
  if #instances == 0 then return end
  local prefix, scope, resource = lock_name()
  for _, inst in ipairs(instances) do
    redis.call('PUBLISH', prefix .. 'wake:' .. inst, cjson.encode({ scope = scope, resource = resource, holderIds = byInstance[inst] }))
  end
end

-- For a script that changes nothing else: when load() pruned, write the live
-- leases back and wake the queue.
local function settle_pruned()
  if pruned then
    redis.call('HSET', state, 'holders', holder_list(holders))
    wake(holders, nil)
  end
end

-- Appends the leases in `list` to the reply `out`, 5 fields each.
local function push_holders(out, list)
  for _, h in ipairs(list) do
    out[#out + 1] = h.id
    out[#out + 1] = h.mode
    out[#out + 1] = h.token
    out[#out + 1] = h.acq
    out[#out + 1] = format('%d', h.exp)
  end
end
