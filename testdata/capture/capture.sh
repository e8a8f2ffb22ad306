#!/usr/bin/env bash
# capture.sh — record real protocol sessions on loopback as framekit test data.
#
# What it does:
#   1. Installs the servers, their clients, tcpdump and tshark with apt-get (Debian 12).
#   2. Re-runs itself inside a private network namespace (unshare --net --mount) that
#      holds nothing but its own loopback interface: every server binds 127.0.0.1 (a
#      high port where the server allows it), nothing can reach or be reached from
#      outside, and tcpdump on lo sees only these sessions.
#   3. For each protocol: starts the real server in a temp dir, starts tcpdump on lo,
#      drives the server with its real client, stops everything it started, and then:
#        - cuts one TCP connection into its two directions with tshark's
#          "follow,tcp,raw" (tools.py split) and gzips each into
#          <protocol>.<client|server>.bin.gz,
#        - counts the frames with tshark's own dissector and writes one line per frame
#          (<protocol>.<direction>.frames.txt, tools.py frames),
#        - adds an entry to manifest.json.
#      Kafka and MongoDB have no Debian server: tools.py builds their streams from the
#      protocol specs, plays them over a loopback connection, and tshark dissects that.
#
# Usage:   sudo bash testdata/capture/capture.sh [PROTOCOL...]
#          (no argument: all of dns tls postgres http2 mqtt amqp smb2 mysql kafka mongodb
#          tpkt rpc; with arguments, only those, and the manifest keeps the others' entries)
# Needs:   root (apt-get, tcpdump, unshare), Debian 12; about 2 GB of packages.
#          KEEP=1 keeps the temp dir (pcaps, server logs) for a look afterwards.
# Takes:   about 70 s for all twelve on 2 cores once the packages are installed (measured:
#          real 1m10.7s; RabbitMQ's start and MariaDB's 17 MB packets are the slowest parts);
#          the first run adds the apt-get installs, a few minutes.
# Output:  written next to this script; the temp dir is removed at the end.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOOLS="$HERE/tools.py"
ALL=(dns tls postgres http2 mqtt amqp smb2 mysql kafka mongodb tpkt rpc)

PACKAGES=(tcpdump tshark openssl python3 jq iproute2 util-linux
	postgresql bind9 bind9-dnsutils nghttp2-server nghttp2-client mosquitto mosquitto-clients
	mariadb-server mariadb-client rpcbind rabbitmq-server amqp-tools samba smbclient
	xrdp freerdp2-x11 xvfb)

