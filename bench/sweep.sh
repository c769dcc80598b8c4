#!/bin/bash
# One line per run of bench/engine.py at each offered rate (figures in bench/RESULTS.md):
#   bench/sweep.sh cronpilot-postgres "1000 2000 5000" 2
# usage: sweep.sh SYSTEM RATES REPEATS
sys=$1; rates=$2; reps=${3:-1}
for r in $rates; do for i in $(seq 1 $reps); do
  .venv/bin/python bench/engine.py --window 10 --systems $sys --no-extras --tasks $r --json 2>/dev/null | python3 -c "
import json,sys; d=json.load(sys.stdin); s=d['systems']['$sys']
print('$sys', $r, 'exec%', s['executed_pct'], 'on_time/s', s['on_time_per_s'], 'p50', s['lateness_p50_ms'], 'p99', s['lateness_p99_ms'], 'recorded', s.get('fires_recorded'), 'due', s['due'], 'skipped', s.get('skipped_by_reason'), 'load', d['loadavg'])"
done; done
