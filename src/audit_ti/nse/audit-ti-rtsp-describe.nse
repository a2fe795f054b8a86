local rtsp = require "rtsp"
local shortport = require "shortport"
local stdnse = require "stdnse"

description = [[
Asks an RTSP server (camera, video recorder) to describe a few well-known stream paths, without
credentials, for audit-ti.

One DESCRIBE per path, as a video player sends before playing: the answer says whether the stream
is described to anyone (200), protected (401), or absent (404 and others). Nothing is played: no
SETUP, no PLAY. The paths are a short list of the main streams of common recorders and cameras,
taken from Nmap's nselib/data/rtsp-urls.txt; audit-ti-rtsp-describe.paths replaces it (paths
separated by commas or a table).
]]

---
-- @usage nmap -p 554 --script audit-ti-rtsp-describe.nse <target>
--
-- @output
-- PORT    STATE SERVICE
-- 554/tcp open  rtsp
-- | audit-ti-rtsp-describe:
-- |   Described without authentication:
-- |     rtsp://192.0.2.10:554/Streaming/Channels/101
-- |_  Paths not found: 8
--
-- @xmloutput
-- <table key="Described without authentication">
--   <elem>rtsp://192.0.2.10:554/Streaming/Channels/101</elem>
-- </table>
-- <elem key="Paths not found">8</elem>

author = "audit-ti"
license = "EUPL-1.2 (audit-ti); runs on Nmap's libraries, see https://nmap.org/book/man-legal.html"
categories = {"discovery", "safe"}

portrule = shortport.port_or_service({554, 8554}, "rtsp", "tcp")

-- Main streams of the recorders and cameras most met on public premises (Hikvision, Dahua,
-- Xiongmai/XMEye, Uniview, generic ONVIF), all listed in Nmap's rtsp-urls.txt.
local DEFAULT_PATHS = {
  "/",
  "/Streaming/Channels/101",
  "/cam/realmonitor",
  "/live",
  "/live/ch00_0",
  "/onvif1",
  "/stream1",
  "/h264",
  "/11",
  "/videoMain",
}

local function paths()
  local given = stdnse.get_script_args(SCRIPT_NAME .. ".paths")
  if type(given) == "table" then
    return given
  elseif type(given) == "string" then
    local list = {}
    for path in given:gmatch("[^,]+") do
      list[#list + 1] = path
    end
    return list
  end
  return DEFAULT_PATHS
end

local function describe(host, port, url)
  local helper = rtsp.Helper:new(host, port)
  if not helper:connect() then
    return nil
  end
  local status, response = helper:describe(url)
  helper:close()
  if not status or type(response) ~= "table" then
    return nil
  end
  return response.status
end

action = function(host, port)
  local open, protected, other = {}, {}, {}
  local missing, silent = 0, 0
  for _, path in ipairs(paths()) do
    local url = ("rtsp://%s:%d%s"):format(host.ip, port.number, path)
    local code = describe(host, port, url)
    if code == nil then
      silent = silent + 1
    elseif code == 200 then
      open[#open + 1] = url
    elseif code == 401 or code == 403 then
      protected[#protected + 1] = url
    elseif code == 404 then
      missing = missing + 1
    else
      other[#other + 1] = ("%s (%d)"):format(url, code)
    end
  end
  local output = stdnse.output_table()
  if #open > 0 then
    output["Described without authentication"] = open
  end
  if #protected > 0 then
    output["Authentication required"] = protected
  end
  if #other > 0 then
    output["Other answers"] = other
  end
  if missing > 0 then
    output["Paths not found"] = missing
  end
  if silent > 0 then
    output["No answer"] = silent
  end
  if #open == 0 and #protected == 0 and #other == 0 and missing == 0 then
    return nil
  end
  return output
end
