#!/usr/bin/env bash
# 一条命令测试：准备虚拟环境和依赖、确保 Redis 可用，然后运行全部测试（参数原样传给 pytest）。
# 设置 TEST_DATABASE_URL=postgresql://… 即在 PostgreSQL 上运行。
set -euo pipefail
cd "$(dirname "$0")"
source scripts/lib.sh

ensure_venv

export TEST_REDIS_URL="${TEST_REDIS_URL:-redis://127.0.0.1:6379/13}"
ensure_redis "$TEST_REDIS_URL"

if [[ -n "${TEST_DATABASE_URL:-}" ]]; then
  "$PY" - "$TEST_DATABASE_URL" 2>/dev/null <<'PY' || die "PostgreSQL 没有响应：$TEST_DATABASE_URL（请先启动 PostgreSQL；测试会自动创建该数据库）。"
import sys
from sqlalchemy import create_engine, text
base = sys.argv[1].rsplit("/", 1)[0]
with create_engine(f"{base}/postgres", connect_args={"connect_timeout": 3}).connect() as conn:
    conn.execute(text("SELECT 1"))
PY
  say "在 PostgreSQL 上运行测试"
else
  say "在 SQLite 上运行测试"
fi

exec "$PY" -m pytest "$@"
