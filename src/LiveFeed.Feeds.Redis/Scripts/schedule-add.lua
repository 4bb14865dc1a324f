-- Schedules one item: the idempotency check and the item's three entries, as one atomic step.
-- Every schedule key shares the hash tag {schedule} (RedisFeedKeys), so this also runs on Redis Cluster.
-- KEYS: 1 items, 2 due, 3 the feed's scheduled ids, 4 idempotency key
-- ARGV: 1 id, 2 item JSON, 3 publishAt (ms), 4 now (ms), 5 idempotency window (ms), 6 '1' when a key was given
-- Returns {'replay', item JSON} or {'ok'}.
if ARGV[6] == '1' then
  local seen = redis.call('GET', KEYS[4])
  if seen then
    -- "<expires ms>|<id>|<item JSON as first stored>"
    local first = string.find(seen, '|', 1, true)
    local second = string.find(seen, '|', first + 1, true)
    if tonumber(string.sub(seen, 1, first - 1)) > tonumber(ARGV[4]) then
      local id = string.sub(seen, first + 1, second - 1)
      return {'replay', redis.call('HGET', KEYS[1], id) or string.sub(seen, second + 1)}
    end
  end
  redis.call('SET', KEYS[4], string.format('%.0f', tonumber(ARGV[4]) + tonumber(ARGV[5])) .. '|' .. ARGV[1] .. '|' .. ARGV[2],
    'PX', ARGV[5])
end

redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[1])
return {'ok'}