if [[ -z ${CAPTURE_IN_NETNS:-} ]]; then
	if [[ $(id -u) != 0 ]]; then
		echo "capture.sh: run as root (apt-get, tcpdump, unshare)" >&2
		exit 2
	fi
	missing=()
	for p in "${PACKAGES[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
	done
	if ((${#missing[@]})); then
		echo "== apt-get install ${missing[*]}"
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -qq
		# Debian's policy-rc.d (if present) keeps the packages' own services from starting.
		apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
	fi
	exec unshare --net --mount env CAPTURE_IN_NETNS=1 bash "$0" "$@"
fi

# ---- inside the private network namespace from here on
ip link set lo up
WANT=("$@")
((${#WANT[@]})) || WANT=("${ALL[@]}")
W=$(mktemp -d /tmp/framekit-capture.XXXXXX)
chmod 755 "$W"
mkdir "$W/entries"
PIDS=()

stop_all() {
	local pid
	for pid in "${PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	sleep 0.5
	for pid in "${PIDS[@]}"; do
		kill -KILL "$pid" 2>/dev/null || true
	done
	if mountpoint -q /run; then umount -l /run; fi
}
cleanup() {
	stop_all
	[[ -n ${KEEP:-} ]] && echo "kept $W" || rm -rf "$W"
}
trap cleanup EXIT

log() { echo "== $*"; }
version() { dpkg-query -W -f='${Version}' "$1"; }

# start NAME CMD...: runs CMD in the background, logging to $W/NAME.log; its pid is stopped at exit.
start() {
	local name=$1
	shift
	"$@" >"$W/$name.log" 2>&1 &
	PIDS+=($!)
	LASTPID=$!
}

# stop PID: TERM, then KILL after 10 s.
stop() {
	local pid=$1 i
	kill -TERM "$pid" 2>/dev/null || return 0
	for i in $(seq 100); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

# wait_port PORT [PID]: waits until 127.0.0.1:PORT accepts (fails at once if PID died).
wait_port() {
	local port=$1 pid=${2:-} i
	for i in $(seq 600); do
		if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
		if [[ -n $pid ]] && ! kill -0 "$pid" 2>/dev/null; then
			echo "capture.sh: the server for port $port exited:" >&2
			tail -5 "$W"/*-server.log >&2 || true
			exit 1
		fi
		sleep 0.1
	done
	echo "capture.sh: nothing listens on 127.0.0.1:$port after 60 s" >&2
	exit 1
}

# pcap_start NAME PORT / pcap_stop: tcpdump on lo for one protocol's port.
pcap_start() {
	PCAP="$W/$1.pcap"
	: >"$W/$1.tcpdump.log"
	tcpdump -i lo -n -s 0 -B 262144 -U --immediate-mode -Z root -w "$PCAP" "tcp port $2" 2>"$W/$1.tcpdump.log" &
	TCPDUMP=$!
	PIDS+=($TCPDUMP)
	local i
	for i in $(seq 100); do
		grep -q "listening on" "$W/$1.tcpdump.log" && return 0
		sleep 0.1
	done
	echo "capture.sh: tcpdump did not start" >&2
	exit 1
}
pcap_stop() {
	sleep 1
	kill -INT "$TCPDUMP"
	wait "$TCPDUMP" || true
	if ! grep -q "^0 packets dropped by kernel" "${PCAP%.pcap}.tcpdump.log"; then
		cat "${PCAP%.pcap}.tcpdump.log" >&2
		echo "capture.sh: tcpdump dropped packets; run again" >&2
		exit 1
	fi
}

# emit PROTOCOL STREAM PORT DECODEAS SKIP_CLIENT SKIP_SERVER
#   Splits stream STREAM of $PCAP (server on PORT) into its two directions, has tshark
#   (decoding PORT as DECODEAS) count and describe the frames, checks that tshark accounted
#   for every byte and that the unframed prefix it found is the expected one, and writes
#   both directions' outputs. SKIP_* of "tshark" means: take the prefix tshark found.
#   Reads SERVER, CLIENT, NOTES_CLIENT, NOTES_SERVER, SOURCE, SELECT (client|server|both:
#   which directions of this stream to keep).
emit() {
	local proto=$1 stream=$2 port=$3 decode=$4 skip_client=$5 skip_server=$6 dir
	python3 "$TOOLS" split "$PCAP" "$stream" "$port" "$W/$proto.s$stream" >/dev/null
	for dir in client server; do
		[[ ${SELECT:-both} == both || ${SELECT:-both} == "$dir" ]] || continue
		local bin="$W/$proto.s$stream.$dir.bin" want skip summary frames covered bytes tskip
		bytes=$(stat -c %s "$bin")
		summary=$(python3 "$TOOLS" frames "$PCAP" "$stream" "$port" "$dir" "$proto" "$decode" \
			"$HERE/$proto.$dir.frames.txt")
		frames=$(jq -r .frames <<<"$summary")
		covered=$(jq -r .covered <<<"$summary")
		tskip=$(jq -r .skip <<<"$summary")
		want=$skip_client
		[[ $dir == server ]] && want=$skip_server
		skip=$tskip
		if [[ $want != tshark && $want != "$tskip" ]]; then
			# Some unframed prefixes (PostgreSQL's 'N') are not shown by the dissector at all.
			if ((covered + want != bytes)); then
				echo "capture.sh: $proto $dir: tshark found an unframed prefix of $tskip bytes, expected $want" >&2
				exit 1
			fi
			skip=$want
			covered=$((covered + want))
		fi
		if ((covered != bytes)); then
			echo "capture.sh: $proto $dir: tshark accounted for $covered of $bytes bytes" >&2
			exit 1
		fi
		gzip -9nc "$bin" >"$HERE/$proto.$dir.bin.gz"
		local notes=$NOTES_CLIENT
		[[ $dir == server ]] && notes=$NOTES_SERVER
		python3 "$TOOLS" entry out="$W/entries/$proto.$dir.json" file="$proto.$dir.bin.gz" \
			protocol="$proto" direction="$dir" skip="$skip" frames="$frames" bytes="$bytes" \
			source="${SOURCE:-real}" server="$SERVER" client="$CLIENT" \
			check="tshark $(version tshark) -d tcp.port==$port,$decode, TCP stream $stream, $dir side: $frames frames after $skip unframed bytes, $covered of $bytes bytes accounted for; len and fields in $proto.$dir.frames.txt are tshark's ($(fields_of "$proto"))" \
			notes="$notes"
		echo "   $proto.$dir: $bytes bytes, skip $skip, $frames frames"
	done
}

fields_of() {
	case $1 in
	tls) echo "tls.record.length, tls.record.content_type or opaque_type, tls.record.version" ;;
	postgres) echo "pgsql.length, the byte under pgsql.type" ;;
	http2) echo "http2.length, http2.type, http2.flags, http2.streamid" ;;
	mqtt) echo "mqtt.len, mqtt.hdrflags" ;;
	amqp) echo "amqp.length, amqp.type, amqp.channel" ;;
	mysql) echo "mysql.packet_length, mysql.packet_number" ;;
	rpc) echo "rpc.fraglen, rpc.lastfrag" ;;
	dns) echo "dns.length" ;;
	smb2) echo "nbss.length" ;;
	tpkt) echo "tpkt.length, tpkt.version" ;;
	kafka) echo "kafka.len" ;;
	mongodb) echo "mongo.message_length, mongo.request_id, mongo.response_to, mongo.opcode" ;;
	esac
}

# repeat_bytes N CHAR: N copies of CHAR (repetitive, so the big captures compress well).
repeat_bytes() { head -c "$1" /dev/zero | tr '\0' "$2"; }

# ---------------------------------------------------------------- TLS 1.3
cap_tls() {
	local d=$W/tls port=45443
	mkdir -p "$d/www"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 \
		-subj /CN=localhost -keyout "$d/key.pem" -out "$d/cert.pem" 2>/dev/null
	repeat_bytes 200000 t >"$d/www/big.txt"
	(cd "$d/www" && exec openssl s_server -accept 127.0.0.1:$port -cert "$d/cert.pem" \
		-key "$d/key.pem" -tls1_3 -WWW -naccept 1) >"$W/tls-server.log" 2>&1 &
	local srv=$! i
	PIDS+=($srv)
	# No probe connection: -naccept 1 serves exactly one. s_server says ACCEPT when it listens.
	for i in $(seq 100); do
		grep -q ACCEPT "$W/tls-server.log" && break
		sleep 0.1
	done
	pcap_start tls $port
	printf 'GET /big.txt HTTP/1.0\r\n\r\n' |
		openssl s_client -connect 127.0.0.1:$port -tls1_3 -ign_eof -quiet >"$d/got" 2>"$W/tls-client.log"
	wait "$srv" || true
	pcap_stop
	SERVER="openssl s_server $(version openssl) (-tls1_3 -WWW)" CLIENT="openssl s_client $(version openssl) (-tls1_3)" \
		NOTES_CLIENT="ClientHello (record version 0x0301), the compatibility ChangeCipherSpec, then encrypted records (opaque type 23) ending with close_notify" \
		NOTES_SERVER="a 200000-byte file over HTTP/1.0 (-WWW): full records are 16401 = 16384+17 bytes (16384 plaintext + content type byte + 16-byte AEAD tag)" \
		emit tls 0 $port tls 0 0
}

# ---------------------------------------------------------------- PostgreSQL
cap_postgres() {
	local d=$W/pg port=45432 bin=/usr/lib/postgresql/15/bin
	mkdir -p "$d"
	echo capture-pw >"$d/pwfile"
	chown -R postgres: "$d"
	setpriv --reuid=postgres --regid=postgres --init-groups "$bin/initdb" -D "$d/data" -U postgres \
		--auth=scram-sha-256 --pwfile="$d/pwfile" -E UTF8 --locale=C.UTF-8 >"$W/pg-initdb.log" 2>&1
	start pg-server setpriv --reuid=postgres --regid=postgres --init-groups "$bin/postgres" -D "$d/data" \
		-p $port -k "$d" -c listen_addresses=127.0.0.1 -c ssl=off
	local srv=$LASTPID
	wait_port $port "$srv"
	pcap_start postgres $port
	PGPASSWORD=capture-pw psql -X -q \
		"host=127.0.0.1 port=$port user=postgres dbname=postgres sslmode=prefer gssencmode=disable application_name=framekit-capture" \
		-c "SELECT version()" \
		-c "CREATE TABLE frames (id int PRIMARY KEY, body text)" \
		-c "INSERT INTO frames SELECT g, repeat(md5(g::text), 3) FROM generate_series(1, 2000) g" \
		-c "SELECT * FROM frames ORDER BY id" \
		-c "SELECT count(*), sum(length(body)) FROM frames" \
		-c "DROP TABLE frames" >/dev/null
	pcap_stop
	stop "$srv"
	SERVER="PostgreSQL $(version postgresql-15) (Debian package postgresql-15), ssl=off, scram-sha-256" \
		CLIENT="psql $(version postgresql-client-15) (libpq), sslmode=prefer gssencmode=disable" \
		NOTES_CLIENT="skip = SSLRequest (8 bytes) + StartupMessage (no type byte; tshark shows both as untyped messages); then SASLInitialResponse and SASLResponse (type p), six simple queries (Q) and Terminate (X)" \
		NOTES_SERVER="skip = 1: the server answers the SSLRequest with the single unframed byte N (tshark shows no message for it); then SCRAM-SHA-256 (R x4), ParameterStatus, BackendKeyData, ReadyForQuery and the results, one of 2000 DataRow messages" \
		emit postgres 0 $port pgsql tshark 1
}

# ---------------------------------------------------------------- DNS (BIND)
cap_dns() {
	local d=$W/dns port=45353 i
	mkdir -p "$d"
	{
		printf '$TTL 3600\n@ IN SOA ns.capture.test. admin.capture.test. 1 3600 600 86400 60\n'
		printf '@ IN NS ns.capture.test.\nns IN A 127.0.0.1\n'
		for i in $(seq 1 3000); do
			printf 'host%d IN A 127.0.%d.%d\n' "$i" $((i / 250)) $((i % 250 + 1))
			printf 'host%d IN TXT "framekit capture record %d: some text so that a zone transfer needs many large messages"\n' "$i" "$i"
		done
	} >"$d/capture.test.zone"
	cat >"$d/named.conf" <<EOF
options {
	directory "$d";
	pid-file "$d/named.pid";
	session-keyfile "$d/session.key";
	listen-on port $port { 127.0.0.1; };
	listen-on-v6 { none; };
	recursion no;
	dnssec-validation no;
	allow-transfer { 127.0.0.1; };
	// BIND 9.18 packs AXFR messages up to 20480 bytes before compression unless told
	// otherwise; 65535 (the most a TCP length prefix allows) makes messages above 32 KiB.
	transfer-message-size 65535;
};
controls { };
zone "capture.test" { type primary; file "$d/capture.test.zone"; };
EOF
	start dns-server named -g -c "$d/named.conf"
	local srv=$LASTPID
	wait_port $port "$srv"
	pcap_start dns $port
	dig @127.0.0.1 -p $port +tcp +keepopen +nocookie capture.test SOA host1.capture.test A \
		host2.capture.test TXT capture.test AXFR >"$d/dig.out"
	pcap_stop
	stop "$srv"
	local xfr
	xfr=$(grep "XFR size" "$d/dig.out" || true)
	SERVER="BIND $(version bind9) (named), primary for a local zone of 6004 records" \
		CLIENT="dig $(version bind9-dnsutils) +tcp +keepopen" \
		NOTES_CLIENT="four queries on one TCP connection (+keepopen): SOA, A, TXT, AXFR" \
		NOTES_SERVER="answers to SOA, A, TXT, then the AXFR in several messages, most above 32 KiB (transfer-message-size 65535; BIND 9.18 default 20480 gives ~16 KiB messages); dig: ${xfr#;; }" \
		emit dns 0 $port dns 0 0
}

# ---------------------------------------------------------------- HTTP/2 (nghttp2)
cap_http2() {
	local d=$W/h2 port=45080
	mkdir -p "$d/www"
	printf '<!doctype html><title>framekit</title><link rel=stylesheet href=/style.css><p>capture\n' >"$d/www/index.html"
	printf 'p { color: #333 }\n' >"$d/www/style.css"
	repeat_bytes 300000 h >"$d/www/big.txt"
	start h2-server nghttpd --no-tls -a 127.0.0.1 -d "$d/www" $port
	local srv=$LASTPID
	wait_port $port "$srv"
	pcap_start http2 $port
	nghttp -nv http://127.0.0.1:$port/index.html http://127.0.0.1:$port/style.css \
		http://127.0.0.1:$port/big.txt >"$d/nghttp.out"
	pcap_stop
	stop "$srv"
	SERVER="nghttpd $(version nghttp2-server) --no-tls" CLIENT="nghttp $(version nghttp2-client) (prior knowledge, h2c)" \
		NOTES_CLIENT="skip = 24: the client connection preface PRI * HTTP/2.0\\r\\n\\r\\nSM\\r\\n\\r\\n; then SETTINGS, PRIORITY frames, three HEADERS requests, WINDOW_UPDATEs, GOAWAY" \
		NOTES_SERVER="SETTINGS, three responses; big.txt (300000 bytes) arrives in DATA frames of 16384 bytes (the default SETTINGS_MAX_FRAME_SIZE)" \
		emit http2 0 $port http2 24 0
}

# ---------------------------------------------------------------- MQTT (mosquitto)
cap_mqtt() {
	local d=$W/mqtt port=45883
	mkdir -p "$d"
	printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\nlog_dest stderr\n' $port >"$d/mosquitto.conf"
	start mqtt-server mosquitto -c "$d/mosquitto.conf"
	local srv=$LASTPID
	wait_port $port "$srv"
	# One line a message: payloads of 10, 1000, 100000 and 2200000 bytes make remaining
	# lengths that take 1, 2, 3 and 4 bytes.
	{
		repeat_bytes 10 a; echo
		repeat_bytes 1000 b; echo
		repeat_bytes 100000 c; echo
		repeat_bytes 2200000 d; echo
	} >"$d/lines"
	pcap_start mqtt $port
	mosquitto_sub -h 127.0.0.1 -p $port -i capture-sub -q 1 -t capture/frames -C 4 >"$d/sub.out" &
	local sub=$!
	PIDS+=($sub)
	sleep 1
	mosquitto_pub -h 127.0.0.1 -p $port -i capture-pub -q 1 -t capture/frames -l <"$d/lines"
	wait "$sub"
	pcap_stop
	stop "$srv"
	SERVER="mosquitto $(version mosquitto)" CLIENT="mosquitto_sub / mosquitto_pub $(version mosquitto-clients), MQTT 3.1.1"
	# Connection 0 is the subscriber, 1 the publisher.
	SELECT=client NOTES_CLIENT="the publisher's connection (mosquitto_pub -q 1 -l): CONNECT, four PUBLISH whose remaining lengths take 1, 2, 3 and 4 bytes (payloads 10, 1000, 100000, 2200000 bytes), DISCONNECT" \
		NOTES_SERVER="" emit mqtt 1 $port mqtt 0 0
	SELECT=server NOTES_CLIENT="" NOTES_SERVER="the subscriber's connection (mosquitto_sub -q 1 -C 4): CONNACK, SUBACK, then the same four PUBLISH as delivered, remaining lengths taking 1, 2, 3 and 4 bytes" \
		emit mqtt 0 $port mqtt 0 0
}

# ---------------------------------------------------------------- MySQL protocol (MariaDB)
cap_mysql() {
	local d=$W/mysql port=45306 i
	mkdir -p "$d/data"
	chown -R mysql: "$d"
	mariadb-install-db --no-defaults --datadir="$d/data" --user=mysql \
		--auth-root-authentication-method=normal --skip-test-db >"$W/mysql-install.log" 2>&1
	start mysql-server mariadbd --no-defaults --datadir="$d/data" --socket="$d/sock" --port=$port \
		--bind-address=127.0.0.1 --user=mysql --pid-file="$d/pid" --log-error="$d/err.log" \
		--max-allowed-packet=64M --local-infile=1 --innodb-buffer-pool-size=64M --skip-log-bin
	local srv=$LASTPID
	wait_port $port "$srv"
	mariadb --no-defaults -S "$d/sock" -u root -e \
		"CREATE USER cap@'127.0.0.1' IDENTIFIED BY 'capture-pw'; GRANT ALL ON *.* TO cap@'127.0.0.1'; CREATE DATABASE capdb"
	for i in $(seq 1 500); do echo "$i,row $i of the file sent by LOAD DATA LOCAL INFILE"; done >"$d/rows.csv"
	{
		echo "CREATE TABLE frames (id INT PRIMARY KEY, body VARCHAR(100));"
		echo "LOAD DATA LOCAL INFILE '$d/rows.csv' INTO TABLE frames FIELDS TERMINATED BY ',';"
		echo "SELECT * FROM frames ORDER BY id;"
		echo "SELECT REPEAT('m', 17000000) AS big;"
		printf "SELECT LENGTH('"; repeat_bytes 17000000 q; echo "') AS big_query;"
		echo "DROP TABLE frames;"
	} >"$d/session.sql"
	pcap_start mysql $port
	mariadb --no-defaults -h 127.0.0.1 -P $port -u cap -pcapture-pw --skip-ssl --local-infile=1 \
		--max-allowed-packet=64M capdb <"$d/session.sql" >"$d/session.out"
	pcap_stop
	stop "$srv"
	SERVER="MariaDB $(version mariadb-server) (mariadbd, max_allowed_packet=64M, local_infile=1)" \
		CLIENT="mariadb $(version mariadb-client) (--skip-ssl --local-infile=1)" \
		NOTES_CLIENT="handshake response, CREATE TABLE, LOAD DATA LOCAL INFILE (the file in 4096-byte packets, frames 4-10, then the zero-length packet that ends it, frame 11), a 17000031-byte COM_QUERY sent as a 16777215-byte (0xFFFFFF) packet (frame 14) and its continuation (frame 15), COM_QUIT" \
		NOTES_SERVER="handshake, OK, the LOAD DATA file request (0xFB), 500 rows, then a 17000000-byte column value: a 16777215-byte (0xFFFFFF) row packet (frame 515) followed by its continuation (frame 516)" \
		emit mysql 0 $port mysql 0 0
}

# ---------------------------------------------------------------- ONC RPC (rpcbind)
cap_rpc() {
	local d=$W/rpc port=111
	mkdir -p "$d"
	# rpcbind has fixed paths under /run and port 111: give it a /run of its own (this
	# script runs in its own mount namespace) and it listens only in this network namespace.
	mount -t tmpfs tmpfs /run
	mkdir -p /run/rpcbind
	# rpcbind listens on every address it has: in this namespace that is only loopback.
	# (Its -h, which would restrict UDP to 127.0.0.1, crashes rpcbind 1.2.6 with a double free.)
	start rpc-server rpcbind -f
	local srv=$LASTPID
	wait_port $port "$srv"
	pcap_start rpc $port
	# Connections 0 to 3: rpcinfo -p and -T tcp (one call each); 4: rpcinfo -t, kept.
	rpcinfo -p 127.0.0.1 >"$d/rpcinfo.out"
	rpcinfo -T tcp 127.0.0.1 >>"$d/rpcinfo.out"
	rpcinfo -t 127.0.0.1 100000 >>"$d/rpcinfo.out"
	pcap_stop
	stop "$srv"
	umount /run
	SERVER="rpcbind $(version rpcbind)" CLIENT="rpcinfo $(version rpcbind) -t 127.0.0.1 100000 (TCP)" \
		NOTES_CLIENT="rpcinfo -t 127.0.0.1 100000 on one TCP connection: a call to version 0 (to learn the range), then NULL calls to versions 2, 3 and 4; each call one record of one fragment, last-fragment bit set" \
		NOTES_SERVER="the four replies (the first a PROG_MISMATCH), each one record of one fragment, last-fragment bit set" \
		emit rpc 4 $port rpc 0 0
}

# ---------------------------------------------------------------- AMQP 0-9-1 (RabbitMQ)
cap_amqp() {
	local d=$W/amqp port=45672
	mkdir -p "$d/home"
	chown -R rabbitmq: "$d"
	cat >"$d/env" <<EOF
HOME=$d/home
RABBITMQ_NODENAME=capture@localhost
RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
RABBITMQ_NODE_PORT=$port
RABBITMQ_DIST_PORT=45673
ERL_EPMD_ADDRESS=127.0.0.1
ERL_EPMD_PORT=45369
RABBITMQ_MNESIA_BASE=$d/mnesia
RABBITMQ_LOG_BASE=$d/log
RABBITMQ_PID_FILE=$d/pid
RABBITMQ_ENABLED_PLUGINS_FILE=$d/enabled_plugins
RABBITMQ_CONFIG_FILE=$d/rabbitmq
EOF
	echo "[]." >"$d/enabled_plugins"
	printf 'loopback_users = none\n' >"$d/rabbitmq.conf"
	chown rabbitmq: "$d/enabled_plugins" "$d/rabbitmq.conf"
	# Our own epmd in the foreground, so that it is stopped with the rest (Erlang would
	# start one as a daemon otherwise).
	start amqp-epmd env $(cat "$d/env") /usr/bin/epmd -address 127.0.0.1 -port 45369
	start amqp-server env $(cat "$d/env") setpriv --reuid=rabbitmq --regid=rabbitmq --init-groups \
		/usr/lib/rabbitmq/bin/rabbitmq-server
	local srv=$LASTPID
	wait_port $port "$srv"
	sleep 2
	local url=amqp://guest:guest@127.0.0.1:$port
	amqp-declare-queue -u "$url" -q capture >/dev/null
	repeat_bytes 400000 r >"$d/body"
	pcap_start amqp $port
	amqp-publish -u "$url" -r capture <"$d/body"
	amqp-consume -u "$url" -q capture -c 1 cat >"$d/got"
	pcap_stop
	env $(cat "$d/env") setpriv --reuid=rabbitmq --regid=rabbitmq --init-groups \
		/usr/lib/rabbitmq/bin/rabbitmqctl -n capture@localhost stop >/dev/null 2>&1 || true
	stop "$srv"
	SERVER="RabbitMQ $(version rabbitmq-server) (frame_max 131072)" CLIENT="amqp-tools $(version amqp-tools) (librabbitmq)"
	SELECT=client NOTES_CLIENT="the publisher's connection (amqp-publish): skip = 8, the protocol header AMQP 0 0 9 1; a 400000-byte body split at the negotiated frame_max 131072 into body frames of 131064 bytes (131072 - 8)" \
		NOTES_SERVER="" emit amqp 0 $port amqp 8 0
	SELECT=server NOTES_CLIENT="" NOTES_SERVER="the consumer's connection (amqp-consume -c 1): connection.start, tune, ..., basic.deliver, content header, the 400000-byte body in frames of at most 131064 bytes" \
		emit amqp 1 $port amqp 8 0
}

# ---------------------------------------------------------------- SMB2 over direct TCP (Samba)
cap_smb2() {
	# Port 445, not a high one: tshark's NBSS dissector reads the 24-bit length of direct
	# TCP only on port 445 (elsewhere the 17-bit NetBIOS one); this namespace is ours alone.
	local d=$W/smb port=445
	mkdir -p "$d"/{share,private,lock,state,cache,pid,ncalrpc}
	chmod 777 "$d/share"
	repeat_bytes 1000000 s >"$d/share/big.txt"
	printf 'hello from framekit\n' >"$d/small.txt"
	cat >"$d/smb.conf" <<EOF
[global]
	server role = standalone server
	smb ports = $port
	interfaces = 127.0.0.1
	bind interfaces only = yes
	disable netbios = yes
	map to guest = Bad User
	private dir = $d/private
	lock directory = $d/lock
	state directory = $d/state
	cache directory = $d/cache
	pid directory = $d/pid
	ncalrpc dir = $d/ncalrpc
	log file = $d/log.%m
	load printers = no
	printcap name = /dev/null
	disable spoolss = yes
[capture]
	path = $d/share
	guest ok = yes
	read only = no
EOF
	# smbd signals its whole process group when it stops: give it a session of its own.
	start smb-server setsid smbd --foreground --no-process-group --debug-stdout -d 1 --configfile="$d/smb.conf"
	local srv=$LASTPID
	wait_port $port "$srv"
	pcap_start smb2 $port
	smbclient //127.0.0.1/capture -p $port -N -m SMB3 -s "$d/smb.conf" \
		-c "ls; get big.txt $d/got; put $d/small.txt small.txt; ls" >"$d/smbclient.out" 2>&1
	pcap_stop
	stop "$srv"
	SERVER="Samba smbd $(version samba), guest share" CLIENT="smbclient $(version smbclient) -m SMB3 -N" \
		NOTES_CLIENT="direct TCP (no NetBIOS session request): NEGOTIATE, SESSION_SETUP, TREE_CONNECT, QUERY_DIRECTORY, READ, WRITE ..." \
		NOTES_SERVER="the 1000000-byte file comes back in large READ responses" \
		emit smb2 0 $port nbss 0 0
}

# ---------------------------------------------------------------- Kafka, MongoDB: built from spec
cap_spec() {
	local proto=$1 port=$2 decode=$3 d=$W/$1
	mkdir -p "$d"
	python3 "$TOOLS" spec "$proto" "$d"
	pcap_start "$proto" "$port"
	python3 "$TOOLS" replay "$d/$proto.client.bin" "$d/$proto.server.bin" "$port" "$d/$proto.lengths.json"
	pcap_stop
	SOURCE="built from spec" SERVER="none (built from spec by tools.py spec $proto)" \
		CLIENT="none (built from spec; replayed over loopback by tools.py replay so tshark could dissect it)" \
		emit "$proto" 0 "$port" "$decode" 0 0
	# The replayed bytes must be exactly the built ones.
	cmp "$d/$proto.client.bin" "$W/$proto.s0.client.bin"
	cmp "$d/$proto.server.bin" "$W/$proto.s0.server.bin"
}
cap_kafka() {
	NOTES_CLIENT="ApiVersions v0, Metadata v0, Produce v0 with a 3-message v0 message set (one 70000-byte value); BE32 size then request header and body. tshark 4.0 frames all three and names them, but misreads the key/value inside a v0 message (the bytes follow the v0 layout CRC, magic, attributes, key, value)" \
		NOTES_SERVER="the three responses, matched by correlation id" cap_spec kafka 9092 kafka
}
cap_mongodb() {
	NOTES_CLIENT="OP_MSG (2013): hello, insert with a kind-1 document sequence of six documents, find; messageLength counts the whole message" \
		NOTES_SERVER="OP_MSG replies, responseTo = the request's requestID; the find reply carries the six documents" \
		cap_spec mongodb 27017 mongo
}

# ---------------------------------------------------------------- TPKT (xrdp, FreeRDP)
cap_tpkt() {
	local d=$W/rdp port=45389
	mkdir -p "$d"
	# xrdp with Standard RDP Security (no TLS) and fast-path off: every PDU then travels in
	# TPKT (fast-path PDUs have no TPKT header, and TLS would hide the TPKTs).
	sed -e 's/^fork=true/fork=false/' -e "s/^port=3389/port=$port/" \
		-e 's/^security_layer=negotiate/security_layer=rdp/' \
		-e 's/^use_fastpath=both/use_fastpath=none/' -e "s|^LogFile=.*|LogFile=$d/xrdp.log|" \
		-e 's/^EnableSyslog=true/EnableSyslog=false/' /etc/xrdp/xrdp.ini >"$d/xrdp.ini"
	# xrdp keeps its pid file and sockets under /run/xrdp: a /run of our own (mount namespace).
	mount -t tmpfs tmpfs /run
	mkdir -p /run/xrdp/sockdir
	start tpkt-xvfb Xvfb :87 -nolisten tcp -screen 0 800x600x24
	start tpkt-server xrdp --nodaemon --config "$d/xrdp.ini"
	local srv=$LASTPID
	wait_port $port "$srv"
	pcap_start tpkt $port
	# No credentials: xrdp draws its login screen (bitmap updates), FreeRDP shows it for 6 s.
	DISPLAY=:87 timeout 6 xfreerdp /v:127.0.0.1:$port /sec:rdp -fast-path /cert:ignore \
		/size:800x600 /bpp:16 >"$W/tpkt-client.log" 2>&1 || true
	pcap_stop
	stop "$srv"
	umount /run
	SERVER="xrdp $(version xrdp) (security_layer=rdp, crypt_level=high, use_fastpath=none)" \
		CLIENT="xfreerdp $(version freerdp2-x11) (/sec:rdp -fast-path) under Xvfb" \
		NOTES_CLIENT="X.224 Connection Request (with the mstshash cookie), then MCS (T.125) PDUs in TPKT: Connect Initial, Erect Domain, Attach User, six Channel Joins, Security Exchange, Client Info, and one more encrypted PDU; xrdp then drops the session (its log: MAC checksum error for non-FIPS PDU, a FreeRDP 2 / xrdp 0.9 mismatch in Standard RDP Security), so the capture holds the connection sequence only" \
		NOTES_SERVER="X.224 Connection Confirm, MCS Connect Response (server data, 525 bytes), Attach User Confirm, six Channel Join Confirms, then the disconnect" \
		emit tpkt 0 $port tpkt 0 0
}

# Each protocol runs in a subshell that stops what it started; a capture that tcpdump or
# tshark finds incomplete (it happens on a busy machine) is made again, up to three times.
failed=()
for p in "${WANT[@]}"; do
	ok=
	for try in 1 2 3; do
		log "$p (try $try)"
		rm -f "$W/entries/$p".*
		set +e # not "if ( ... )": that would switch off errexit inside the subshell
		(
			set -e
			PIDS=()
			trap stop_all EXIT
			NOTES_CLIENT="" NOTES_SERVER="" SOURCE=real SELECT=both
			"cap_$p"
		)
		rc=$?
		set -e
		if ((rc == 0)); then
			ok=1
			break
		fi
	done
	if [[ -z $ok ]]; then
		failed+=("$p")
		rm -f "$W/entries/$p".*
	fi
done
shopt -s nullglob
python3 "$TOOLS" manifest "$HERE" "$W"/entries/*.json
if ((${#failed[@]})); then
	echo "capture.sh: no capture for: ${failed[*]}" >&2
	exit 1
fi
log "done: $HERE/manifest.json"
