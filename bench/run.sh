#!/usr/bin/env bash
# Benchmarks, printed as figures beside a peer measured in the same run (never a test).
#   bench/run.sh ingest [EVENTS]          wharf ingest vs DuckDB JSON->Parquet on one file
#   bench/run.sh query [RUNS] [PER_RUN]   six dashboard queries, wharf vs DuckDB, same files
#   bench/run.sh pages [RUNS] [PER_RUN]   dashboard pages on query's store (+ one 100,000-event
#                                         run, added to a copy) vs the same pages on 3 runs
set -euo pipefail
cd "$(dirname "$0")/.."
out=bench/out
mkdir -p "$out"
# Always the whole workspace: building one package changes DataFusion's feature set and
# recompiles it.
cargo build --release --workspace --bins
bin=target/release

case "${1:-all}" in
  ingest|all)
    events=${2:-1000000}
    runs=$((events / 100))
    file="$out/ingest-$events.jsonl"
    [ -f "$file" ] || "$bin/gen" --runs "$runs" --events-per-run 100 --seed 1 >"$file"
    rm -rf "$out/ingest-store" "$out/duck-ingest"
    echo "== ingest: $(wc -l <"$file") lines, $(du -h "$file" | cut -f1)"
    "$bin/ingest_bench" "$file" "$out/ingest-store" | tee "$out/ingest-wharf.json"
    python3 bench/duckdb_ingest.py "$file" "$out/duck-ingest" | tee "$out/ingest-duckdb.json"
    echo
    ;;&
  query|all)
    runs=${2:-100000}
    per_run=${3:-100}
    store="$out/query-store-$runs-$per_run"
    if [ ! -d "$store/tables/events" ]; then
      "$bin/query_bench" "$store" --generate "$runs" "$per_run" --repeat 1 >/dev/null
    fi
    "$bin/query_bench" "$store" --repeat 5 >"$out/query-wharf.json"
    run_id=$(python3 -c "import json;print(json.load(open('$out/query-wharf.json'))['run_id'])")
    python3 bench/duckdb_queries.py "$store" "$run_id" 5 "$out/query-wharf.json" >"$out/query-duckdb.json"
    python3 - "$out/query-wharf.json" "$out/query-duckdb.json" <<'PY'
import json, sys
wj = json.load(open(sys.argv[1])); w = wj["queries"]; d = json.load(open(sys.argv[2]))["queries"]
print(f"first session (catalog build) {wj['first_session_s'] * 1000:.1f} ms")
print(f"{'query':34} {'wharf ms':>9} {'session':>8} {'query':>8} {'duckdb ms':>9} {'ratio':>6} rows  results")
for k in w:
    a, b = w[k]["median_s"], d[k]["median_s"]
    same = "agree" if not d[k].get("mismatches") else "; ".join(d[k]["mismatches"][:3])
    print(f"{k:34} {a * 1e3:9.1f} {w[k]['session_s'] * 1e3:8.1f} {w[k]['query_s'] * 1e3:8.1f} "
          f"{b * 1e3:9.1f} {a / b:6.2f} {w[k]['rows']}/{d[k]['rows']} {same}")
PY
    ;;&
  pages|all)
    runs=${2:-100000}
    per_run=${3:-100}
    store="$out/query-store-$runs-$per_run"
    pages="$out/pages-store-$runs-$per_run"
    if [ ! -d "$store/tables/events" ]; then
      "$bin/query_bench" "$store" --generate "$runs" "$per_run" --repeat 1 >/dev/null
    fi
    if [ ! -d "$pages" ]; then
      cp -r "$store" "$pages"
      rm -rf "$pages/wal"
    fi
    "$bin/pages_bench" "$pages" --repeat 5 --big-run 100000 2>"$out/pages.json"
    ;;
esac
