#!/usr/bin/env bash
# Builds gpu/bundle/: what a GPU machine without Java needs to run the GPU tests and the encoder
# throughput comparison. It holds
#   jre/                 a jlink'ed Java runtime (only the modules the jar needs, jdk.incubator.vector too)
#   textintel-gpu.jar    one jar: the JUnit console launcher, model-serving's classes and test classes,
#                        and their runtime dependencies with natives for linux-x86_64 only
#   BUILD.txt            the commit it was built from and what went in
# and fails when the bundle and the repository's tracked files together exceed the 64 MiB that the
# device machine is sent. Nothing here is installed into ~/.m2: model-serving is compiled in place.
#
# Usage: gpu/build-bundle.sh            (from anywhere; JDK 17 with jmods at $JLINK_JDK)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUNDLE="$ROOT/gpu/bundle"
JLINK_JDK="${JLINK_JDK:-/usr/lib/jvm/java-17-openjdk-amd64}"
CONSOLE_VERSION="${CONSOLE_VERSION:-1.14.4}" # the JUnit Platform of junit.version 5.14.4
BUDGET_BYTES=$((64 * 1024 * 1024))
M2="${MAVEN_REPO:-$HOME/.m2/repository}"

die() { echo "build-bundle: $*" >&2; exit 1; }
[ -x "$JLINK_JDK/bin/jlink" ] || die "no jlink at $JLINK_JDK/bin/jlink; set JLINK_JDK to a JDK 17 with jmods"
[ -d "$JLINK_JDK/jmods" ] || die "$JLINK_JDK has no jmods/ folder, expected a JDK whose jlink links from jmods"

cd "$ROOT"
start=$(date +%s)
echo "== compiling model-serving (main and test classes, in place)"
./mvnw -B -o -q -pl model-serving -am test-compile

echo "== resolving the test classpath"
CP_FILE="$(mktemp)"
trap 'rm -f "$CP_FILE"' EXIT
./mvnw -B -o -q -pl model-serving dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$CP_FILE"
CONSOLE_JAR="$M2/org/junit/platform/junit-platform-console-standalone/$CONSOLE_VERSION/junit-platform-console-standalone-$CONSOLE_VERSION.jar"
if [ ! -f "$CONSOLE_JAR" ]; then
    ./mvnw -B -q dependency:get -Dartifact="org.junit.platform:junit-platform-console-standalone:$CONSOLE_VERSION" \
        || die "could not fetch junit-platform-console-standalone $CONSOLE_VERSION from Maven Central"
fi

# Left out: JUnit and its API jars (the console launcher carries the same versions); the test-only
# ONNX Runtime and shipped-model jars (golden CPU tests, ~270 MB, not run on the GPU); Byte Buddy
# (AssertJ needs it only for soft assertions and proxies, which the GPU tests do not use); Jinjava and
# what only it brings in (chat templates: decoder text tasks, which do not run on the GPU).
EXCLUDE='/org/junit/|/org/opentest4j/|/org/apiguardian/|/com/microsoft/onnxruntime/|/dev/langchain4j/|/net/bytebuddy/'
EXCLUDE+='|/com/hubspot/|/com/google/guava/|/com/google/code/findbugs/|/org/checkerframework/|/com/google/j2objc/'
EXCLUDE+='|/org/javassist/|/com/google/re2j/|/org/apache/commons/commons-lang3/|/commons-net/|/com/googlecode/java-ipv6/'
EXCLUDE+='|/jackson-dataformat-yaml/|/org/yaml/|/jackson-datatype-jdk8/|/ch/obermuhlner/|/com/google/errorprone/'
EXCLUDE+='|/org/immutables/|/org/derive4j/'
# Log4j (the tests' logger) needs java.beans, that is java.desktop, 10 MiB of runtime: SLF4J's simple
# logger of the same SLF4J version takes its place
EXCLUDE+='|/org/apache/logging/log4j/'
SLF4J_VERSION="$(tr ':' '\n' < "$CP_FILE" | sed -n 's|.*/slf4j-api/\([^/]*\)/.*|\1|p' | head -1)"
SIMPLE_JAR="$M2/org/slf4j/slf4j-simple/$SLF4J_VERSION/slf4j-simple-$SLF4J_VERSION.jar"
if [ ! -f "$SIMPLE_JAR" ]; then
    ./mvnw -B -q dependency:get -Dartifact="org.slf4j:slf4j-simple:$SLF4J_VERSION" \
        || die "could not fetch slf4j-simple $SLF4J_VERSION from Maven Central"
fi
mapfile -t JARS < <(tr ':' '\n' < "$CP_FILE" | grep -v -E "$EXCLUDE" | grep '\.jar$'; echo "$SIMPLE_JAR")

