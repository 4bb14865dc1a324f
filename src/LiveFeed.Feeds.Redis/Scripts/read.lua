-- What a reader at a position needs: the events after it, or a reset page, read in one step.
-- KEYS: 1 meta, 2 events, 3 items, 4 live items
-- ARGV: 1 '1' when a position is given, 2 its epoch, 3 its sequence, 4 max events, 5 snapshot size,
--       6 epoch to use if the feed has none, 7 lifetime (ms) of an epoch made by a read
-- Returns {'events', epoch, sequence, event entries...} or {'reset', epoch, sequence, item JSON...}.
local epoch, sequence = read_epoch(KEYS[1], ARGV[6], ARGV[7])

-- The same rule as ResumeRule.CanResume: same epoch, not ahead, every later event still kept.
local oldest = sequence - redis.call('LLEN', KEYS[2]) + 1
if ARGV[1] == '1' then
  local after = tonumber(ARGV[3])
  if ARGV[2] == epoch and after >= 0 and after <= sequence and after >= oldest - 1 then
    local result = {'events', epoch, sequence}
    local count = math.min(tonumber(ARGV[4]), sequence - after)
    if count > 0 then
      local start = after + 1 - oldest
      local entries = redis.call('LRANGE', KEYS[2], start, start + count - 1)
      for i = 1, #entries do
        result[#result + 1] = entries[i]
      end
    end
    return result
  end
end

local result = {'reset', epoch, sequence}
local ids = redis.call('ZREVRANGE', KEYS[4], 0, tonumber(ARGV[5]) - 1)
if #ids > 0 then
  local items = redis.call('HMGET', KEYS[3], unpack(ids))
  for i = 1, #ids do
    if items[i] then
      result[#result + 1] = items[i]
    end
  end
end
return result
