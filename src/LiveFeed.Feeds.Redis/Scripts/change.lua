-- Replaces an item (a correction or a retraction) and appends its event, as one atomic step for
-- the feed, if the item is still exactly what the caller read (compare-and-set).
-- KEYS: 1 meta, 2 events, 3 items, 4 live items, 5 this write's mark
-- ARGV: 1 item id, 2 item JSON the caller read, 3 new item JSON, 4 event kind, 5 event retention,
--       6 '1' when the item leaves the live items (a retraction), 7 how long the mark is kept (ms)
-- Returns {'notfound'}, {'changed'} (someone else changed it first: read again), {'ok', epoch, sequence},
-- or {'fenced'} when outcome.lua has already answered for this write that it did not happen.
if redis.call('EXISTS', KEYS[5]) == 1 then
  return {'fenced'}
end

local current = redis.call('HGET', KEYS[3], ARGV[1])
local epoch = redis.call('HGET', KEYS[1], 'epoch')
if not current or not epoch then
  return {'notfound'}
end
if current ~= ARGV[2] then
  return {'changed'}
end

local sequence = redis.call('HINCRBY', KEYS[1], 'seq', 1)
redis.call('RPUSH', KEYS[2], sequence .. '|' .. ARGV[4] .. '|' .. ARGV[3])
local eventRetention = tonumber(ARGV[5])
if redis.call('LLEN', KEYS[2]) > eventRetention then
  redis.call('LTRIM', KEYS[2], -eventRetention, -1)
end

redis.call('HSET', KEYS[3], ARGV[1], ARGV[3])
if ARGV[6] == '1' then
  redis.call('ZREM', KEYS[4], ARGV[1])
end

-- What outcome.lua reads if this write's answer does not arrive.
redis.call('SET', KEYS[5], sequence, 'PX', ARGV[7])
return {'ok', epoch, sequence}
