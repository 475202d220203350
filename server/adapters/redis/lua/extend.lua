-- extend.lua (after lock-head.lua and lock-state.lua): renew a live lease.
-- ARGV: holderId, token, ttlMs. Returns the new expiry (ms), or -1 when the
-- lease is not live (expired, released, or another holder's or token).
local id, token = ARGV[1], ARGV[2]
load()
for _, h in ipairs(holders) do
  if h.id == id and h.token == token then
    h.exp = now + tonumber(ARGV[3])
    h.entry = lease_entry(id, h.mode, h.token, h.acq, format('%d', h.exp))
    save({ 'holders', holder_list(holders) }, holders, false)
    if pruned then wake(holders, nil) end
    return h.exp
  end
end
settle_pruned()
return -1
