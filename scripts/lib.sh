# Shared steps for run.sh and test.sh (sourced, not run). Messages are in Chinese for the user.

VENV="${VENV:-.venv}"
PY="$VENV/bin/python"

say() { printf '\033[1;34m==>\033[0m %s\n' "$*"; }
die() { printf '\033[1;31m错误：\033[0m%s\n' "$*" >&2; exit 1; }

# Run a command showing only its own output lines (not log lines); on failure show everything.
quiet() {
  local log
  log="$(mktemp)"
  if ! "$@" >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    die "命令失败：$*"
  fi
  grep -v -E '^[0-9-]+ [0-9:,]+ (INFO|WARNING|DEBUG) ' "$log" || true
  rm -f "$log"
}

find_python() {
  local candidate
  for candidate in "${PYTHON:-}" python3.11 python3.12 python3.13 python3; do
    [[ -n "$candidate" ]] || continue
    command -v "$candidate" >/dev/null 2>&1 || continue
    if "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      echo "$candidate"
      return 0
    fi
  done
  return 1
}

# Create .venv and install the project with its test dependencies (again only when pyproject.toml changed).
ensure_venv() {
  if [[ ! -x "$PY" ]]; then
    local python
    python="$(find_python)" || die "需要 Python 3.11 或更高版本。Debian/Ubuntu：sudo apt-get install python3.11 python3.11-venv；macOS：brew install python@3.11；也可以用 PYTHON=/路径/python3.11 指定。"
    say "创建虚拟环境 $VENV（$("$python" --version)）"
    "$python" -m venv "$VENV" || die "创建虚拟环境失败。Debian/Ubuntu 请先安装：sudo apt-get install python3.11-venv"
  fi
  local stamp="$VENV/.installed" digest
  digest="$(cat pyproject.toml | "$PY" -c 'import hashlib,sys; print(hashlib.sha256(sys.stdin.buffer.read()).hexdigest())')"
  if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$digest" ]]; then
    say "安装依赖（pip install -e '.[test]'）"
    "$PY" -m pip install -qq --disable-pip-version-check -e '.[test]' || die "依赖安装失败，请检查网络或 pip 配置后重试。"
    echo "$digest" > "$stamp"
  fi
  export PATH="$PWD/$VENV/bin:$PATH"
}

redis_answers() {
  "$PY" - "$1" <<'PY' 2>/dev/null
import sys, redis
redis.Redis.from_url(sys.argv[1], socket_connect_timeout=1, socket_timeout=2).ping()
PY
}

# Make sure Redis answers at URL: start the installed redis-server on loopback if it does not.
ensure_redis() {
  local url="$1"
  redis_answers "$url" && return 0
  local hostport host port
  hostport="$("$PY" -c 'import sys; from urllib.parse import urlsplit; u = urlsplit(sys.argv[1]); print(u.hostname or "127.0.0.1", u.port or 6379)' "$url")"
  read -r host port <<<"$hostport"
  if [[ "$host" != "127.0.0.1" && "$host" != "localhost" ]]; then
    die "Redis 没有响应：$url（这是远程地址，请确认该 Redis 已启动并可访问）。"
  fi
  if ! command -v redis-server >/dev/null 2>&1; then
    die "Redis 没有响应：$url，本机也没有安装 redis-server。
  Debian/Ubuntu：sudo apt-get install -y redis-server
  macOS：brew install redis
  然后重新运行本命令（会自动以仅本机、不落盘的方式启动它）；或设置 REDIS_URL 指向已有的 Redis。"
  fi
  mkdir -p instance
  say "启动本机 redis-server（127.0.0.1:$port，不持久化）"
  redis-server --port "$port" --bind 127.0.0.1 --daemonize yes --save "" --appendonly no \
    --dir "$PWD/instance" --logfile "$PWD/instance/redis.log" --pidfile "$PWD/instance/redis.pid" >/dev/null
  local i
  for i in $(seq 1 50); do
    redis_answers "$url" && return 0
    sleep 0.1
  done
  die "redis-server 启动后仍无响应，请查看 instance/redis.log。"
}
