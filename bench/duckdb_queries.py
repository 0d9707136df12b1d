"""Times the query benchmark's queries in DuckDB on the files wharf wrote.

Usage: duckdb_queries.py ROOT RUN_ID REPEAT
The active Parquet files of each Delta table come from the delta-rs reader; views over
them are created once (not timed); each query's median of REPEAT runs is printed as JSON.
"""
import json
import re
import statistics
import sys
import time

import duckdb
from deltalake import DeltaTable


def queries():
    """Reads (name, duckdb sql) pairs from src/queries.rs, so both sides run the same list."""
    src = open(__file__.replace("duckdb_queries.py", "src/queries.rs")).read()
    tuples = re.findall(r'\(\s*"([^"]+)",\s*"((?:[^"\\]|\\.)*)",\s*"((?:[^"\\]|\\.)*)",\s*\)', src)
    return [(name, duck.replace('\\"', '"')) for name, _, duck in tuples]


def main(root, run_id, repeat):
    con = duckdb.connect()
    for table in ["runs", "events", "scores", "labels", "artifacts", "llm_calls"]:
        files = DeltaTable(f"{root}/tables/{table}").file_uris()
        if files:
            listing = ", ".join(f"'{f}'" for f in files)
            con.execute(
                f"CREATE VIEW {table} AS SELECT * FROM read_parquet([{listing}], hive_partitioning = true)"
            )
    out = {}
    for name, sql in queries():
        sql = sql.replace("{run}", run_id)
        times = []
        rows = 0
        for _ in range(repeat):
            t = time.perf_counter()
            rows = len(con.execute(sql).fetchall())
            times.append(time.perf_counter() - t)
        out[name] = {"median_s": statistics.median(times), "rows": rows}
    json.dump({"queries": out}, sys.stdout, indent=2)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
