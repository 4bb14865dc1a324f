-- A page of live (non-retracted) items, newest first, older than a given item when one is given.
-- KEYS: 1 meta, 2 items, 3 item order, 4 live items
-- ARGV: 1 '1' when a 'before' item is given, 2 its id, 3 limit, 4 epoch to use if the feed has none,
--       5 lifetime (ms) of an epoch made by a read
-- Returns {'unknown'} (no such 'before' item) or {'ok', epoch, sequence, has older (0/1), item JSON...}.
local epoch, sequence = read_epoch(KEYS[1], ARGV[4], ARGV[5])

local newest = '+inf'
if ARGV[1] == '1' then
  -- Items are ordered by the sequence of their publication; retracted ones keep their place.
  local score = redis.call('ZSCORE', KEYS[3], ARGV[2])
  if not score then
    return {'unknown'}
  end
  newest = '(' .. score
end

local limit = tonumber(ARGV[3])
local ids = redis.call('ZREVRANGEBYSCORE', KEYS[4], newest, '-inf', 'LIMIT', 0, limit + 1)
local hasOlder = 0
if #ids > limit then
  hasOlder = 1
  table.remove(ids)
end

local result = {'ok', epoch, sequence, hasOlder}
append_items(result, KEYS[2], ids)
return result
