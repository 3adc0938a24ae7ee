-- wrk script: POST varied valid applications (benchmarks/bench_api.py runs it).
-- Each request: one of APPLICANTS organisations (a valid credit code), submitted on one of
-- the last three days, complete (accepted), without its survey (容缺受理: two notices) or
-- without a main material (one-time correction notice): 6 : 3 : 1. With KEYS=1 in the
-- environment each request carries a fresh Idempotency-Key.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"

local ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
local WEIGHTS = {1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}
local APPLICANTS = tonumber(os.getenv("APPLICANTS") or "5000")
local KEYS = os.getenv("KEYS") == "1"
local MAINS = '"NR-M-APPLICATION","NR-M-PROJECT-DOC"'
local MIXES = {}
for i = 1, 6 do MIXES[#MIXES + 1] = MAINS .. ',"NR-M-SITE-PLAN","NR-M-BOUNDARY-SURVEY"' end
for i = 1, 3 do MIXES[#MIXES + 1] = MAINS .. ',"NR-M-SITE-PLAN"' end
MIXES[#MIXES + 1] = MAINS .. ',"NR-M-BOUNDARY-SURVEY"'

local function credit_code(n)
  local first = string.format("91510900MA%07d", n)
  local total = 0
  for i = 1, 17 do
    total = total + (ALPHABET:find(first:sub(i, i), 1, true) - 1) * WEIGHTS[i]
  end
  local check = (31 - total % 31) % 31
  return first .. ALPHABET:sub(check + 1, check + 1)
end

local codes = {}
for i = 1, APPLICANTS do codes[i] = credit_code(i) end
local days = {}
for back = 0, 2 do days[#days + 1] = os.date("!%Y-%m-%d", os.time() - back * 86400) end
local run = string.format("%x%x", os.time(), math.random(1, 1073741824))
local n = 0

request = function()
  n = n + 1
  local body = string.format(
    '{"items":["NR-LAND-SITE"],"applicant":{"kind":"organisation","name":"遂宁市某某食品有限公司",' ..
    '"credit_code":"%s"},"submitted_at":"%sT%02d:%02d:00+08:00","channel":"window",' ..
    '"materials":[%s],"facts":{"project.kind":"industrial"}}',
    codes[1 + n % APPLICANTS], days[1 + n % #days], 9 + n % 8, n % 60, MIXES[1 + n % #MIXES])
  local headers = nil
  if KEYS then
    headers = {["Content-Type"] = "application/json", ["Idempotency-Key"] = run .. "-" .. n}
  end
  return wrk.format(nil, nil, headers, body)
end
