#!/usr/bin/env bash
# Soak test: two VTEPs on loopback under churn (ports, VNIs, ageing, spoofed sources, malformed datagrams) for
# SECONDS (default 600), sampling heap after GC, direct memory, open fds and threads every 10 s. Exits non-zero if
# any of them grew (last third's median above the first third's beyond a tolerance; see Growth.java).
#
#   bench/soak/soak.sh            # 10 minutes
#   bench/soak/soak.sh 60         # the CI length (also run by SoakTest in 'mvn verify')
#
# Loopback only (127.0.0.0/8); needs no root. Builds bench/target/benchmarks.jar first unless SKIP_BUILD=1.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds="${1:-600}"
if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  mvn -B -q -pl bench -am -DskipTests package
fi
# A fixed, modest heap so that "heap after GC" means the same on every machine; the leak detector stays off
# (a soak measures the production configuration).
exec java -Xms256m -Xmx256m -XX:MaxDirectMemorySize=256m \
  -cp bench/target/benchmarks.jar io.vtep4j.bench.soak.Soak --seconds "$seconds" --sample-seconds 10 --warmup-seconds 10
