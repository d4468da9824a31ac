-- Takes a campaign's lease, or keeps it for its owner.
-- KEYS[1] the lease (hash: owner, token), KEYS[2] the campaign's fencing counter (never expires)
-- ARGV[1] engine id, ARGV[2] lease time in ms
-- Returns the fencing token, or nil while another engine holds the lease.
local owner = redis.call('HGET', KEYS[1], 'owner')
if owner and owner ~= ARGV[1] then
  return nil
end
if owner == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return tonumber(redis.call('HGET', KEYS[1], 'token'))
end
local token = redis.call('INCR', KEYS[2])
redis.call('HSET', KEYS[1], 'owner', ARGV[1], 'token', token)
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return token
