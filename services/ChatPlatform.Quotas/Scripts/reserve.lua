-- Reserves a request's worst case under every window that has a limit, or refuses naming the first that would be
-- exceeded; atomic, so concurrent reservations see each other's holds.
-- KEYS[1] overrides hash, KEYS[2] reservation record (list), KEYS[3] requests-per-minute zset,
-- then per window: used/held hash, holds zset.
-- ARGV: now_ms, hold_until_ms, member ("id|tokens|micro_usd"), tokens, micro_usd, record_ttl_ms, rpm_limit (-1 none),
-- rpm_window_ms, then per window: limit_tokens (-1 none), limit_micro_usd (-1 none), override prefix ('' none), ttl_ms.
-- Takes a hold's amounts (decimal strings) off the held sums; '-0' is no integer to Redis.
local function lower(hash, t, c)
  if t ~= '0' then redis.call('HINCRBY', hash, 'ht', '-' .. t) end
  if c ~= '0' then redis.call('HINCRBY', hash, 'hc', '-' .. c) end
end
local now = tonumber(ARGV[1])
local tokens = tonumber(ARGV[4])
local cost = tonumber(ARGV[5])
local rpm_limit = tonumber(ARGV[7])
local rpm_window = tonumber(ARGV[8])
local n = (#KEYS - 3) / 2

-- A hold whose turn never settled lapses: its amounts leave the held sums.
local function purge(hash, holds)
  local expired = redis.call('ZRANGEBYSCORE', holds, '-inf', now)
  for _, m in ipairs(expired) do
    local _, _, t, c = string.find(m, '|(%d+)|(%d+)$')
    lower(hash, t, c)
  end
  if #expired > 0 then
    redis.call('ZREMRANGEBYSCORE', holds, '-inf', now)
  end
end

if rpm_limit >= 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now - rpm_window)
  local count = redis.call('ZCARD', KEYS[3])
  if count >= rpm_limit then
    local oldest = redis.call('ZRANGE', KEYS[3], 0, 0, 'WITHSCORES')
    return {0, 0, 'requests', rpm_limit, count, tostring(tonumber(oldest[2] or now) + rpm_window)}
  end
end

local limited = {}
for i = 1, n do
  local hash, holds = KEYS[2 + 2 * i], KEYS[3 + 2 * i]
  local base = 8 + (i - 1) * 4
  local lt, lc, prefix = tonumber(ARGV[base + 1]), tonumber(ARGV[base + 2]), ARGV[base + 3]
  if prefix ~= '' then
    local o = redis.call('HMGET', KEYS[1], prefix .. 't', prefix .. 'c')
    if o[1] then lt = tonumber(o[1]) end
    if o[2] then lc = tonumber(o[2]) end
  end
  if lt >= 0 or lc >= 0 then
    purge(hash, holds)
    local v = redis.call('HMGET', hash, 't', 'c', 'ht', 'hc')
    local ut = tonumber(v[1] or 0) + tonumber(v[3] or 0)
    local uc = tonumber(v[2] or 0) + tonumber(v[4] or 0)
    if lt >= 0 and ut + tokens > lt then
      return {0, i, 'tokens', lt, ut, '0'}
    end
    if lc >= 0 and uc + cost > lc then
      return {0, i, 'cost', lc, uc, '0'}
    end
    limited[#limited + 1] = i
  end
end

local record = {}
for _, i in ipairs(limited) do
  local hash, holds = KEYS[2 + 2 * i], KEYS[3 + 2 * i]
  local ttl = ARGV[8 + (i - 1) * 4 + 4]
  redis.call('ZADD', holds, ARGV[2], ARGV[3])
  redis.call('HINCRBY', hash, 'ht', ARGV[4])
  redis.call('HINCRBY', hash, 'hc', ARGV[5])
  redis.call('PEXPIRE', hash, ttl)
  redis.call('PEXPIRE', holds, ttl)
  record[#record + 1] = hash
  record[#record + 1] = holds
end
if #record > 0 then
  redis.call('DEL', KEYS[2])
  redis.call('RPUSH', KEYS[2], ARGV[3], unpack(record))
  redis.call('PEXPIRE', KEYS[2], ARGV[6])
end
if rpm_limit >= 0 then
  redis.call('ZADD', KEYS[3], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[3], rpm_window)
end
return {1}
