-- The engine is alive and holds ARGV[3] lines of the trunk (its own count is the truth), for ARGV[4] ms more.
-- Returns {the others' lines, the others' starts in the window}.
local count = tonumber(ARGV[3])
if count > 0 then redis.call('HSET', KEYS[1], engine, count) else redis.call('HDEL', KEYS[1], engine) end
keep(tonumber(ARGV[4]))
return {lines - mine, #starts - myStarts}
