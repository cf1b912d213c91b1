#!/usr/bin/env bash
# Run every GPU record the book needs (the experiments registered with device="cuda" in
# lstm_edu.records: imdb-gpu, imdb-pretrain-gpu, ...), one after another, on this machine's GPU.
#
#   bash benchmarks/gpu_records.sh            # from the repository root, on a machine with CUDA
#
# The records are sized to take under 8 minutes of GPU time in total; the script stops starting
# new runs once GPU_BUDGET_S (default 480 s) is spent, and kills a run that overruns what is left.
# It commits nothing: it prints where each record went; check them with
# `python -m lstm_edu.records show NAME`, then `python -m lstm_edu.records render` and commit
# records/*.json and benchmarks/RESULTS.md yourself.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
[[ -x $PY ]] || PY=python3
BUDGET=${GPU_BUDGET_S:-480}

if ! "$PY" -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)"; then
  echo "gpu_records.sh: torch sees no CUDA GPU here; nothing was run" >&2
  exit 1
fi
"$PY" -c "import torch; print('GPU:', torch.cuda.get_device_name(0), '| torch', torch.__version__)"

mapfile -t NAMES < <("$PY" -c "
from lstm_edu import records
for e in records.experiments():
    if e.needs_gpu:
        print(e.name)")
if [[ ${#NAMES[@]} -eq 0 ]]; then
  echo "gpu_records.sh: no GPU experiment is registered (python -m lstm_edu.records list)" >&2
  exit 1
fi
echo "GPU records to run: ${NAMES[*]} (budget ${BUDGET} s)"

start=$(date +%s)
failed=()
for name in "${NAMES[@]}"; do
  left=$(( BUDGET - ($(date +%s) - start) ))
  if (( left <= 10 )); then
    echo "budget spent: $name not run"
    failed+=("$name")
    continue
  fi
  echo "=== $name (at most ${left} s)"
  if ! timeout "$left" "$PY" -m lstm_edu.records run "$name"; then
    echo "=== $name FAILED or ran out of time"
    failed+=("$name")
  fi
done

echo
echo "Records written under: $("$PY" -c 'from lstm_edu.records import records_dir; print(records_dir())')"
"$PY" -m lstm_edu.records list
echo "Total: $(( $(date +%s) - start )) s. Nothing was committed."
if (( ${#failed[@]} )); then
  echo "Not recorded: ${failed[*]}" >&2
  exit 1
fi
