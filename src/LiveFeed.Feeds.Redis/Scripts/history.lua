-- The kept events of one item, oldest first.
-- KEYS: 1 meta, 2 events, 3 items, 4 item order
-- ARGV: 1 item id
-- Returns {'unknown'} when the item is not kept, else {'ok', epoch, event entries...}.
local epoch = redis.call('HGET', KEYS[1], 'epoch')
if not epoch or redis.call('HEXISTS', KEYS[3], ARGV[1]) == 0 then
  return {'unknown'}
end

-- The events list holds the latest sequences without a gap, so an item's events start no earlier than the
-- event that published it (its score in the item order).
local latest = tonumber(redis.call('HGET', KEYS[1], 'seq') or 0)
local first = latest - redis.call('LLEN', KEYS[2]) + 1
local published = tonumber(redis.call('ZSCORE', KEYS[4], ARGV[1]) or first)
local entries = redis.call('LRANGE', KEYS[2], math.max(0, published - first), -1)

-- An entry is 'sequence|kind|item JSON', and an item's JSON starts with its id (ids need no escaping).
local needle = '{"id":"' .. ARGV[1] .. '"'
local result = {'ok', epoch}
for i = 1, #entries do
  local entry = entries[i]
  local kind_end = string.find(entry, '|', string.find(entry, '|', 1, true) + 1, true)
  if string.sub(entry, kind_end + 1, kind_end + #needle) == needle then
    result[#result + 1] = entry
  end
end
return result
