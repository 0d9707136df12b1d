"""Reads wharf's Delta tables with DuckDB and prints counts and sums as JSON.

The active file list comes from the delta-rs Python reader (the Delta log is the source of
truth: files removed by compaction must not be counted); DuckDB reads those Parquet files
with hive partitioning for `collection` and `date`.
"""
import json
import sys

import duckdb
from deltalake import DeltaTable

SUMS = {
    "runs": "sum(input_tokens)",
    "events": "sum(length(output_text))",
    "scores": "sum(value)",
    "labels": "sum(value_num)",
    "artifacts": "sum(size)",
    "llm_calls": "sum(output_tokens)",
}


def main(root: str) -> None:
    con = duckdb.connect()
    out = {}
    for table, expr in SUMS.items():
        files = DeltaTable(f"{root}/tables/{table}").file_uris()
        if not files:
            out[table] = {"n": 0, "s": 0}
            continue
        rel = con.read_parquet(files, hive_partitioning=True)
        n, s = rel.aggregate(f"count(*), {expr}").fetchone()
        out[table] = {"n": n, "s": float(s or 0)}
        if table == "events":
            out["event_dates"] = rel.aggregate("count(DISTINCT date)").fetchone()[0]
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1])
