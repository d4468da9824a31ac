-- Takes a line and a call start of the trunk for the engine, if every engine's lines and starts together leave one.
-- ARGV[3] max lines, ARGV[4] starts per window, ARGV[5] hold in ms, ARGV[6] this start's unique member (engine|n)
-- Returns {1 if seized, 0 if every line is held, -1 if the window's starts are all made; the others' lines; the others' starts in the window}.
count()
local seized = 0
if lines >= tonumber(ARGV[3]) then
  seized = 0
elseif #starts >= tonumber(ARGV[4]) then
  seized = -1
else
  redis.call('HINCRBY', KEYS[1], engine, 1)
  redis.call('ZADD', KEYS[3], now, ARGV[6])
  -- The line is under the engine's hold from now on, even if its last renewal lapsed: lost, it gives the line back.
  redis.call('ZADD', KEYS[2], now + tonumber(ARGV[5]), engine)
  seized = 1
end
return {seized, lines - mine, #starts - myStarts}
