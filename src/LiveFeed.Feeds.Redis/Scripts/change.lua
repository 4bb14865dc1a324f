-- Replaces an item (a correction or a retraction) and appends its event, as one atomic step for
-- the feed, if the item is still at the version the caller read (compare-and-set): a caller's If-Match
-- was checked against that version, so the check and the write are one step.
-- KEYS: 1 meta, 2 events, 3 items, 4 live items, 5 this write's mark, 6 versions, 7 item order, 8 key events
-- ARGV: 1 item id, 2 the version the caller read, 3 new item JSON, 4 event kind, 5 event retention,
--       6 '1' when the item leaves the live items (a retraction), 7 how long the mark is kept (ms),
--       8 '1' when the new item is pinned, 9 the pinned item's id as the caller read it ('' for none),
--       10 that item unpinned ('' when none is to be unpinned), 11 its version as read,
--       12 '1' when the new item is a key event (never for a retraction)
-- A write that pins its item unpins the pinned one first, with its own event (sequence - 1).
-- Returns {'notfound'}, {'changed'} (someone else changed it first: read again), {'ok', epoch, sequence},
-- or {'fenced'} when outcome.lua has already answered for this write that it did not happen.
if redis.call('EXISTS', KEYS[5]) == 1 then
  return {'fenced'}
end

local epoch = redis.call('HGET', KEYS[1], 'epoch')
if not epoch or redis.call('HEXISTS', KEYS[3], ARGV[1]) == 0 then
  return {'notfound'}
end
if version_of(KEYS[6], KEYS[7], ARGV[1]) ~= tonumber(ARGV[2]) then
  return {'changed'}
end
if ARGV[8] == '1' and not pin_unchanged(KEYS[1], KEYS[6], KEYS[7], ARGV[9], ARGV[10], ARGV[11]) then
  return {'changed'}
end

local retention = tonumber(ARGV[5])
if ARGV[8] == '1' then
  unpin_before(KEYS[1], KEYS[2], KEYS[3], KEYS[6], retention, ARGV[9], ARGV[10])
end
local sequence = append_event(KEYS[1], KEYS[2], KEYS[3], KEYS[6], retention, ARGV[1], ARGV[4], ARGV[3])
point_pin(KEYS[1], ARGV[1], ARGV[8])
if ARGV[6] == '1' then
  redis.call('ZREM', KEYS[4], ARGV[1])
end
if ARGV[12] == '1' then
  -- In the item's place in the feed: scored by the sequence that published it.
  redis.call('ZADD', KEYS[8], redis.call('ZSCORE', KEYS[7], ARGV[1]), ARGV[1])
else
  redis.call('ZREM', KEYS[8], ARGV[1])
end

-- What outcome.lua reads if this write's answer does not arrive.
redis.call('SET', KEYS[5], sequence, 'PX', ARGV[7])
return {'ok', epoch, sequence}
