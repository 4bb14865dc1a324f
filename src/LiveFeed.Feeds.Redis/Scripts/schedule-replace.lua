-- Replaces a waiting item, compare-and-set: only while it is waiting (not claimed, not cancelled, not published) and
-- still what the caller read. Atomic against schedule-claim.lua: an item claimed first is not changed.
-- KEYS: 1 items, 2 due, 3 leases, 4 the feed's scheduled ids
-- ARGV: 1 id, 2 the JSON the caller read, 3 the new JSON, 4 the new publishAt (ms)
-- Returns 'ok', 'none' (not waiting) or 'changed' (changed since read: read again).
if not redis.call('ZSCORE', KEYS[4], ARGV[1]) or redis.call('ZSCORE', KEYS[3], ARGV[1]) then
  return 'none'
end
if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then
  return 'changed'
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[1])
redis.call('ZADD', KEYS[4], ARGV[4], ARGV[1])
return 'ok'
