# Sourced by tests/run. Installs the project's Python tools once into ./.venv (moto server for
# DynamoDB and S3, cfn-lint for the SAM template, cargo-lambda for Lambda builds, schemathesis
# for the API contract, openapi-generator — its jar ships in the PyPI wheel — for the generated
# client) and starts
# moto on a free loopback port, exporting the standard AWS variables so the AWS suites (and
# anything else using the SDK's default configuration) talk to it.

VENV="$PWD/.venv"
TOOLS_STAMP="$VENV/.senvault-tools-3"

ensure_tools() {
  if [ ! -f "$TOOLS_STAMP" ]; then
    echo "installing moto[server], cfn-lint, cargo-lambda, schemathesis and openapi-generator-cli into $VENV (once)"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --upgrade pip
    "$VENV/bin/pip" install --quiet 'moto[server]>=5,<6' 'cfn-lint>=1,<2' 'cargo-lambda>=1.8,<2' 'schemathesis>=4.32,<5' \
      'openapi-generator-cli==7.26.0'
    touch "$TOOLS_STAMP"
  fi
  export PATH="$VENV/bin:$PATH"
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

start_moto() {
  MOTO_PORT=$(free_port)
  MOTO_LOG="$PWD/target/moto.log"
  mkdir -p "$PWD/target"
  # Serial, not moto_server: see tests/moto_serial.py for why.
  "$VENV/bin/python" "$PWD/tests/moto_serial.py" 127.0.0.1 "$MOTO_PORT" >"$MOTO_LOG" 2>&1 &
  MOTO_PID=$!
  trap 'kill "$MOTO_PID" 2>/dev/null || true' EXIT
  for _ in $(seq 1 100); do
    if curl -s -o /dev/null "http://127.0.0.1:$MOTO_PORT/moto-api/" 2>/dev/null || \
       python3 -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:$MOTO_PORT/moto-api/', timeout=1)" 2>/dev/null; then
      break
    fi
    sleep 0.2
  done
  export AWS_ENDPOINT_URL="http://127.0.0.1:$MOTO_PORT"
  export AWS_REGION=eu-west-2 AWS_DEFAULT_REGION=eu-west-2
  export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing
  unset AWS_PROFILE AWS_SESSION_TOKEN
  # The AWS suites fail (rather than skip) when this is set and no emulator answers.
  export SENVAULT_REQUIRE_AWS=1
  echo "moto server on $AWS_ENDPOINT_URL (pid $MOTO_PID)"
}

# The Kotlin compiler (npm) and JNA (Debian) the phone core's JVM test needs, installed once.
KOTLIN_VERSION=2.4.20
KOTLINC="$PWD/.tools/kotlin/package/bin/kotlinc"
JNA_JAR=/usr/share/java/jna.jar
GSON_JAR=/usr/share/java/gson.jar

ensure_kotlin_tools() {
  local tools="$PWD/.tools"
  mkdir -p "$tools"
  if [ ! -x "$KOTLINC" ]; then
    echo "installing kotlin-compiler $KOTLIN_VERSION from npm into $tools (once)"
    (cd "$tools" && [ -f "kotlin-compiler-$KOTLIN_VERSION.tgz" ] || npm pack --silent "kotlin-compiler@$KOTLIN_VERSION" >/dev/null)
    mkdir -p "$tools/kotlin" && tar -xzf "$tools/kotlin-compiler-$KOTLIN_VERSION.tgz" -C "$tools/kotlin"
    chmod +x "$tools/kotlin/package/bin/"*
  fi
  local sudo_=""; [ "$(id -u)" = 0 ] || sudo_="sudo"
  if [ ! -f "$JNA_JAR" ] || [ ! -f "$GSON_JAR" ]; then
    echo "installing libjna-java and libgoogle-gson-java from Debian"
    $sudo_ apt-get install -y -q libjna-java libgoogle-gson-java >/dev/null \
      || { $sudo_ apt-get update -q >/dev/null && $sudo_ apt-get install -y -q libjna-java libgoogle-gson-java >/dev/null; }
  fi
}

# qpdf and poppler's pdftotext/pdfinfo: independent tools that check a built bundle.
ensure_pdf_tools() {
  local sudo_=""; [ "$(id -u)" = 0 ] || sudo_="sudo"
  if ! command -v qpdf >/dev/null || ! command -v pdftotext >/dev/null; then
    echo "installing qpdf and poppler-utils from Debian"
    $sudo_ apt-get install -y -q qpdf poppler-utils >/dev/null \
      || { $sudo_ apt-get update -q >/dev/null && $sudo_ apt-get install -y -q qpdf poppler-utils >/dev/null; }
  fi
}

# OpenSSL's headers and libcrypto: SQLCipher (the phone core's encrypted replica) links them on
# Linux. Installed before anything builds (apt must not run beside another apt).
ensure_build_libs() {
  local sudo_=""; [ "$(id -u)" = 0 ] || sudo_="sudo"
  if [ ! -f /usr/include/openssl/evp.h ]; then
    echo "installing libssl-dev from Debian"
    $sudo_ apt-get install -y -q libssl-dev >/dev/null \
      || { $sudo_ apt-get update -q >/dev/null && $sudo_ apt-get install -y -q libssl-dev >/dev/null; }
  fi
}
