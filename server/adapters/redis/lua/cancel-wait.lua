-- cancel-wait.lua (after lock-head.lua and lock-state.lua): leave the queue.
-- ARGV: holderId. Returns 1 when it left the queue, 0 when it had no place.
local id = ARGV[1]
load()
local left = false
for i, w in ipairs(waiters) do
  if w.id == id then
    redis.call('HDEL', state, 'w:' .. id)
    table.remove(waiters, i)
    left = true
    break
  end
end
if pruned then redis.call('HSET', state, 'holders', holder_list(holders)) end
-- A departure may let those behind it in.
if left or pruned then wake(holders, nil) end
return left and 1 or 0
