#!/usr/bin/env bash
# Prints the path of an executable that starts Temporal's time-skipping test server (the tests in
# test/workflows/ pass it to TestWorkflowEnvironment.createTimeSkipping as an 'existing-path'
# executable: the SDK's own download of the server comes from a CDN these machines cannot reach).
# It is the Java test server from Maven Central (io.temporal:temporal-test-server, the server the
# SDK would otherwise download as a native image), launched by a small wrapper script that takes
# the same arguments: `<port>`.
# Order: $TEMPORAL_TEST_SERVER_PATH; .tools/temporal-test-server-<version> (git-ignored); the
# machine-wide cache ~/.cache/kyc-service/ (survives fresh clones on the same machine); else the
# jars are resolved with Maven (installed from Debian with a Java runtime when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=1.38.0
NAME="temporal-test-server-$VERSION"
LOCAL=".tools/$NAME"
SHARED="${XDG_CACHE_HOME:-$HOME/.cache}/kyc-service/$NAME"
EXE=temporal-test-server

complete() { [ -x "$1/$EXE" ] && [ -f "$1/lib/temporal-test-server-$VERSION.jar" ]; }

if [ -n "${TEMPORAL_TEST_SERVER_PATH:-}" ] && [ -x "$TEMPORAL_TEST_SERVER_PATH" ]; then echo "$TEMPORAL_TEST_SERVER_PATH"; exit 0; fi
if complete "$LOCAL"; then
  complete "$SHARED" || { rm -rf "$SHARED.tmp" && mkdir -p "$(dirname "$SHARED")" && cp -r "$LOCAL" "$SHARED.tmp" && mv "$SHARED.tmp" "$SHARED"; }
  echo "$PWD/$LOCAL/$EXE"; exit 0
fi
if complete "$SHARED"; then
  rm -rf "$LOCAL.tmp" && mkdir -p .tools && cp -r "$SHARED" "$LOCAL.tmp" && mv "$LOCAL.tmp" "$LOCAL"
  echo "$PWD/$LOCAL/$EXE"; exit 0
fi

if ! command -v mvn >/dev/null 2>&1 || ! command -v java >/dev/null 2>&1; then
  as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
  echo "installing Maven and a Java runtime (Debian packages)..." >&2
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get -o DPkg::Lock::Timeout=900 update -qq >&2
  as_root apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends maven default-jre-headless >&2
fi

echo "fetching the Temporal test server $VERSION and its dependencies from Maven Central (first time only, under a minute)..." >&2
start=$(date +%s)
build="$PWD/$LOCAL.tmp"
rm -rf "$build" && mkdir -p "$build/lib"
# The server logs through SLF4J; slf4j-nop keeps its "no binding" warning off the test output.
cat > "$build/pom.xml" <<EOF
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.kyc</groupId>
  <artifactId>temporal-test-server-launcher</artifactId>
  <version>1</version>
  <dependencies>
    <dependency><groupId>io.temporal</groupId><artifactId>temporal-test-server</artifactId><version>$VERSION</version></dependency>
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-nop</artifactId><version>1.7.36</version></dependency>
  </dependencies>
</project>
EOF
if ! mvn -B -f "$build/pom.xml" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$build/lib" > "$build/maven.log" 2>&1; then
  cat "$build/maven.log" >&2
  exit 1
fi
rm "$build/pom.xml" "$build/maven.log"
# The SDK starts the executable with the port as its only argument and stops it with a signal:
# exec, so the signal reaches the JVM. The test server keeps everything in memory and each test
# file starts its own, so a small heap and the quick-starting compiler suit it.
cat > "$build/$EXE" <<'EOF'
#!/usr/bin/env bash
exec java -Xmx512m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -cp "$(dirname "$0")/lib/*" io.temporal.testserver.TestServer "$@"
EOF
chmod +x "$build/$EXE"
mv "$build" "$LOCAL"
echo "Temporal test server fetched in $(( $(date +%s) - start ))s" >&2
rm -rf "$SHARED.tmp" && mkdir -p "$(dirname "$SHARED")" && cp -r "$LOCAL" "$SHARED.tmp" && mv "$SHARED.tmp" "$SHARED"
echo "$PWD/$LOCAL/$EXE"
