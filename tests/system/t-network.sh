# Must show 2: the lab case -- six containers, each with its own address,
# make HTTP requests to a server on the host side of the bridge; the
# server logs six distinct client addresses.  Runs inside the network
# namespace tests/run.sh made: no traffic leaves it.
. "$(dirname "$0")/lib.sh"

log=$(mktemp)
"$STRATA_TESTS/httplog" 0.0.0.0 8080 6 60 >"$log" &
server=$!

ips=""
for i in 1 2 3 4 5 6; do
	check "container c$i starts" st ct run -d --name "c$i" -- sleep 300
	ips="$ips $(st ct ls | awk -v n="c$i" '$1 == n { print $3 }')"
done
distinct=$(echo $ips | tr ' ' '\n' | sort -u | wc -l)
expect_eq "six containers hold six distinct addresses" "6" "$distinct"

for i in 1 2 3 4 5 6; do
	out=$(st ct exec "c$i" -- timeout 10 wget -q -O - http://10.77.0.1:8080/ 2>&1)
	expect_eq "c$i fetches from the host side" "hello" "$out"
done
wait "$server"
clients=$(sed -n 's/^client //p' "$log" | sort -u)
expect_eq "the server logged six distinct clients" "6" "$(echo "$clients" | wc -l)"
expect_eq "and they are the containers' addresses" \
	"$(echo $ips | tr ' ' '\n' | sort -u)" "$clients"
rm -f "$log"

ip2=$(echo $ips | cut -d' ' -f2)
check "containers reach each other" st ct exec c1 -- ping -c 1 -W 2 "$ip2"
check "the host reaches a container" ping -c 1 -W 2 "$ip2"

check "a fixed address is honoured" st ct run -d --name fixed --ip 10.77.3.7 -- sleep 300
out=$(st ct exec fixed -- ip -4 -o addr show eth0 2>&1)
expect_match "the container holds its fixed address" 'inet 10\.77\.3\.7/16' "$out"
out=$(st ct exec fixed -- ip route 2>&1)
expect_match "default route via the bridge" 'default via 10\.77\.0\.1' "$out"

check "a second network is created" st ct network create lab2 --subnet 10.88.0.0/24
check "a container joins it" st ct run -d --name n2 --net lab2 -- sleep 300
out=$(st ct exec n2 -- ip -4 -o addr show eth0 2>&1)
expect_match "its address is in the second subnet" 'inet 10\.88\.0\.2/24' "$out"
refuse "a network in use is not removed" st ct network rm lab2
check "container on it removed" st ct rm -f n2
check "then the network is removed" st ct network rm lab2
refuse "the bridge is gone" ip link show lab2

out=$(st ct run --rm --net none -- ip -o link 2>&1 | grep -c eth0)
expect_eq "--net none has no eth0" "0" "$out"

# --nat: the network masquerades what leaves its subnet (checked on the
# rule; no traffic is sent anywhere outside this namespace).
check "a container with --nat runs" st ct run -d --name natted --nat -- sleep 300
out=$(iptables -t nat -S POSTROUTING 2>&1)
expect_match "the masquerade rule is in place" '-s 10\.77\.0\.0/16 ! -o strata0 -j MASQUERADE' "$out"
expect_eq "forwarding is on in this namespace" "1" "$(cat /proc/sys/net/ipv4/ip_forward)"
out=$(st ct network ls 2>&1 | awk '$1 == "strata0" { print $4 }')
expect_eq "the network is listed with NAT" "yes" "$out"
