-- The engine is alive and holds ARGV[3] lines of the trunk (its own count is the truth), for ARGV[4] ms more.
-- Returns {the others' lines, the others' starts in the window}.
purge()
local count_ = tonumber(ARGV[3])
if count_ > 0 then redis.call('HSET', KEYS[1], engine, count_) else redis.call('HDEL', KEYS[1], engine) end
local holdMs = tonumber(ARGV[4])
redis.call('ZADD', KEYS[2], now + holdMs, engine)
-- The keys outlive every engine's hold by the window: gone once no engine renews.
local ttl = math.max(holdMs, window)
for i = 1, 3 do redis.call('PEXPIRE', KEYS[i], ttl) end
count()
return {lines - mine, #starts - myStarts}
