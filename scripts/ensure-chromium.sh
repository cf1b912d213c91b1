#!/usr/bin/env bash
# Make sure a Chromium for the browser tests exists (Debian's package, never a
# browser download).  Prints the path of the browser on success.
#
#   LSTM_EDU_CHROMIUM=/path/to/chromium   use that binary
#   LSTM_EDU_SKIP_BROWSER=1               skip the browser stage explicitly
set -euo pipefail

if [[ "${LSTM_EDU_SKIP_BROWSER:-0}" == "1" ]]; then
  echo "skip"
  exit 0
fi
for candidate in "${LSTM_EDU_CHROMIUM:-}" /usr/bin/chromium /usr/bin/chromium-browser; do
  if [[ -n "$candidate" && -x "$candidate" ]]; then
    echo "$candidate"
    exit 0
  fi
done
if [[ "$(id -u)" == "0" ]] && command -v apt-get >/dev/null 2>&1; then
  echo "installing Debian's chromium for the browser tests (apt-get)" >&2
  if DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 \
     && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >&2 \
     && [[ -x /usr/bin/chromium ]]; then
    echo /usr/bin/chromium
    exit 0
  fi
fi
cat >&2 <<'MSG'
error: the browser tests need Chromium and it is not installed.
       Install it, for example:   sudo apt-get install chromium
       or point at an existing binary:   LSTM_EDU_CHROMIUM=/path/to/chromium make test
       or skip the browser stage explicitly:   LSTM_EDU_SKIP_BROWSER=1 make test
MSG
exit 1
