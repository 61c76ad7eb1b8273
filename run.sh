#!/usr/bin/env bash
# 一条命令运行：虚拟环境、依赖、Redis、数据库迁移、演示通讯录，然后启动 web、worker、cron 和模拟器。
set -euo pipefail
cd "$(dirname "$0")"
source scripts/lib.sh

ensure_venv

export BOT_PORT="${BOT_PORT:-5000}" SIM_PORT="${SIM_PORT:-5001}"
# The configuration as the bot reads it (environment and .env); a malformed value stops here.
settings="$("$PY" - <<'PY'
import shlex
from bot import config
cfg = config.load()
print(f"BOT_REDIS_URL={shlex.quote(cfg.redis_url)} BOT_DEMO={int(cfg.demo)}")
PY
)" || exit 1
eval "$settings"

ensure_redis "$BOT_REDIS_URL"

port_free() { "$PY" -c 'import socket,sys; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.1", int(sys.argv[1])))' "$1" 2>/dev/null; }
for port in "$BOT_PORT" $([[ "$BOT_DEMO" == 1 ]] && echo "$SIM_PORT"); do
  port_free "$port" || die "端口 $port 已被占用。请先停止占用它的程序，或用 BOT_PORT=… SIM_PORT=… ./run.sh 换端口。"
done

say "升级数据库"
quiet flask --app bot db upgrade

if [[ "$BOT_DEMO" == 1 ]]; then
  export SIM_BOT_URL="http://127.0.0.1:$BOT_PORT/wecom/callback"
  if [[ "$SIM_PORT" != 5001 && -z "${WECOM_API_BASE:-}" ]]; then
    export WECOM_API_BASE="http://127.0.0.1:$SIM_PORT/cgi-bin/"
  fi
  ports=""  # another terminal does not see our exports: say the ports in the chat command
  [[ "$BOT_PORT" != 5000 || "$SIM_PORT" != 5001 ]] && ports="BOT_PORT=$BOT_PORT SIM_PORT=$SIM_PORT "
  say "写入演示通讯录和账号"
  quiet flask --app bot demo seed
  cat <<MSG

  ┌──────────────────────────────────────────────────────────────┐
    演示模式已就绪。在浏览器打开模拟器：http://127.0.0.1:$SIM_PORT/
    终端聊天：${ports}.venv/bin/flask --app bot sim chat --user jy_zhang
    机器人回调地址：$SIM_BOT_URL      按 Ctrl-C 停止全部进程。
  └──────────────────────────────────────────────────────────────┘

MSG
  exec honcho -f Procfile.dev start
else
  say "已配置真实企业微信应用：启动 web、worker、cron（不启动模拟器）"
  exec honcho -f Procfile start
fi
