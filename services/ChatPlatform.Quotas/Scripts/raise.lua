-- Raises a reservation's hold to at least the given amounts under every window it was recorded under, unchecked: a turn
-- held its estimate before it was written and, when the history it was then sent had grown meanwhile, holds the rest.
-- A hold never shrinks here; a released or settled one (no record) stays gone.
-- KEYS[1] reservation record (list: member, then hash and holds key pairs). ARGV[1] tokens, ARGV[2] micro_usd.
local rec = redis.call('LRANGE', KEYS[1], 0, -1)
if #rec == 0 then
  return 0
end
local member = rec[1]
local _, _, id, t, c = string.find(member, '^(.*)|(%d+)|(%d+)$')
local dt = math.max(0, tonumber(ARGV[1]) - tonumber(t))
local dc = math.max(0, tonumber(ARGV[2]) - tonumber(c))
if dt == 0 and dc == 0 then
  return 1
end
local raised = string.format('%s|%.0f|%.0f', id, tonumber(t) + dt, tonumber(c) + dc)
for j = 2, #rec, 2 do
  local until_ms = redis.call('ZSCORE', rec[j + 1], member)
  if until_ms then
    redis.call('ZREM', rec[j + 1], member)
    redis.call('ZADD', rec[j + 1], until_ms, raised)
    if dt > 0 then redis.call('HINCRBY', rec[j], 'ht', string.format('%.0f', dt)) end
    if dc > 0 then redis.call('HINCRBY', rec[j], 'hc', string.format('%.0f', dc)) end
  end
end
redis.call('LSET', KEYS[1], 0, raised)
return 1
