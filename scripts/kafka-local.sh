#!/usr/bin/env bash
# A real, single-node Apache Kafka broker (KRaft: broker and controller in one JVM) on loopback, for tests,
# CI and developers, with nothing but Java 17+ and Maven: the broker's jars are the org.apache.kafka artifacts
# of one pinned release, fetched from Maven Central and cached between runs.
#
#   scripts/kafka-local.sh start    fetch (first run only), format, start; returns once the broker answers a
#                                   metadata request; the last word printed is the bootstrap address host:port
#   scripts/kafka-local.sh stop     stop it (SIGTERM, then SIGKILL after KAFKA_STOP_TIMEOUT) and delete its data
#   scripts/kafka-local.sh stop --keep-data
#                                   stop it the same way but keep its data, configuration and address: the next
#                                   `start` relaunches that broker (no formatting) on the same ports, with the
#                                   same cluster id, topics and committed transactions, and fails if either
#                                   port has been taken meanwhile; a plain `stop` then deletes it all
#   scripts/kafka-local.sh status   prints the address and exits 0 if it runs; exits 3 if not (also when stopped
#                                   with --keep-data)
#   scripts/kafka-local.sh logs     the tail of the broker's log
#
# Settings (environment):
#   KAFKA_VERSION        the org.apache.kafka release (default below); brokers of 4.x need Java 17+
#   KAFKA_PORT           the client listener's port (default: a free one); KAFKA_CONTROLLER_PORT likewise
#   KAFKA_HEAP_OPTS      JVM heap (default -Xms512m -Xmx512m)
#   KAFKA_LOCAL_DIR      state: properties, data, log, pid (default: .kafka/ in the repo, gitignored)
#   KAFKA_JARS_CACHE     where fetched jars are kept (default: ~/.cache/samverkan-kafka), shared by clones
#   KAFKA_START_TIMEOUT  seconds to wait for the broker (default 120: a restart on two busy cores took over 60); KAFKA_STOP_TIMEOUT (default 30)
#   JAVA_HOME            the Java to run it with (default: java on PATH)
set -euo pipefail

# 4.4.0: the newest 4.x release Maven Central serves here. Its broker classes are Java 17 bytecode and it runs
# on Java 17; kafkajs 2.2.4 works against it (test/kafka/broker.int-spec.ts checks the calls the relay uses).
readonly DEFAULT_KAFKA_VERSION=4.4.0
readonly DEPENDENCY_PLUGIN=org.apache.maven.plugins:maven-dependency-plugin:3.8.1

KAFKA_VERSION=${KAFKA_VERSION:-$DEFAULT_KAFKA_VERSION}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STATE=${KAFKA_LOCAL_DIR:-$ROOT/.kafka}
CACHE=${KAFKA_JARS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/samverkan-kafka}/kafka-$KAFKA_VERSION
LIBS=$CACHE/libs
HOST=127.0.0.1

PID_FILE=$STATE/kafka.pid
ADDRESS_FILE=$STATE/address
# Written by `stop --keep-data`: "port controller_port" of the broker whose data is kept for the next start.
KEPT_FILE=$STATE/kept
LOG_FILE=$STATE/server.log
PROPS=$STATE/server.properties
LOG4J=$STATE/log4j2.properties
DATA=$STATE/data

say() { echo "kafka-local: $*" >&2; }
die() { say "$*"; exit 1; }

# ---------------------------------------------------------------------------------------------------- java
java_bin() {
  if [[ -n ${JAVA_HOME:-} && -x $JAVA_HOME/bin/java ]]; then echo "$JAVA_HOME/bin/java"
  elif command -v java >/dev/null; then command -v java
  else die "no Java found: install a JDK 17 or newer (e.g. apt-get install openjdk-17-jdk-headless) or set JAVA_HOME"
  fi
}