echo "== assembling textintel-gpu.jar from ${#JARS[@]} dependency jars"
rm -rf "$BUNDLE"
mkdir -p "$BUNDLE"
STAGE="$(mktemp -d)"
UNPACK="$(mktemp -d)"
trap 'rm -rf "$CP_FILE" "$STAGE" "$UNPACK"' EXIT
mkdir -p "$STAGE/META-INF/services"
add_tree() { # merges a directory of classes into the stage; service files are concatenated
    local dir="$1"
    if [ -d "$dir/META-INF/services" ]; then
        for service in "$dir"/META-INF/services/*; do
            [ -f "$service" ] || continue
            cat "$service" >> "$STAGE/META-INF/services/$(basename "$service")"
            echo >> "$STAGE/META-INF/services/$(basename "$service")"
        done
        rm -rf "$dir/META-INF/services"
    fi
    rm -f "$dir"/META-INF/MANIFEST.MF "$dir"/META-INF/*.SF "$dir"/META-INF/*.DSA "$dir"/META-INF/*.RSA \
        "$dir"/module-info.class "$dir"/META-INF/versions/*/module-info.class
    # natives for linux-x86_64 only, and none that the GPU run loads: the DJL tokenizer's (the tests
    # and the throughput run feed token ids), JCuda's PTX compiler and NVRTC (the PTX is committed and
    # loaded through the driver; NVRTC does not load against CUDA 13 anyway)
    rm -rf "$dir/native/lib" "$dir"/lib/libJNvPTXCompiler-* "$dir"/lib/libJNvrtc-*
    if [ -d "$dir/com/sun/jna" ]; then
        find "$dir/com/sun/jna" -mindepth 1 -maxdepth 1 -type d ! -name 'linux-x86-64' ! -name 'ptr' \
            ! -name 'internal' ! -name 'win32' -exec rm -rf {} +
    fi
    cp -r "$dir/." "$STAGE/"
}
for jar in "$CONSOLE_JAR" "${JARS[@]}"; do
    rm -rf "$UNPACK" && mkdir -p "$UNPACK"
    (cd "$UNPACK" && "$JLINK_JDK/bin/jar" xf "$jar")
    add_tree "$UNPACK"
done
for classes in model-serving/target/classes model-serving/target/test-classes; do
    rm -rf "$UNPACK" && mkdir -p "$UNPACK"
    cp -r "$classes/." "$UNPACK/"
    add_tree "$UNPACK"
done
printf 'Main-Class: org.junit.platform.console.ConsoleLauncher\nMulti-Release: true\n' > "$UNPACK.manifest"
"$JLINK_JDK/bin/jar" --create --file "$BUNDLE/textintel-gpu.jar" --manifest "$UNPACK.manifest" -C "$STAGE" .
rm -f "$UNPACK.manifest"

echo "== linking the Java runtime"
# Named, not taken from jdeps: jdeps lists every module any class of the jar could reach (java.desktop
# for Jinjava's java.beans, jdk.jdi, java.rmi, ...), twice the size, for code the GPU run never loads.
# java.xml: the JUnit XML report; jdk.zipfs: JUnit's scan of the jar for test classes; java.sql:
# Jackson's optional java.sql types; jdk.unsupported: Unsafe for JNA and protobuf;
# jdk.incubator.vector: the CPU kernels' Vector API path.
MODULES="${MODULES:-java.base,java.logging,java.xml,jdk.zipfs,java.sql,jdk.unsupported,jdk.incubator.vector}"
"$JLINK_JDK/bin/jlink" --add-modules "$MODULES" --output "$BUNDLE/jre" \
    --strip-debug --no-man-pages --no-header-files --compress=2
# the JDK's libjvm.so keeps its symbol table (4 MiB) through --strip-debug
if command -v strip > /dev/null; then
    strip --strip-unneeded "$BUNDLE"/jre/lib/server/libjvm.so
fi
"$BUNDLE/jre/bin/java" --add-modules jdk.incubator.vector -version > /dev/null 2>&1 \
    || die "the linked runtime does not start"

{
    echo "commit: $(git rev-parse HEAD)$(git diff --quiet HEAD -- model-serving || echo ' (with uncommitted changes in model-serving)')"
    echo "built: $(date -u +%Y-%m-%dT%H:%M:%SZ) by $JLINK_JDK"
    echo "modules: $MODULES"
    echo "console launcher: $CONSOLE_VERSION"
    echo "jars:"
    printf '  %s\n' "${JARS[@]##*/}"
} > "$BUNDLE/BUILD.txt"

bundle_bytes=$(du -sb "$BUNDLE" | cut -f1)
tracked_bytes=$(git ls-files -z | xargs -0 stat -c %s 2>/dev/null | awk '{s += $1} END {print s + 0}')
total=$((bundle_bytes + tracked_bytes))
mib() { awk -v b="$1" 'BEGIN {printf "%.1f MiB", b / 1048576}'; }
echo "== bundle $(mib "$bundle_bytes") (jre $(mib "$(du -sb "$BUNDLE/jre" | cut -f1)"), jar $(mib "$(stat -c %s "$BUNDLE/textintel-gpu.jar")"))" \
    "+ tracked files $(mib "$tracked_bytes") = $(mib "$total") of $(mib "$BUDGET_BYTES"), built in $(( $(date +%s) - start )) s"
[ "$total" -le "$BUDGET_BYTES" ] || die "over the device machine's budget by $(mib $((total - BUDGET_BYTES)))"
