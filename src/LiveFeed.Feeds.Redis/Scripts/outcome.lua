-- Whether a write whose answer never came (a timeout, a lost connection) happened. Redis runs one
-- connection's commands in order, so when this runs, that write has run or never will.
-- KEYS: 1 meta, 2 events, 3 items, 4 item order
-- ARGV: 1 item id, 2 event kind, 3 the item JSON the write stored
-- Returns {'ok', epoch, sequence}, {'kept', epoch} (it happened; its event is no longer kept) or {'none'}.
local epoch = redis.call('HGET', KEYS[1], 'epoch')
if not epoch then
  return {'none'}
end

if ARGV[2] == 'published' then
  -- A published item's score in the item order is its event's sequence.
  local sequence = redis.call('ZSCORE', KEYS[4], ARGV[1])
  if sequence then
    return {'ok', epoch, tonumber(sequence)}
  end
  return {'none'}
end

-- A correction or retraction: its event carries the new item JSON, which holds the change's time to
-- the millisecond. Newest first, in batches, over the latest 10,000 events at most.
local suffix = '|' .. ARGV[2] .. '|' .. ARGV[3]
local index = redis.call('LLEN', KEYS[2]) - 1
local oldest = math.max(index - 9999, 0)
while index >= oldest do
  local first = math.max(index - 99, oldest)
  local batch = redis.call('LRANGE', KEYS[2], first, index)
  for j = #batch, 1, -1 do
    local entry = batch[j]
    if #entry > #suffix and string.sub(entry, -#suffix) == suffix then
      return {'ok', epoch, tonumber(string.sub(entry, 1, string.find(entry, '|', 1, true) - 1))}
    end
  end
  index = first - 1
end

if redis.call('HGET', KEYS[3], ARGV[1]) == ARGV[3] then
  return {'kept', epoch}
end
return {'none'}
