-- Shared by the trunk scripts (prepended to each): the trunk's use now, on Redis's own clock (engines' clocks may differ).
-- KEYS[1] lines (hash: engine -> lines held), KEYS[2] holders (sorted set: engine -> hold's end, ms),
-- KEYS[3] starts (sorted set: engine|n -> start, ms). ARGV[1] engine id, ARGV[2] the start window in ms.
redis.replicate_commands()
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local engine = ARGV[1]
local window = tonumber(ARGV[2])
-- An engine that stopped renewing its hold (killed, frozen, cut off) gives its lines back. Done at each renewal (every
-- engine renews every third of its hold), not at each seize: a dial costs fewer commands, a lost engine's lines wait
-- at most one renewal more.
local function purge()
  for _, lapsed in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now)) do
    redis.call('HDEL', KEYS[1], lapsed)
  end
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
end
local lines, mine, starts, myStarts
local function count()
  redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now - window)
  lines, mine = 0, 0
  local held = redis.call('HGETALL', KEYS[1])
  for i = 1, #held, 2 do
    local n = tonumber(held[i + 1])
    lines = lines + n
    if held[i] == engine then mine = n end
  end
  starts = redis.call('ZRANGE', KEYS[3], 0, -1)
  myStarts = 0
  local prefix = engine .. '|'
  for _, s in ipairs(starts) do
    if string.sub(s, 1, #prefix) == prefix then myStarts = myStarts + 1 end
  end
end
