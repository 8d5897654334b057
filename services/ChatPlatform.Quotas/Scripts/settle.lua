-- Settles one answer: once per event (the marker), releases its reservation's hold if it had one, and adds the real
-- tokens and cost to the used counters of its windows. A window whose used counters are missing (Redis lost them, or
-- a new window) is not incremented but returned, so that the caller sets it from the ledger, which is the truth.
-- KEYS[1] reservation record (may be absent), KEYS[2] settled marker, KEYS[3..] used hashes.
-- ARGV[1] tokens, ARGV[2] micro_usd, ARGV[3] marker ttl ms, ARGV[4..] ttl ms per used hash.
-- Takes a hold's amounts (decimal strings) off the held sums; '-0' is no integer to Redis.
local function lower(hash, t, c)
  if t ~= '0' then redis.call('HINCRBY', hash, 'ht', '-' .. t) end
  if c ~= '0' then redis.call('HINCRBY', hash, 'hc', '-' .. c) end
end
if not redis.call('SET', KEYS[2], '1', 'NX', 'PX', ARGV[3]) then
  return -1
end
local rec = redis.call('LRANGE', KEYS[1], 0, -1)
if #rec > 0 then
  local member = rec[1]
  local _, _, t, c = string.find(member, '|(%d+)|(%d+)$')
  for j = 2, #rec, 2 do
    if redis.call('ZREM', rec[j + 1], member) == 1 then
      lower(rec[j], t, c)
    end
  end
  redis.call('DEL', KEYS[1])
end
local missing = {}
for i = 3, #KEYS do
  if redis.call('HEXISTS', KEYS[i], 't') == 1 then
    redis.call('HINCRBY', KEYS[i], 't', ARGV[1])
    redis.call('HINCRBY', KEYS[i], 'c', ARGV[2])
    redis.call('PEXPIRE', KEYS[i], ARGV[4 + i - 3])
  else
    missing[#missing + 1] = i - 2
  end
end
return missing
