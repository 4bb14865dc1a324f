-- The feed's pinned item and its newest key events, and the position they were read at, in one step.
-- KEYS: 1 meta, 2 items, 3 live items, 4 key events
-- ARGV: 1 epoch to use if the feed has none, 2 lifetime (ms) of an epoch made by a read, 3 most key events
-- Returns {epoch, sequence, pinned item JSON or '', key event JSON...} (key events newest first).
local epoch, sequence = read_epoch(KEYS[1], ARGV[1], ARGV[2])
local pinned = redis.call('HGET', KEYS[1], 'pinned') or ''
local json = ''
if pinned ~= '' then
  json = redis.call('HGET', KEYS[2], pinned) or ''
end

if redis.call('HEXISTS', KEYS[1], 'keyevents') == 0 then
  -- A feed written before the key events had their own set: built once from the live items. The store writes items
  -- with System.Text.Json, which escapes every quote inside a string, so '"keyEvent":true' can only be the field.
  local start = 0
  while true do
    local ids = redis.call('ZRANGE', KEYS[3], start, start + 199, 'WITHSCORES')
    if #ids == 0 then
      break
    end

    for i = 1, #ids, 2 do
      local item = redis.call('HGET', KEYS[2], ids[i])
      if item and string.find(item, '"keyEvent":true', 1, true) then
        redis.call('ZADD', KEYS[4], ids[i + 1], ids[i])
      end
    end

    start = start + 200
  end

  redis.call('HSET', KEYS[1], 'keyevents', '1')
end

local result = {epoch, sequence, json}
append_items(result, KEYS[2], redis.call('ZREVRANGE', KEYS[4], 0, tonumber(ARGV[3]) - 1))
return result
