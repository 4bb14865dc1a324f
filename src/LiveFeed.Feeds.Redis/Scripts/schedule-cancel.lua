-- Cancels a waiting item. Atomic against schedule-claim.lua: a cancel that answers 1 ran while the item was waiting,
-- and removed it from the due set that every claim reads, so no claim can ever get it; an item claimed first is
-- going out and is not cancelled (0).
-- KEYS: 1 items, 2 due, 3 leases, 4 the feed's scheduled ids
-- ARGV: 1 id
if not redis.call('ZSCORE', KEYS[4], ARGV[1]) or redis.call('ZSCORE', KEYS[3], ARGV[1]) then
  return 0
end
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[4], ARGV[1])
redis.call('HDEL', KEYS[1], ARGV[1])
return 1
