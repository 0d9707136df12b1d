"""The ingest benchmark's peer: DuckDB converts the same JSONL to Parquet.

Usage: duckdb_ingest.py FILE OUT_DIR — prints seconds and rows as JSON. (DuckDB writes
plain Parquet with no WAL, no validation and no Delta log: a lower bound for the work;
sample_size = -1 makes it read the whole file once to infer the schema, as wharf checks it.)
"""
import json
import sys
import time

import duckdb

src, out = sys.argv[1], sys.argv[2]
con = duckdb.connect()
t = time.perf_counter()
con.execute(
    f"COPY (SELECT * FROM read_json('{src}', format = 'newline_delimited', "
    f"sample_size = -1, maximum_object_size = 16777216)) "
    f"TO '{out}' (FORMAT parquet, COMPRESSION zstd, PER_THREAD_OUTPUT true)"
)
secs = time.perf_counter() - t
rows = con.execute(f"SELECT count(*) FROM read_parquet('{out}/*.parquet')").fetchone()[0]
json.dump({"seconds": secs, "rows": rows}, sys.stdout)
