-- Publishes one item: the idempotency check, the epoch, the next sequence, the append and the
-- trim to retention, as one atomic step for the feed (every key shares the feed's hash tag).
-- KEYS: 1 meta, 2 events, 3 items, 4 item order, 5 live items, 6 idempotency key, 7 this write's mark, 8 versions,
--       9 key events
-- ARGV: 1 item id, 2 item JSON, 3 event retention, 4 item retention, 5 epoch to use if the feed has none,
--       6 now (ms), 7 idempotency window (ms), 8 '1' when an idempotency key was given,
--       9 '1' when the item is pinned, 10 the pinned item's id as the caller read it ('' for none),
--       11 that item unpinned ('' when none is to be unpinned), 12 its version as read,
--       13 '1' when the item is a key event
-- A pinned item unpins the pinned one first, with its own event (sequence - 1); {'changed'} when the pinned item is
-- no longer what the caller read (read again).
-- Returns {'replay', current item JSON, its version (0 when no longer kept), epoch}, {'ok', epoch, sequence},
-- or {'fenced'} when outcome.lua has already answered for this write that it did not happen.
if redis.call('EXISTS', KEYS[7]) == 1 then
  return {'fenced'}
end

local now = tonumber(ARGV[6])
local window = tonumber(ARGV[7])

if ARGV[8] == '1' then
  local seen = redis.call('GET', KEYS[6])
  if seen then
    -- "<expires ms>|<item id>|<item JSON as first stored>"
    local first = string.find(seen, '|', 1, true)
    local second = string.find(seen, '|', first + 1, true)
    -- The expiry is checked against the caller's clock; the key's TTL only cleans up.
    if tonumber(string.sub(seen, 1, first - 1)) > now then
      local id = string.sub(seen, first + 1, second - 1)
      local current = redis.call('HGET', KEYS[3], id)
      if current then
        return {'replay', current, version_of(KEYS[8], KEYS[4], id), redis.call('HGET', KEYS[1], 'epoch') or ''}
      end
      return {'replay', string.sub(seen, second + 1), 0, ''}
    end
  end
end

if ARGV[9] == '1' and not pin_unchanged(KEYS[1], KEYS[8], KEYS[4], ARGV[10], ARGV[11], ARGV[12]) then
  return {'changed'}
end

local epoch = redis.call('HGET', KEYS[1], 'epoch')
if not epoch then
  epoch = ARGV[5]
  redis.call('HSET', KEYS[1], 'epoch', epoch)
end
-- An epoch made by a read expires unless the feed gets an event: this is that event.
redis.call('PERSIST', KEYS[1])

local retention = tonumber(ARGV[3])
if ARGV[9] == '1' then
  unpin_before(KEYS[1], KEYS[2], KEYS[3], KEYS[8], retention, ARGV[10], ARGV[11])
end
local sequence = append_event(KEYS[1], KEYS[2], KEYS[3], KEYS[8], retention, ARGV[1], 'published', ARGV[2])
point_pin(KEYS[1], ARGV[1], ARGV[9])
redis.call('ZADD', KEYS[4], sequence, ARGV[1])
redis.call('ZADD', KEYS[5], sequence, ARGV[1])
if ARGV[13] == '1' then
  redis.call('ZADD', KEYS[9], sequence, ARGV[1])
end
local excess = redis.call('ZCARD', KEYS[4]) - tonumber(ARGV[4])
while excess > 0 do
  -- In batches: unpack() of a very long list would overflow Lua's stack.
  local batch = math.min(excess, 1000)
  local dropped = redis.call('ZRANGE', KEYS[4], 0, batch - 1)
  redis.call('ZREMRANGEBYRANK', KEYS[4], 0, batch - 1)
  redis.call('HDEL', KEYS[3], unpack(dropped))
  redis.call('HDEL', KEYS[8], unpack(dropped))
  local pinned = redis.call('HGET', KEYS[1], 'pinned')
  for i = 1, #dropped do
    if dropped[i] == pinned then
      redis.call('HDEL', KEYS[1], 'pinned')
    end
  end
  redis.call('ZREM', KEYS[5], unpack(dropped))
  redis.call('ZREM', KEYS[9], unpack(dropped))
  excess = excess - batch
end

if ARGV[8] == '1' then
  redis.call('SET', KEYS[6], (now + window) .. '|' .. ARGV[1] .. '|' .. ARGV[2], 'PX', window)
end

return {'ok', epoch, sequence}
