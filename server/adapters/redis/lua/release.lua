-- release.lua (after lock-head.lua, release-uncontended.lua and
-- lock-state.lua): end a lease.
-- ARGV: holderId, token. Returns 1 when released, 0 when there was no such live lease.
local id, token = ARGV[1], ARGV[2]

load()
for i, h in ipairs(holders) do
  if h.id == id and h.token == token then
    table.remove(holders, i)
    count_released({ h })
    save({ 'holders', holder_list(holders) }, holders, true)
    wake(holders, nil)
    return 1
  end
end
settle_pruned()
return 0
