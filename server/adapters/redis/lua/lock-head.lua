-- lock-head.lua: the start of every lock script (lock-scripts.ts puts the
-- files together). It reads the lock, KEYS[1], once: the Redis time and the
-- whole hash, `<prefix>{<SCOPE>:<resource>}:state`:
--
--   holders     every live lease, concatenated:
--               "<E|S>|<token>|<acquiredAt>|<expiresAt>|<byte length of id>|<id>"
--   w:<holder>  one waiter: "<E|S>|<priority>|<enqueuedAt>|<deadline>|<score>|<instanceId>"
--   meta        struct.pack('>Bdddddd', 1, key expiry, last token, acquisitions,
--               releases, total hold ms, max hold ms): 49 bytes
--   contention  "<grants that waited>|<total wait ms>|<max wait ms>"
--
-- Times are ms since the epoch on the Redis clock. Numbers stay below 2^53, so
-- Lua's doubles hold them exactly; they are written with %d, because tostring
-- would switch to exponents. This file defines no function: the uncontended
-- paths (acquire-uncontended.lua, release-uncontended.lua) run right after it,
-- and creating a function costs about 0.1 µs on every run of a script.

local tonumber, format, match, sub, find, byte = tonumber, string.format, string.match, string.sub, string.find, string.byte

-- The key lives until its last lease or queue place ends plus STATE_MARGIN_MS,
-- and at least STATS_TTL_MS after the last grant or release (it keeps the
-- statistics and the last token); PEXPIRE runs only when the expiry must move,
-- that is when less than STATS_REFRESH_MS is left (about once a day for a busy lock).
local STATE_MARGIN_MS = 600000 -- 10 minutes
local STATS_TTL_MS = 604800000 -- 7 days
local STATS_REFRESH_MS = 518400000 -- 6 days
local META_FORMAT, META_VERSION, META_LENGTH = '>Bdddddd', 1, 49
-- Queue order: score = priority * CLASS + arrival within the class (priority <= 4095).
local CLASS = 1099511627776 -- 2^40

local state = KEYS[1]
local t = redis.call('TIME')
local raw = redis.call('HGETALL', state)
local sec, usec = tonumber(t[1]), tonumber(t[2])
local now = sec * 1000 + (usec - usec % 1000) / 1000

-- The raw meta and contention fields, and meta's numbers (all 0 when meta is
-- missing): mx key expiry, mfence last token, macq acquisitions, mrel
-- releases, mtotal and mmax hold ms (read_meta() in lock-state.lua fills them).
local meta, contention = nil, nil
local mx, mfence, macq, mrel, mtotal, mmax = 0, 0, 0, 0, 0, 0
