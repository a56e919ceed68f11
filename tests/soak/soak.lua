-- wrk script of tests/soak/soak.sh: every reply must be 200, or an error in FC's shape: a JSON
-- body with ErrorCode and ErrorMessage (InvokeFunction) or Code and Message (the HTTP trigger),
-- and an X-Fc-Error-Type or X-Fc-Request-Id header. Each thread counts
-- its replies; done() prints one line the shell script parses:
--   SOAK ok=N fcerror=N bad=N status429=N
local threads = {}

function setup(thread)
    table.insert(threads, thread)
end

function init(args)
    ok, fcerror, bad, status429 = 0, 0, 0, 0
    firstbad = ""
end

function response(status, headers, body)
    if status == 200 then
        ok = ok + 1
        return
    end
    local fcHeader = false
    for name, _ in pairs(headers) do
        local lower = string.lower(name)
        if lower == "x-fc-request-id" or lower == "x-fc-error-type" then
            fcHeader = true
        end
    end
    local fcBody = body and ((string.find(body, '"ErrorCode"', 1, true) and
                              string.find(body, '"ErrorMessage"', 1, true)) or
                             (string.find(body, '"Code"', 1, true) and
                              string.find(body, '"Message"', 1, true)))
    if fcBody and fcHeader then
        fcerror = fcerror + 1
        if status == 429 then
            status429 = status429 + 1
        end
    else
        bad = bad + 1
        if firstbad == "" then
            firstbad = tostring(status) .. " " .. string.sub(tostring(body), 1, 200)
        end
    end
end

function done(summary, latency, requests)
    local o, f, b, t, first = 0, 0, 0, 0, ""
    for _, thread in ipairs(threads) do
        o = o + thread:get("ok")
        f = f + thread:get("fcerror")
        b = b + thread:get("bad")
        t = t + thread:get("status429")
        if first == "" then
            first = thread:get("firstbad")
        end
    end
    local e = summary.errors
    io.write(string.format("SOAK ok=%d fcerror=%d bad=%d status429=%d connect=%d read=%d write=%d timeout=%d status=%d\n",
                           o, f, b, t, e.connect, e.read, e.write, e.timeout, e.status))
    if first ~= "" then
        io.write("SOAK first bad reply: " .. first .. "\n")
    end
end
