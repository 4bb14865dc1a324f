-- Removes a claimed item once it is published. A second completion (a claimer whose lease ran out completing after
-- the instance that claimed it again) finds nothing and does nothing.
-- KEYS: 1 items, 2 due, 3 leases, 4 the feed's scheduled ids
-- ARGV: 1 id
if redis.call('ZREM', KEYS[3], ARGV[1]) == 1 then
  redis.call('ZREM', KEYS[2], ARGV[1])
  redis.call('ZREM', KEYS[4], ARGV[1])
  redis.call('HDEL', KEYS[1], ARGV[1])
end
return 1
