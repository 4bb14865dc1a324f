-- Prepended to the read scripts (read.lua, list.lua): what both read.

-- The feed's epoch and latest sequence. A feed with no event yet gets the epoch its first event
-- will carry. That epoch expires unless the event comes (publish.lua makes it permanent), so that
-- reading any number of unknown feeds does not grow Redis without bound.
local function read_epoch(meta_key, new_epoch, lifetime_ms)
  local meta = redis.call('HMGET', meta_key, 'epoch', 'seq')
  local epoch = meta[1]
  local sequence = tonumber(meta[2]) or 0
  if not epoch then
    epoch = new_epoch
    redis.call('HSET', meta_key, 'epoch', epoch)
    redis.call('PEXPIRE', meta_key, lifetime_ms)
  elseif sequence == 0 then
    redis.call('PEXPIRE', meta_key, lifetime_ms)
  end
  return epoch, sequence
end

-- Appends to result the JSON of the items with these ids, in their order (an id whose item is gone is left out).
local function append_items(result, items_key, ids)
  if #ids > 0 then
    local items = redis.call('HMGET', items_key, unpack(ids))
    for i = 1, #ids do
      if items[i] then
        result[#result + 1] = items[i]
      end
    end
  end
end
