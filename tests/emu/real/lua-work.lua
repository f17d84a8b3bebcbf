-- A workload for the riscv64 lua5.4 of scripts/rv-progs.sh, run by
-- tests/system/t-emu-real.sh under strata emu and qemu-riscv64: each
-- section prints what it computed (the outputs are compared) and asserts
-- what Lua itself promises (so a wrong result fails even when both agree).
-- Deterministic: fixed seeds, fixed times, no addresses in the output.

local function section(name, fn)
	local ok, res = pcall(fn)
	if not ok then
		print(name .. ": FAILED: " .. tostring(res))
		os.exit(2)
	end
	print(name .. ": " .. tostring(res))
end

-- a cheap, deterministic digest of a string (FNV-1a, 64-bit wrap)
local function digest(s)
	local h = 0xcbf29ce484222325
	for i = 1, #s do
		h = (h ~ s:byte(i)) * 0x100000001b3
	end
	return string.format("%016x", h)
end

section("strings", function()
	local words = {}
	local text = ("the quick brown fox jumps over the lazy dog "):rep(200)
	for w in text:gmatch("%a+") do words[#words + 1] = w end
	assert(#words == 1800)
	local up = text:gsub("(%a)(%a*)", function(a, b) return a:upper() .. b end)
	assert(up:sub(1, 9) == "The Quick")
	local n = select(2, text:gsub("o", "0"))
	assert(n == 800)
	local f = string.format("%5.2f|%-6d|%+.3e|%q|%x|%g|%g", math.pi, 42, 1e-7, "a\n\"b\"", 48879, 1e300 * 10, 0.1)
	local p = string.pack("<i4 >d z s2", -2, 1.5, "zero", "len")
	local a, b, c, d = string.unpack("<i4 >d z s2", p)
	assert(a == -2 and b == 1.5 and c == "zero" and d == "len")
	local u = utf8.char(72, 228, 8364, 128512)
	assert(utf8.len(u) == 4 and #u == 10)
	local cps = {}
	for _, cp in utf8.codes(u) do cps[#cps + 1] = cp end
	local rev = {}
	for i = #words, 1, -1 do rev[#rev + 1] = words[i] end
	table.sort(words)
	return table.concat({ f, digest(up), digest(table.concat(words, ",")),
		digest(table.concat(rev, " ")), #p, table.concat(cps, "."),
		("%s"):rep(3, "-"), ("x"):byte(), string.char(65, 66) }, " ")
end)

section("numbers", function()
	assert(math.maxinteger + 1 == math.mininteger)
	assert(7 // 2 == 3 and -7 // 2 == -4 and 7 % -3 == -2)
	assert(3 / 2 == 1.5 and math.type(2^53) == "float")
	assert(math.tointeger(3.0) == 3 and math.tointeger(3.5) == nil)
	local s, x = 0.0, 1
	for i = 1, 100000 do
		s = s + math.sin(i) * math.sqrt(i) / (i % 7 + 1)
		x = (x * 6364136223846793005 + 1442695040888963407) & 0xffffffffffff
	end
	local bits = (0xF0F0 << 4) | (0xFF >> 3) ~ 0x1234
	local r = {}
	math.randomseed(42)
	for i = 1, 5 do r[i] = math.random(1000) end
	return string.format("%.10f %d %d %.17g %.17g %s %d %s %s",
		s, x, bits, math.fmod(-7.5, 2), 2^0.5, tostring(1e15), math.floor(-3.5),
		tostring(0/0 ~= 0/0), table.concat(r, ","))
end)

section("closures", function()
	local function counter()
		local n = 0
		return function(k) n = n + (k or 1); return n end
	end
	local cs = {}
	for i = 1, 100 do cs[i] = counter() end
	local total = 0
	for round = 1, 100 do
		for i = 1, 100 do total = total + cs[i](i % round + 1) end
	end
	local function fib(n) if n < 2 then return n end return fib(n - 1) + fib(n - 2) end
	local memo = setmetatable({}, { __index = function(t, n)
		local v = n < 2 and n or t[n - 1] + t[n - 2]
		t[n] = v
		return v
	end })
	local acc = {}
	for i = 1, 10 do
		acc[i] = (function(...) return select("#", ...) + i end)(table.unpack(acc))
	end
	return string.format("%d %d %d %s", total, fib(24), memo[90], table.concat(acc, ","))
end)

section("coroutines", function()
	local function gen(n)
		return coroutine.wrap(function()
			for i = 1, n do coroutine.yield(i * i) end
		end)
	end
	local sum = 0
	for v in gen(1000) do sum = sum + v end
	-- a pipeline: producer -> filter -> consumer
	local prod = coroutine.create(function()
		for i = 1, 5000 do coroutine.yield(i) end
		return nil
	end)
	local function filter(src)
		return coroutine.create(function()
			while true do
				local _, v = coroutine.resume(src)
				if v == nil then return nil end
				if v % 3 == 0 then coroutine.yield(v) end
			end
		end)
	end
	local f = filter(prod)
	local got = 0
	while true do
		local _, v = coroutine.resume(f)
		if v == nil then break end
		got = got + v
	end
	local bad = coroutine.create(function() error({ code = 7 }) end)
	local ok, e = coroutine.resume(bad)
	assert(not ok and e.code == 7 and coroutine.status(bad) == "dead")
	local co = coroutine.create(function(a, b)
		local c = coroutine.yield(a + b)
		local d, e2 = coroutine.yield(c * 2)
		return d + e2
	end)
	local r = {}
	r[1] = select(2, coroutine.resume(co, 1, 2))
	r[2] = select(2, coroutine.resume(co, 10))
	r[3] = select(2, coroutine.resume(co, 3, 4))
	assert(coroutine.isyieldable() == false)
	return string.format("%d %d %s %s", sum, got, table.concat(r, ","), coroutine.status(co))
end)

section("errors", function()
	local ok, msg = pcall(function() local t = nil; return t.x end)
	assert(not ok and msg:find("attempt to index"))
	local ok2, tb = xpcall(function() error("deep", 0) end, function(m) return "handled " .. m end)
	local depth = 0
	local function rec() depth = depth + 1; return rec() + 1 end
	local ok3, m3 = pcall(rec)
	assert(not ok3 and m3:find("stack overflow"))
	local closed = {}
	do
		local res <close> = setmetatable({}, { __close = function() closed[#closed + 1] = "closed" end })
	end
	return string.format("%s %s %s %s", tostring(ok2), tb, tostring(depth > 1000), closed[1])
end)

section("tables-gc", function()
	-- many short-lived tables and strings: the collector runs many times
	local keep = {}
	for i = 1, 200000 do
		local t = { i, tostring(i), { i * 2 } }
		if i % 100 == 0 then keep[#keep + 1] = t end
	end
	local finalized = 0
	for i = 1, 1000 do
		setmetatable({}, { __gc = function() finalized = finalized + 1 end })
	end
	local weak = setmetatable({}, { __mode = "k" })
	for i = 1, 1000 do weak[{}] = i end
	collectgarbage("collect")
	collectgarbage("collect")
	local left = 0
	for _ in pairs(weak) do left = left + 1 end
	local h = {}
	for i = 1, 50000 do h["k" .. (i * 7919 % 50000)] = i end
	local cnt, sum = 0, 0
	for k, v in pairs(h) do cnt = cnt + 1; sum = sum + v end
	for i = 1, 50000, 2 do h["k" .. i] = nil end
	local cnt2 = 0
	for _ in pairs(h) do cnt2 = cnt2 + 1 end
	local arr = {}
	for i = 1, 100000 do arr[i] = (i * 7919) % 100003 end
	table.sort(arr, function(a, b) return a > b end)
	table.insert(arr, 1, -1)
	table.remove(arr)
	local moved = table.move(arr, 1, 10, 1, {})
	return string.format("%d %d %d %d %d %d %s", #keep, finalized, left, cnt, sum, cnt2,
		table.concat(moved, ","))
end)

section("io-os", function()
	local name = os.tmpname()
	local f = assert(io.open(name, "w"))
	for i = 1, 1000 do f:write(string.format("line %d %s\n", i, ("x"):rep(i % 50))) end
	f:close()
	local n, bytes = 0, 0
	for l in io.lines(name) do n = n + 1; bytes = bytes + #l end
	f = assert(io.open(name, "r+"))
	local size = f:seek("end")
	f:seek("set", 5)
	local first = f:read("n")
	f:seek("set", 0)
	f:write("LINE")
	f:close()
	local all = assert(io.open(name, "rb")):read("a")
	local name2 = name .. ".moved"
	assert(os.rename(name, name2))
	assert(io.open(name) == nil)
	assert(os.remove(name2))
	local nf, msg, code = io.open("/nonexistent/dir/file")
	assert(nf == nil and code == 2)
	local p = io.popen("echo from-a-shell; exit 3")
	local pout = p:read("l")
	local pok, pwhy, pcode = p:close()
	local t0 = os.time({ year = 2024, month = 2, day = 29, hour = 12, min = 30, sec = 15 })
	local d = os.date("!*t", 86400 * 365)
	local c = os.clock()
	assert(c >= 0 and os.time() > 1700000000)
	assert(os.getenv("HOME") ~= nil or true)
	assert(os.difftime(t0 + 60, t0) == 60)
	return string.format("%d %d %d %s %s %s %s %s %s %d %d %s %s", n, bytes, size, first, all:sub(1, 8),
		digest(all), msg:match("No such file") or msg, pout, tostring(pok), pcode,
		d.year, os.date("!%Y-%m-%d %H:%M:%S %j %a", 1234567890), os.date("!%c", 0))
end)

section("load", function()
	local chunk = assert(load("local a, b = ... return a * b + (x or 0)", "chunk", "t", { x = 5 }))
	local dumped = string.dump(function(a) return a * 3 end)
	local back = load(dumped, "dumped", "b")
	local env = {}
	local prog = {}
	for i = 1, 200 do prog[#prog + 1] = string.format("v%d = %d * 2", i, i) end
	assert(load(table.concat(prog, "\n"), "gen", "t", env))()
	local s = 0
	for i = 1, 200 do s = s + env["v" .. i] end
	return string.format("%d %d %d", chunk(6, 7), back(14), s)
end)

print("done")
