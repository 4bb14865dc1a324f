-- Claims due items for one instance, for one lease: the ones whose lease ran out (their claimer died or stalled)
-- and the waiting ones whose time has come, soonest first. Redis runs one script at a time, so of instances claiming
-- at once each item goes to one. A claimed item stays (scored in the leases by the end of its lease) until
-- schedule-complete.lua removes it after it is published.
-- KEYS: 1 items, 2 due, 3 leases
-- ARGV: 1 now (ms), 2 lease (ms), 3 most items to claim
-- Returns {next due or lease end (ms) or '', item JSON...}.
local now = tonumber(ARGV[1])
local leaseEnd = string.format('%.0f', now + tonumber(ARGV[2]))
local max = tonumber(ARGV[3])
local claimed = {''}

local function claim(id)
  local json = redis.call('HGET', KEYS[1], id)
  redis.call('ZREM', KEYS[2], id)
  if json then
    redis.call('ZADD', KEYS[3], leaseEnd, id)
    claimed[#claimed + 1] = json
  else
    redis.call('ZREM', KEYS[3], id)
  end
end

for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', ARGV[1], 'LIMIT', 0, max)) do
  claim(id)
end
if #claimed - 1 < max then
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[1], 'LIMIT', 0, max - (#claimed - 1))) do
    claim(id)
  end
end

local nextDue = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')[2]
local nextLease = redis.call('ZRANGE', KEYS[3], 0, 0, 'WITHSCORES')[2]
if nextDue and (not nextLease or tonumber(nextDue) < tonumber(nextLease)) then
  claimed[1] = nextDue
elseif nextLease then
  claimed[1] = nextLease
end
return claimed
