"""Times the query benchmark's queries in DuckDB on the files wharf wrote.

Usage: duckdb_queries.py ROOT RUN_ID REPEAT [WHARF_JSON]
The active Parquet files of each Delta table come from the delta-rs reader; views over
them are created once (not timed); each query's median of REPEAT runs (execute + fetch)
is printed as JSON. With WHARF_JSON (query_bench's output), each query's rows are compared
with wharf's: "mismatches" lists the differences (empty when they agree; approximate
percentiles are compared within 5%, other numbers within 1e-6 relative).
"""
import datetime
import decimal
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


APPROXIMATE = {"p50_out", "p95_out", "p95_in"}


def normal(value):
    """A value as wharf's JSON writer prints it, for comparison."""
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(datetime.timezone.utc).replace(tzinfo=None)
        return value.isoformat(sep="T")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d\d-\d\dT[\d:.]+(Z|[+-]00:?00)?", value):
        return normal(datetime.datetime.fromisoformat(value))
    return value


def differences(columns, duck_rows, wharf_rows):
    out = []
    if len(duck_rows) != len(wharf_rows):
        out.append(f"{len(duck_rows)} rows in DuckDB, {len(wharf_rows)} in wharf")
    for i, (d, w) in enumerate(zip(duck_rows, wharf_rows)):
        for col, dv in zip(columns, d):
            dv, wv = normal(dv), normal(w.get(col))
            if isinstance(dv, (int, float)) and isinstance(wv, (int, float)):
                tol = 0.05 if col in APPROXIMATE else 1e-6
                if abs(dv - wv) > tol * max(abs(dv), abs(wv), 1e-9):
                    out.append(f"row {i} {col}: DuckDB {dv}, wharf {wv}")
            elif dv != wv:
                out.append(f"row {i} {col}: DuckDB {dv!r}, wharf {wv!r}")
    return out[:10]


def main(root, run_id, repeat, wharf=None):
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
        rows = []
        for _ in range(repeat):
            t = time.perf_counter()
            cur = con.execute(sql)
            rows = cur.fetchall()
            times.append(time.perf_counter() - t)
        out[name] = {"median_s": statistics.median(times), "rows": len(rows)}
        if wharf is not None:
            columns = [c[0] for c in cur.description]
            out[name]["mismatches"] = differences(columns, rows, wharf[name]["result"])
    json.dump({"queries": out}, sys.stdout, indent=2)


if __name__ == "__main__":
    wharf = json.load(open(sys.argv[4]))["queries"] if len(sys.argv) > 4 else None
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), wharf)