java_major() { # "17.0.15" -> 17, "1.8.0_392" -> 8
  local v
  v=$("$1" -version 2>&1 | sed -n 's/.* version "\([^"]*\)".*/\1/p' | head -1)
  [[ $v == 1.* ]] && v=${v#1.}
  echo "${v%%[.+-]*}"
}

JAVA=$(java_bin)
check_java() {
  local major
  major=$(java_major "$JAVA")
  [[ $major =~ ^[0-9]+$ ]] || die "cannot tell the version of $JAVA"
  ((major >= 17)) || die "$JAVA is Java $major; Kafka $KAFKA_VERSION brokers need Java 17 or newer (set JAVA_HOME)"
}

# -------------------------------------------------------------------------------------------------- fetching
# The jars of kafka_2.13 (the broker: kafka.Kafka, kafka.tools.StorageTool) and its runtime dependencies, plus
# the log4j binding for the slf4j it uses (the distribution adds that one itself; the pom does not).
fetch_jars() {
  [[ -f $CACHE/.complete ]] && return 0
  command -v mvn >/dev/null || die "Maven (mvn) is needed once to fetch the Kafka $KAFKA_VERSION jars from Maven Central"
  say "fetching the Kafka $KAFKA_VERSION jars with Maven into $CACHE (first run only)"
  mkdir -p "$CACHE"
  local work
  work=$(mktemp -d "$CACHE/.fetch.XXXXXX")
  cat >"$work/pom.xml" <<EOF
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.samverkan</groupId>
  <artifactId>kafka-local</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.apache.kafka</groupId>
      <artifactId>kafka_2.13</artifactId>
      <version>$KAFKA_VERSION</version>
    </dependency>
  </dependencies>
</project>
EOF
  local mvn=(mvn -B -q -Dstyle.color=never -f "$work/pom.xml")
  if ! "${mvn[@]}" "$DEPENDENCY_PLUGIN:copy-dependencies" -DincludeScope=runtime -DoutputDirectory="$work/libs" >"$work/mvn.log" 2>&1; then
    tail -40 "$work/mvn.log" >&2
    rm -rf "$work"
    die "Maven could not fetch org.apache.kafka:kafka_2.13:$KAFKA_VERSION"
  fi
  # log4j2's binding for the slf4j-api that came along: log4j-slf4j-impl for slf4j 1.x, log4j-slf4j2-impl for 2.x.
  local log4j slf4j binding
  log4j=$(cd "$work/libs" && ls log4j-api-*.jar 2>/dev/null | sed 's/^log4j-api-\(.*\)\.jar$/\1/' | head -1)
  slf4j=$(cd "$work/libs" && ls slf4j-api-*.jar 2>/dev/null | sed 's/^slf4j-api-\(.*\)\.jar$/\1/' | head -1)
  if [[ -n $log4j && -n $slf4j ]]; then
    binding=log4j-slf4j-impl
    [[ $slf4j == 1.* ]] || binding=log4j-slf4j2-impl
    if ! "${mvn[@]}" "$DEPENDENCY_PLUGIN:copy" -Dartifact="org.apache.logging.log4j:$binding:$log4j" \
      -DoutputDirectory="$work/libs" >>"$work/mvn.log" 2>&1; then
      say "could not fetch org.apache.logging.log4j:$binding:$log4j: the broker will run, but log nothing"
    fi
  fi
  [[ -n $(ls "$work/libs"/kafka_2.13-*.jar 2>/dev/null) ]] || die "Maven fetched no kafka_2.13 jar (see $work/mvn.log)"
  rm -rf "$LIBS"
  mv "$work/libs" "$LIBS"
  rm -rf "$work"
  compile_probe || true
  touch "$CACHE/.complete"
}

# A tiny admin client that asks the broker for its cluster (DescribeCluster, then Metadata): the broker is
# ready when it answers. Compiled once into the cache; without javac it is run from source (Java 11+).
PROBE_SRC='
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterResult;
public class KafkaReady {
  public static void main(String[] args) throws Exception {
    Properties p = new Properties();
    p.put("bootstrap.servers", args[0]);
    p.put("request.timeout.ms", "3000");
    p.put("default.api.timeout.ms", "5000");
    try (Admin admin = Admin.create(p)) {
      DescribeClusterResult cluster = admin.describeCluster();
      int nodes = cluster.nodes().get(5, TimeUnit.SECONDS).size();
      if (nodes == 0 || cluster.controller().get(5, TimeUnit.SECONDS) == null) System.exit(1);
      admin.listTopics().names().get(5, TimeUnit.SECONDS);
      System.out.println(cluster.clusterId().get(5, TimeUnit.SECONDS) + " " + nodes);
    }
  }
}'

compile_probe() {
  local javac
  javac=$(dirname "$(readlink -f "$JAVA")")/javac
  [[ -x $javac ]] || return 1
  mkdir -p "$CACHE/probe"
  printf '%s\n' "$PROBE_SRC" >"$CACHE/probe/KafkaReady.java"
  "$javac" -nowarn --release 17 -d "$CACHE/probe" -cp "$LIBS/*" "$CACHE/probe/KafkaReady.java" >/dev/null 2>&1
}

# 0: the broker answered a metadata request. Quiet: its client logs go to the broker's log file.
probe() {
  local quiet=(-Dlog4j2.configurationFile="$STATE/probe-log4j2.properties")
  if [[ -f $CACHE/probe/KafkaReady.class ]]; then
    "$JAVA" -Xmx64m -XX:TieredStopAtLevel=1 "${quiet[@]}" -cp "$CACHE/probe:$LIBS/*" KafkaReady "$1" >>"$LOG_FILE" 2>&1
  else
    [[ -f $CACHE/probe/KafkaReady.java ]] || { mkdir -p "$CACHE/probe"; printf '%s\n' "$PROBE_SRC" >"$CACHE/probe/KafkaReady.java"; }
    "$JAVA" -Xmx64m "${quiet[@]}" -cp "$LIBS/*" "$CACHE/probe/KafkaReady.java" "$1" >>"$LOG_FILE" 2>&1
  fi
}

# -------------------------------------------------------------------------------------------------- process
# The pid of our broker if it runs: the pid file's process, if it is a JVM started with our properties file.
running_pid() {
  [[ -f $PID_FILE ]] || return 1
  local pid
  pid=$(cat "$PID_FILE" 2>/dev/null) || return 1
  [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "kafka.Kafka $PROPS" || return 1
  echo "$pid"
}

port_open() { (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }

free_port() { # a port nothing listens on now; a race with another process is caught by retrying the start
  local port tries=0 exclude=${1:-}
  while ((tries++ < 200)); do
    port=$((20000 + RANDOM % 40000))
    [[ $port == "$exclude" ]] && continue
    port_open "$port" || { echo "$port"; return 0; }
  done
  die "found no free port"
}

random_cluster_id() { # a Kafka Uuid: 16 random bytes, base64url without padding; not starting with '-'
  local id
  while :; do
    id=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')
    [[ $id != -* && ${#id} == 22 ]] && { echo "$id"; return; }
  done
}

write_config() {
  local port=$1 controller_port=$2
  cat >"$PROPS" <<EOF
# Written by scripts/kafka-local.sh: one node that is both broker and controller (KRaft), on loopback only.
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=$HOST:$controller_port
listeners=PLAINTEXT://$HOST:$port,CONTROLLER://$HOST:$controller_port
advertised.listeners=PLAINTEXT://$HOST:$port
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$DATA
num.partitions=1
default.replication.factor=1
min.insync.replicas=1
auto.create.topics.enable=false
delete.topic.enable=true
# One replica of the internal topics, and few partitions of them: they are created on first use, and fifty
# (the default) take seconds on a small machine.
offsets.topic.replication.factor=1
offsets.topic.num.partitions=4
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=4
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
num.network.threads=2
num.io.threads=4
log.retention.hours=24
EOF
  cat >"$LOG4J" <<EOF
status = warn
appender.out.type = Console
appender.out.name = OUT
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.out.ref = OUT
# the full configuration dumps at start-up say nothing the properties file does not
logger.config.name = org.apache.kafka.common.config.AbstractConfig
logger.config.level = WARN
logger.request.name = kafka.request.logger
logger.request.level = WARN
EOF
  cat >"$STATE/probe-log4j2.properties" <<EOF
status = error
appender.out.type = Console
appender.out.name = OUT
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] [readiness probe] %p %m (%c)%n
rootLogger.level = ERROR
rootLogger.appenderRef.out.ref = OUT
EOF
}

clean_state() {
  rm -rf "$DATA"
  rm -f "$PID_FILE" "$ADDRESS_FILE" "$KEPT_FILE" "$PROPS" "$LOG4J" "$STATE/probe-log4j2.properties" "$STATE/cluster-id" "$STATE/version"
}

# One attempt: write, format, launch, wait. Returns 0 when ready, 2 when a port was taken, 1 on other failures.
launch() {
  local port=$1 controller_port=$2 cluster_id
  clean_state
  mkdir -p "$DATA"
  write_config "$port" "$controller_port"
  cluster_id=$(random_cluster_id)
  echo "$cluster_id" >"$STATE/cluster-id"
  echo "$KAFKA_VERSION" >"$STATE/version"
  : >"$LOG_FILE"
  if ! "$JAVA" -Xmx256m "${JVM_OPTS[@]}" kafka.tools.StorageTool format --standalone -t "$cluster_id" -c "$PROPS" >>"$LOG_FILE" 2>&1; then
    tail -30 "$LOG_FILE" >&2
    die "formatting the storage failed (log: $LOG_FILE)"
  fi
  run_broker "$port"
}

# Whether the broker's log from byte $1 on holds the text $2. grep -c reads all of it: with pipefail,
# `tail | grep -q` fails when grep finds the line and stops reading while tail still writes (SIGPIPE), as a busy
# broker's log made happen after a restart.
log_has() {
  tail -c +"$1" "$LOG_FILE" | grep -cF -- "$2" >/dev/null
}

# Runs the broker of the formatted state in $STATE and waits until it answers on $1. Only the log written from
# now on counts: a relaunched broker's log still holds the previous run's "Kafka Server started".
run_broker() {
  local port=$1 pid deadline log_start waiting_for="the first check"
  log_start=$(($(stat -c %s "$LOG_FILE" 2>/dev/null || echo 0) + 1))
  # G1 as Kafka's operations guide sets it, with its 16 MB regions: at the default 1 MB a produce request of
  # over 512 KB (a relay transaction of a few hundred events) is a "humongous" object, and each one started a
  # garbage collection; the relay benchmark's broker spent half its CPU time collecting. The heap is fixed
  # in size so that it is not grown and shrunk under load.
  # shellcheck disable=SC2086 # KAFKA_HEAP_OPTS is a list of options
  setsid nohup "$JAVA" ${KAFKA_HEAP_OPTS:--Xms512m -Xmx512m} -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:G1HeapRegionSize=16M "${JVM_OPTS[@]}" \
    kafka.Kafka "$PROPS" </dev/null >>"$LOG_FILE" 2>&1 9>&- &
  pid=$!
  echo "$pid" >"$PID_FILE"
  deadline=$((SECONDS + ${KAFKA_START_TIMEOUT:-120}))
  while ((SECONDS < deadline)); do
    if ! kill -0 "$pid" 2>/dev/null; then
      if log_has "$log_start" 'Address already in use'; then
        say "a port is taken: $(tail -c +"$log_start" "$LOG_FILE" | grep -m1 -o 'failed to bind to [^ ]*' || echo 'Address already in use')"
        return 2
      fi
      say "the broker exited while starting; the end of its log ($LOG_FILE):"
      tail -40 "$LOG_FILE" >&2
      return 1
    fi
    # Which check failed last is said on a timeout: a broker whose log says it serves may still refuse the probe.
    if ! port_open "$port"; then
      waiting_for="its port $port to open"
    elif ! log_has "$log_start" 'Kafka Server started'; then
      waiting_for="\"Kafka Server started\" in its log after byte $log_start"
    elif ! probe "$HOST:$port"; then
      waiting_for="the readiness probe (see its lines marked [readiness probe] in the log)"
    else
      echo "$HOST:$port" >"$ADDRESS_FILE"
      return 0
    fi
    sleep 0.5
  done
  say "the broker did not answer within ${KAFKA_START_TIMEOUT:-120} s, still waiting for $waiting_for; the end of its log ($LOG_FILE):"
  tail -40 "$LOG_FILE" >&2
  stop_pid "$pid"
  return 1
}

JVM_OPTS=(-Dlog4j2.configurationFile="$LOG4J" -Djava.awt.headless=true -cp "$LIBS/*")

# Relaunches the broker that `stop --keep-data` left: same properties (so the same ports), data and cluster id;
# no formatting. Fails, keeping the state, if it cannot have its old ports back.
resume_kept() {
  local port controller_port kept_version status=0
  read -r port controller_port <"$KEPT_FILE" || true
  [[ $port =~ ^[0-9]+$ && $controller_port =~ ^[0-9]+$ && -f $PROPS && -f $DATA/meta.properties ]] ||
    die "$STATE holds no complete kept broker ($KEPT_FILE, $PROPS, $DATA/meta.properties); run \`$0 stop\` to discard it"
  kept_version=$(cat "$STATE/version" 2>/dev/null || echo unknown)
  [[ $kept_version == "$KAFKA_VERSION" ]] ||
    die "the kept broker in $STATE is Kafka $kept_version, not $KAFKA_VERSION; set KAFKA_VERSION=$kept_version, or \`$0 stop\` to discard it"
  if [[ -n ${KAFKA_PORT:-} && $KAFKA_PORT != "$port" ]] || [[ -n ${KAFKA_CONTROLLER_PORT:-} && $KAFKA_CONTROLLER_PORT != "$controller_port" ]]; then
    die "the kept broker in $STATE listens on $HOST:$port (controller $controller_port), not the KAFKA_PORT/KAFKA_CONTROLLER_PORT asked for; \`$0 stop\` discards it"
  fi
  local p
  for p in "$port" "$controller_port"; do
    if port_open "$p"; then
      die "port $p of the kept broker ($HOST:$port, controller $HOST:$controller_port) is taken by another process; it cannot restart on the same address. Its data is kept in $STATE: free the port and start again, or \`$0 stop\` to discard it"
    fi
  done
  say "restarting the kept Kafka $KAFKA_VERSION broker (KRaft) on $HOST:$port, controller on $HOST:$controller_port, data in $DATA"
  echo "---- kafka-local.sh: restarting with the kept data ----" >>"$LOG_FILE"
  run_broker "$port" || status=$?
  if ((status == 2)); then
    die "a port of the kept broker ($HOST:$port, controller $HOST:$controller_port) was taken; it cannot restart on the same address. Its data is kept in $STATE: free the port and start again, or \`$0 stop\` to discard it"
  fi
  ((status == 0)) || die "could not restart the kept broker; its data is kept in $STATE (\`$0 stop\` discards it)"
  rm -f "$KEPT_FILE"
}

stop_pid() {
  local pid=$1 deadline
  kill -TERM "$pid" 2>/dev/null || return 0
  deadline=$((SECONDS + ${KAFKA_STOP_TIMEOUT:-30}))
  while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.2; done
  if kill -0 "$pid" 2>/dev/null; then
    say "the broker (pid $pid) did not stop within ${KAFKA_STOP_TIMEOUT:-30} s: killing it"
    kill -KILL "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  fi
}

# One start or stop at a time (parallel test workers, a developer's shell).
lock() {
  mkdir -p "$STATE"
  exec 9>"$STATE/.lock"
  if command -v flock >/dev/null; then
    flock -w 180 9 || die "another kafka-local.sh held $STATE/.lock for 3 minutes"
  fi
}

# ---------------------------------------------------------------------------------------------- subcommands
cmd_start() {
  lock
  local pid
  if pid=$(running_pid) && [[ -f $ADDRESS_FILE ]]; then
    say "already running (pid $pid, Kafka $(cat "$STATE/version" 2>/dev/null))"
    echo "bootstrap $(cat "$ADDRESS_FILE")"
    return 0
  fi
  [[ -n ${pid:-} ]] && stop_pid "$pid" # running, but never became ready
  check_java
  local began=$SECONDS
  fetch_jars
  if [[ -f $KEPT_FILE ]]; then
    resume_kept
    say "ready in $((SECONDS - began)) s (pid $(cat "$PID_FILE"), log $LOG_FILE)"
    echo "bootstrap $(cat "$ADDRESS_FILE")"
    return 0
  fi
  local attempt port controller_port status
  for attempt in 1 2 3; do
    port=${KAFKA_PORT:-$(free_port)}
    controller_port=${KAFKA_CONTROLLER_PORT:-$(free_port "$port")}
    say "starting Kafka $KAFKA_VERSION (KRaft) on $HOST:$port, controller on $HOST:$controller_port, data in $DATA"
    status=0
    launch "$port" "$controller_port" || status=$?
    if ((status == 0)); then
      say "ready in $((SECONDS - began)) s (pid $(cat "$PID_FILE"), log $LOG_FILE)"
      echo "bootstrap $HOST:$port"
      return 0
    fi
    if ((status == 2)) && [[ -z ${KAFKA_PORT:-} && -z ${KAFKA_CONTROLLER_PORT:-} ]]; then
      say "a port was taken meanwhile; trying others"
      continue
    fi
    break
  done
  clean_state
  die "could not start Kafka"
}

cmd_stop() {
  local keep=false
  case ${1:-} in
    --keep-data) keep=true ;;
    '') ;;
    *) die "stop takes only --keep-data, not $1" ;;
  esac
  lock
  local pid port controller_port
  if pid=$(running_pid); then
    say "stopping the broker (pid $pid)"
    stop_pid "$pid"
  else
    say "not running"
  fi
  if $keep; then
    rm -f "$PID_FILE" "$ADDRESS_FILE"
    [[ -f $KEPT_FILE ]] && { say "its data stays kept in $STATE"; return 0; }
    port=$(sed -n 's|^listeners=PLAINTEXT://[^,]*:\([0-9]*\),.*|\1|p' "$PROPS" 2>/dev/null)
    controller_port=$(sed -n 's|^listeners=.*CONTROLLER://[^,]*:\([0-9]*\).*|\1|p' "$PROPS" 2>/dev/null)
    if [[ -n $port && -n $controller_port && -f $DATA/meta.properties ]]; then
      echo "$port $controller_port" >"$KEPT_FILE"
      say "kept its data in $STATE: \`start\` restarts it on $HOST:$port"
    else
      say "there is no formatted broker in $STATE to keep"
    fi
    return 0
  fi
  clean_state
  rm -f "$LOG_FILE" "$STATE/.lock"
  rmdir "$STATE" 2>/dev/null || true
}

cmd_status() {
  local pid
  if pid=$(running_pid) && [[ -f $ADDRESS_FILE ]]; then
    say "running (pid $pid)"
    echo "bootstrap $(cat "$ADDRESS_FILE")"
  else
    if [[ -f $KEPT_FILE ]]; then say "not running (stopped with its data kept: start restarts it on $HOST:$(cut -d' ' -f1 "$KEPT_FILE"))"
    else say "not running"
    fi
    exit 3
  fi
}

case ${1:-} in
  start) cmd_start ;;
  stop) cmd_stop "${2:-}" ;;
  status) cmd_status ;;
  logs) tail -n "${2:-80}" "$LOG_FILE" ;;
  *)
    echo "usage: $0 start | stop [--keep-data] | status | logs [lines]" >&2
    exit 2
    ;;
esac
