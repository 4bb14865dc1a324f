-- A feed's waiting items (claimed ones are going out, and left out), soonest first.
-- KEYS: 1 items, 2 leases, 3 the feed's scheduled ids
-- Returns the items' JSON.
local listed = {}
for _, id in ipairs(redis.call('ZRANGE', KEYS[3], 0, -1)) do
  if not redis.call('ZSCORE', KEYS[2], id) then
    local json = redis.call('HGET', KEYS[1], id)
    if json then
      listed[#listed + 1] = json
    end
  end
end
return listed
