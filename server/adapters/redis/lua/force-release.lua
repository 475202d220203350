-- force-release.lua (after lock-head.lua and lock-state.lua): take leases away from their
-- holders (an operator, or Interlock itself), announcing each on
-- <prefix>revoked so its holder, in whichever process, stops at once. The
-- notice is sent inside the script, so no removal goes unannounced by a store
-- that answered (docs/locks.md).
-- ARGV: '*' for every holder, else '=' followed by the holderId; the reason
-- (empty: none). Returns the removed leases, 5 fields each (id, mode, token,
-- acquiredAt, expiresAt).
local all, id = ARGV[1] == '*', sub(ARGV[1], 2)
local reason = ARGV[2]
if reason == '' then reason = nil end
load()
local kept, removed, out = {}, {}, {}
for _, h in ipairs(holders) do
  if all or h.id == id then removed[#removed + 1] = h else kept[#kept + 1] = h end
end
if #removed == 0 then
  settle_pruned()
  return out
end
push_holders(out, removed)
count_released(removed)
save({ 'holders', holder_list(kept) }, kept, true)
wake(kept, nil)
local prefix, scope, resource = lock_name()
for _, h in ipairs(removed) do
  redis.call('PUBLISH', prefix .. 'revoked', cjson.encode({ scope = scope, resource = resource, holderId = h.id, token = h.token, reason = reason }))
end
return out
