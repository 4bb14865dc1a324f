-- Replaces an item (a correction or a retraction) and appends its event, as one atomic step for
-- the feed, if the item is still exactly what the caller read (compare-and-set).
-- KEYS: 1 meta, 2 events, 3 items, 4 live items
-- ARGV: 1 item id, 2 item JSON the caller read, 3 new item JSON, 4 event kind, 5 event retention,
--       6 '1' when the item leaves the live items (a retraction)
-- Returns {'notfound'}, {'changed'} (someone else changed it first: read again) or {'ok', epoch, sequence}.
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

return {'ok', epoch, sequence}
