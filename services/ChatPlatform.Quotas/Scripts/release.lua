-- Removes a reservation's hold from every window it was recorded under; removing it twice removes it once.
-- KEYS[1] reservation record (list: member, then hash and holds key pairs).
-- Takes a hold's amounts (decimal strings) off the held sums; '-0' is no integer to Redis.
local function lower(hash, t, c)
  if t ~= '0' then redis.call('HINCRBY', hash, 'ht', '-' .. t) end
  if c ~= '0' then redis.call('HINCRBY', hash, 'hc', '-' .. c) end
end
local rec = redis.call('LRANGE', KEYS[1], 0, -1)
if #rec == 0 then
  return 0
end
local member = rec[1]
local _, _, t, c = string.find(member, '|(%d+)|(%d+)$')
for j = 2, #rec, 2 do
  if redis.call('ZREM', rec[j + 1], member) == 1 then
    lower(rec[j], t, c)
  end
end
redis.call('DEL', KEYS[1])
return 1
