-- Settles a write whose answer never came (a timeout, a lost connection): did it happen? If it did
-- not, its write mark is set to 'fenced', in the same atomic step, and publish.lua and change.lua
-- refuse to run a fenced write: so "it did not happen" stays true even if the write reaches Redis
-- later (from a connection that was given up, through a proxy, ...).
-- KEYS: 1 meta, 2 item order, 3 the write's mark
-- ARGV: 1 item id, 2 event kind, 3 how long a mark is kept (ms)
-- Returns {'ok', epoch, sequence} or {'none'}.
local epoch = redis.call('HGET', KEYS[1], 'epoch')
if epoch then
  local sequence
  if ARGV[2] == 'published' then
    -- A published item's score in the item order is its event's sequence.
    sequence = redis.call('ZSCORE', KEYS[2], ARGV[1])
  else
    -- A correction or retraction marks itself with its event's sequence.
    local mark = redis.call('GET', KEYS[3])
    if mark ~= 'fenced' then
      sequence = mark
    end
  end
  if sequence then
    return {'ok', epoch, tonumber(sequence)}
  end
end

redis.call('SET', KEYS[3], 'fenced', 'PX', ARGV[3])
return {'none'}
