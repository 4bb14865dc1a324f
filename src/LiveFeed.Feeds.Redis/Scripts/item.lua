-- What a write is made from, read in one step: the item and its version, and the feed's pinned item.
-- KEYS: 1 meta, 2 items, 3 versions, 4 item order
-- ARGV: 1 item id ('' for a publication)
-- Returns {epoch, item JSON, version, pinned id, pinned item JSON, its version}, '' and 0 for what is not there.
local epoch = redis.call('HGET', KEYS[1], 'epoch') or ''
local json = ''
local version = 0
if ARGV[1] ~= '' then
  json = redis.call('HGET', KEYS[2], ARGV[1]) or ''
  if json ~= '' then
    version = version_of(KEYS[3], KEYS[4], ARGV[1])
  end
end

local pinned = redis.call('HGET', KEYS[1], 'pinned') or ''
local pinned_json = ''
local pinned_version = 0
if pinned ~= '' then
  pinned_json = redis.call('HGET', KEYS[2], pinned) or ''
  if pinned_json ~= '' then
    pinned_version = version_of(KEYS[3], KEYS[4], pinned)
  end
end
return {epoch, json, version, pinned, pinned_json, pinned_version}
