-- A call of the engine that held a line ended. KEYS[1] lines (hash: engine -> lines held); ARGV[1] engine id.
-- A release arriving after the engine's hold lapsed (its lines already given back) leaves nothing below 0.
if redis.call('HINCRBY', KEYS[1], ARGV[1], -1) <= 0 then
  redis.call('HDEL', KEYS[1], ARGV[1])
end
return 1
