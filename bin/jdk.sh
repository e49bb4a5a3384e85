# Sourced by bin/backprop, bin/test-like scripts and .ci/run: exports JAVA_HOME pointing at a JDK >= 21.
# Order: JAVA_HOME if it is >= 21, then `java` on the PATH, then JDKs installed in the usual places
# (the newest first). Fails with one clear line when there is none.

backprop_java_feature() {  # prints the feature version (17, 21, 25, ...) of the JDK at $1, or nothing
  local home=$1 v=""
  [ -x "$home/bin/java" ] || return 0
  if [ -f "$home/release" ]; then
    v=$(sed -n 's/^JAVA_VERSION="\([0-9.]*\).*/\1/p' "$home/release")
  fi
  if [ -z "$v" ]; then
    v=$("$home/bin/java" -version 2>&1 | sed -n 's/.*version "\([0-9.]*\).*/\1/p' | head -n 1)
  fi
  v=${v#1.}
  printf '%s' "${v%%.*}"
}

backprop_find_jdk() {
  local minimum=21 candidate feature best="" best_feature=0
  if [ -n "${JAVA_HOME:-}" ]; then
    feature=$(backprop_java_feature "$JAVA_HOME")
    if [ -n "$feature" ] && [ "$feature" -ge "$minimum" ]; then return 0; fi
  fi
  if command -v java >/dev/null 2>&1; then
    candidate=$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")
    feature=$(backprop_java_feature "$candidate")
    if [ -n "$feature" ] && [ "$feature" -ge "$minimum" ]; then export JAVA_HOME=$candidate; return 0; fi
  fi
  for candidate in /usr/lib/jvm/*temurin* /usr/lib/jvm/* /opt/java/* /opt/jdk* "$HOME"/.sdkman/candidates/java/* "$HOME"/.jdks/*; do
    [ -d "$candidate" ] || continue
    feature=$(backprop_java_feature "$candidate")
    if [ -n "$feature" ] && [ "$feature" -ge "$minimum" ] && [ "$feature" -gt "$best_feature" ]; then
      best=$candidate; best_feature=$feature
    fi
  done
  if [ -n "$best" ]; then export JAVA_HOME=$best; return 0; fi
  echo "backprop: needs a JDK >= $minimum; none found (JAVA_HOME, PATH, /usr/lib/jvm). Install one, e.g. 'apt-get install openjdk-21-jdk', or set JAVA_HOME." >&2
  return 1
}
