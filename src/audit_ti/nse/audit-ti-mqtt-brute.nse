local brute = require "brute"
local creds = require "creds"
local mqtt = require "mqtt"
local shortport = require "shortport"
local rand = require "rand"
local stdnse = require "stdnse"

description = [[
Tries a short list of factory credentials on an MQTT broker, for audit-ti's intrusive profile.

First connects without credentials: a broker that accepts anonymous clients has no password to
guess, and the script says so instead of guessing. Otherwise every username/password pair of the
list (brute.credfile, or unpwdb) is tried with a CONNECT, one connection per guess, through nmap's
brute engine (brute.threads, brute.delay and brute.firstonly bound the rate and the number of
guesses). Works over TLS (8883) as over plain TCP (1883). Nothing is subscribed or published.
]]

---
-- @usage nmap -p 1883,8883 --script audit-ti-mqtt-brute.nse --script-args brute.credfile=creds.txt <target>
--
-- @output
-- PORT     STATE SERVICE
-- 1883/tcp open  mqtt
-- | audit-ti-mqtt-brute:
-- |   Accounts:
-- |     admin:admin - Valid credentials
-- |_  Statistics: Performed 3 guesses in 2 seconds, average tps: 1.5
--
-- @xmloutput
-- <table key="Accounts">
--   <table>
--     <elem key="state">Valid credentials</elem>
--     <elem key="username">admin</elem>
--     <elem key="password">admin</elem>
--   </table>
-- </table>
-- <elem key="Statistics">Performed 3 guesses in 2 seconds, average tps: 1.5</elem>

author = "audit-ti"
license = "EUPL-1.2 (audit-ti); runs on Nmap's libraries, see https://nmap.org/book/man-legal.html"
categories = {"brute", "intrusive"}

portrule = shortport.port_or_service({1883, 8883}, {"mqtt", "secure-mqtt"})

local function try_connect(host, port, username, password)
  local helper = mqtt.Helper:new(host, port)
  local status, response = helper:connect({
    ["client_id"] = "audit-ti-" .. rand.random_alpha(8),
    ["protocol_level"] = 4,
    ["protocol_name"] = "MQTT",
    ["username"] = username,
    ["password"] = password,
  })
  if helper.comm and helper.comm.socket then
    helper:close()
  end
  return status, response
end

Driver = {
  new = function(self, host, port)
    local o = {host = host, port = port}
    setmetatable(o, self)
    self.__index = self
    return o
  end,

  connect = function(self)
    return true
  end,

  login = function(self, username, password)
    local status, response = try_connect(self.host, self.port, username, password)
    if not status then
      local err = brute.Error:new("connection failed: " .. tostring(response))
      err:setRetry(true)
      return false, err
    end
    if response.type == "CONNACK" and response.accepted then
      return true, creds.Account:new(username, password, creds.State.VALID)
    end
    return false, brute.Error:new("Incorrect password")
  end,

  disconnect = function(self)
    return true
  end,
}

action = function(host, port)
  local status, response = try_connect(host, port, false, false)
  if status and response.type == "CONNACK" and response.accepted then
    local output = stdnse.output_table()
    output.anonymous = "Anonymous access accepted: no password to try"
    return output, output.anonymous
  end
  local engine = brute.Engine:new(Driver, host, port)
  engine.options.script_name = SCRIPT_NAME
  local _, result = engine:start()
  return result
end
