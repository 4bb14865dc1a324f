-- What answers several readers of a feed at once, read in one step (RedisFeedStore.ReadPagesAsync builds
-- each reader's page from it with FeedTail.PageFor): the epoch, the latest and oldest kept sequences, the events
-- the furthest-back reader that can resume needs, and the latest items when some reader needs a reset.
-- KEYS: 1 meta, 2 events, 3 items, 4 live items
-- ARGV: 1 snapshot size, 2 epoch to use if the feed has none, 3 lifetime (ms) of an epoch made by a read,
--       4 '1' when some reader has no position; then per epoch the readers' positions are in: the epoch,
--       the furthest sequence any of them may read to, a count n, and n distinct sequences in ascending order
-- Returns {epoch, sequence, oldest kept, from, n events, '1' when items follow, n event entries..., item JSON...}.
local epoch, sequence = read_epoch(KEYS[1], ARGV[2], ARGV[3])
local oldest = sequence - redis.call('LLEN', KEYS[2]) + 1

local reset = ARGV[4] == '1'
local from, to
local i = 5
while i <= #ARGV do
  local current = ARGV[i] == epoch
  local count = tonumber(ARGV[i + 2])
  for j = i + 3, i + 2 + count do
    local after = tonumber(ARGV[j])
    -- The same rule as ResumeRule.CanResume: same epoch, not ahead, every later event still kept.
    if current and after >= oldest - 1 and after <= sequence then
      from = from or after
    else
      reset = true
    end
  end
  if current and from then
    to = math.min(sequence, tonumber(ARGV[i + 1]))
  end
  i = i + 3 + count
end

local entries = {}
if from and to > from then
  entries = redis.call('LRANGE', KEYS[2], from + 1 - oldest, to - oldest)
end

local result = {epoch, sequence, oldest, from or sequence, #entries, reset and '1' or '0'}
for k = 1, #entries do
  result[#result + 1] = entries[k]
end

if reset then
  append_items(result, KEYS[3], redis.call('ZREVRANGE', KEYS[4], 0, tonumber(ARGV[1]) - 1))
end
return result
