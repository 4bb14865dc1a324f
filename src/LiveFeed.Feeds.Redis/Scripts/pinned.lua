-- The feed's pinned item and the position it was read at, in one step.
-- KEYS: 1 meta, 2 items
-- ARGV: 1 epoch to use if the feed has none, 2 lifetime (ms) of an epoch made by a read
-- Returns {epoch, sequence, pinned item JSON or ''}.
local epoch, sequence = read_epoch(KEYS[1], ARGV[1], ARGV[2])
local pinned = redis.call('HGET', KEYS[1], 'pinned') or ''
local json = ''
if pinned ~= '' then
  json = redis.call('HGET', KEYS[2], pinned) or ''
end
return {epoch, sequence, json}
