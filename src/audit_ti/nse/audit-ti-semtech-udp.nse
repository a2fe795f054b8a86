local nmap = require "nmap"
local shortport = require "shortport"
local stdnse = require "stdnse"
local string = require "string"

description = [[
Detects the Semtech UDP packet-forwarder protocol of LoRaWAN (network server or gateway bridge
side, 1700/udp by default), for audit-ti.

Sends one PULL_DATA (protocol version 2, a random token, gateway EUI "audit-ti") and reads the
answer: a PULL_ACK with the same token proves that the service speaks the protocol, which has
neither authentication nor encryption. An empty UDP probe gets no answer from such a service,
so that nmap alone leaves the port open|filtered. No PUSH_DATA is sent: no uplink is injected.
Protocol: Semtech packet_forwarder, PROTOCOL.TXT, version 2.
]]

---
-- @usage nmap -sU -p 1700 --script audit-ti-semtech-udp.nse <target>
--
-- @output
-- PORT     STATE SERVICE
-- 1700/udp open  semtech-udp
-- | audit-ti-semtech-udp:
-- |   Answer: PULL_ACK
-- |   Protocol version: 2
-- |_  Authentication: none in the protocol (Semtech UDP packet forwarder)
--
-- @xmloutput
-- <elem key="Answer">PULL_ACK</elem>
-- <elem key="Protocol version">2</elem>
-- <elem key="Authentication">none in the protocol (Semtech UDP packet forwarder)</elem>

author = "audit-ti"
license = "EUPL-1.2 (audit-ti); runs on Nmap's libraries, see https://nmap.org/book/man-legal.html"
categories = {"discovery", "safe"}

portrule = shortport.port_or_service(1700, "semtech-udp", "udp", {"open", "open|filtered"})

local VERSION = 2
local PULL_DATA = 0x02
local PULL_ACK = 0x04
local EUI = "audit-ti"

action = function(host, port)
  local token = math.random(0, 0xffff)
  local request = string.pack(">BI2B", VERSION, token, PULL_DATA) .. EUI
  local socket = nmap.new_socket("udp")
  socket:set_timeout(stdnse.get_timeout(host, 3000, 1000))
  local status, err = socket:connect(host, port)
  if not status then
    stdnse.debug1("connect: %s", err)
    return nil
  end
  local answer
  for _ = 1, 2 do
    socket:send(request)
    status, answer = socket:receive()
    if status then
      break
    end
  end
  socket:close()
  if not status or #answer < 4 then
    return nil
  end
  local version, echoed, identifier = string.unpack(">BI2B", answer)
  if echoed ~= token or identifier ~= PULL_ACK then
    stdnse.debug1("unexpected answer of %d bytes", #answer)
    return nil
  end
  nmap.set_port_state(host, port, "open")
  port.version = port.version or {}
  port.version.name = "semtech-udp"
  port.version.product = "LoRaWAN Semtech UDP packet forwarder protocol"
  nmap.set_port_version(host, port, "hardmatched")
  local output = stdnse.output_table()
  output["Answer"] = "PULL_ACK"
  output["Protocol version"] = version
  output["Authentication"] = "none in the protocol (Semtech UDP packet forwarder)"
  return output
end
