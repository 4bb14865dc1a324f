-- Prepended to the scripts that write or read for a write (publish.lua, change.lua, item.lua).

-- An item's version: the sequence of its latest event. An item stored before versions were kept has none until
-- its next event; the sequence that published it stands in (that next event changes it as well).
local function version_of(versions_key, order_key, id)
  return tonumber(redis.call('HGET', versions_key, id) or redis.call('ZSCORE', order_key, id) or 0)
end

-- Appends an event with the next sequence, trims the events to retention, and stores the item as it stands
-- after it, with that sequence as its version. Returns the sequence.
local function append_event(meta_key, events_key, items_key, versions_key, retention, id, kind, json)
  local sequence = redis.call('HINCRBY', meta_key, 'seq', 1)
  redis.call('RPUSH', events_key, sequence .. '|' .. kind .. '|' .. json)
  if redis.call('LLEN', events_key) > retention then
    redis.call('LTRIM', events_key, -retention, -1)
  end
  redis.call('HSET', items_key, id, json)
  redis.call('HSET', versions_key, id, sequence)
  return sequence
end

-- Pins: the meta hash's 'pinned' field names the feed's pinned item. A write that pins its item checks that the
-- pinned item is still the one the caller read (the field, and that item's version), so that the caller's unpinning
-- of it is made on what it is now; two writes pinning two items at once cannot both pass.
local function pin_unchanged(meta_key, versions_key, order_key, expected_pinned, unpin_json, unpin_version)
  if (redis.call('HGET', meta_key, 'pinned') or '') ~= expected_pinned then
    return false
  end
  return unpin_json == '' or version_of(versions_key, order_key, expected_pinned) == tonumber(unpin_version)
end

-- Unpins the pinned item the caller read (unpin_json is it unpinned, '' when there is none to unpin), with its own
-- 'corrected' event, then points the pin at the written item or away from it.
local function unpin_before(meta_key, events_key, items_key, versions_key, retention, pinned_id, unpin_json)
  if unpin_json ~= '' then
    append_event(meta_key, events_key, items_key, versions_key, retention, pinned_id, 'corrected', unpin_json)
  end
end

local function point_pin(meta_key, id, pinned)
  if pinned == '1' then
    redis.call('HSET', meta_key, 'pinned', id)
  elseif redis.call('HGET', meta_key, 'pinned') == id then
    redis.call('HDEL', meta_key, 'pinned')
  end
end
