"""The backup drill (issue 19): dump the live database, restore it into a new one, compare.

    python deploy/backup_drill.py [--keep] [--report FILE]

On the topology of deploy/topology.py (started if it is not running): `pg_dump -Fc` of the
primary's database while it serves, `pg_restore` into a new database, then for every table of
the schema the row count and a checksum of its rows (md5 of every row's text, in primary-key
order) on both sides. Any difference fails the drill (exit status 1). The restored database is
dropped afterwards unless --keep.

The dump and the source's checksums read the same exported snapshot (`pg_export_snapshot()`
and `pg_dump --snapshot`), so they see exactly the same rows even while the app writes.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))
import topology  # noqa: E402  (deploy/ is a folder of scripts, not a package)

TABLES_SQL = """
SELECT c.relname,
       coalesce((SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY k.ord)
                 FROM pg_index i, unnest(i.indkey) WITH ORDINALITY k(attnum, ord), pg_attribute a
                 WHERE i.indrelid = c.oid AND i.indisprimary
                   AND a.attrelid = c.oid AND a.attnum = k.attnum), '1') AS key
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
ORDER BY c.relname
"""


def checksums(cursor) -> dict[str, tuple[int, str]]:
    """(rows, md5 of all rows in key order) for every table, as this cursor's snapshot sees it."""
    cursor.execute(TABLES_SQL)
    result = {}
    for table, key in cursor.fetchall():
        cursor.execute(
            f"SELECT count(*), coalesce(md5(string_agg(t::text, E'\\n' ORDER BY {key})), '') "
            f'FROM public."{table}" t'
        )
        result[table] = cursor.fetchone()
    return result


def connect(database: str):
    return psycopg.connect(
        host="127.0.0.1", port=topology.PORTS.primary, user="postgres", dbname=database
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep", action="store_true", help="keep the restored database")
    parser.add_argument("--report", default=str(topology.STATE / "backup-report.md"))
    parser.add_argument(
        "--load", type=int, default=0, help="threads writing and reading through nginx meanwhile"
    )
    options = parser.parse_args(argv)
    if not topology.pg_running("primary"):
        topology.up()
    load = None
    if options.load:
        import drill  # the drill's load generator, without its faults

        load = drill.Load(options.load, topology.api_key(), topology.api_key("read"))
        load.run()
        time.sleep(3)
    restored = f"{topology.DATABASE}_restore_{int(time.time())}"
    dump = topology.STATE / "pg" / f"{restored}.dump"
    source = connect(topology.DATABASE)
    source.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
    with source, source.cursor() as cursor:
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        began = time.time()
        topology.run(
            [topology.pg_bin("pg_dump"), "-h", "127.0.0.1", "-p", topology.PORTS.primary,
             "-U", "postgres", "-Fc", "--snapshot", snapshot, "-f", dump, topology.DATABASE],
            as_postgres=True,
        )  # fmt: skip
        dump_seconds = time.time() - began
        before = checksums(cursor)
    if load is not None:
        load.stop.set()
        time.sleep(1)
    topology.psql(f"CREATE DATABASE {restored}")
    began = time.time()
    topology.run(
        [topology.pg_bin("pg_restore"), "-h", "127.0.0.1", "-p", topology.PORTS.primary,
         "-U", "postgres", "-d", restored, "--no-owner", "--exit-on-error", dump],
        as_postgres=True,
    )  # fmt: skip
    restore_seconds = time.time() - began
    with connect(restored) as target, target.cursor() as cursor:
        after = checksums(cursor)
    different = sorted(t for t in before.keys() | after.keys() if before.get(t) != after.get(t))
    size = dump.stat().st_size
    if not options.keep:
        topology.psql(f"DROP DATABASE {restored}")
        dump.unlink()
    flags = (" --keep" if options.keep else "") + (f" --load {options.load}" if load else "")
    under_load = ""
    if load is not None:
        served = Counter(o.result for o in load.outcomes)
        under_load = (
            f" meanwhile {options.load} threads sent {len(load.outcomes)} requests through nginx "
            f"({served['ok']} ok, {len(load.acknowledged)} acknowledged creates): the dump and "
            "the source's checksums read one snapshot, so they match even so"
        )
    lines = [
        f"Command: `python deploy/backup_drill.py{flags}`",
        "",
        f"pg_dump -Fc: {size / 1e6:.2f} MB in {dump_seconds:.1f} s; pg_restore into "
        f"`{restored}`: {restore_seconds:.1f} s. Tables compared: {len(before)}, rows: "
        f"{sum(n for n, _ in before.values())}, tables that differ: {len(different)}"
        + (f" ({', '.join(different)})" if different else "")
        + (";" if under_load else "")
        + under_load
        + ".",
        "",
        "| table | rows | checksum (md5 of the rows in key order) | restored |",
        "|---|---|---|---|",
    ]
    for table in sorted(before):
        rows, digest = before[table]
        same = "same" if after.get(table) == (rows, digest) else f"DIFFERS: {after.get(table)}"
        if rows or table in different:
            lines.append(f"| {table} | {rows} | `{digest[:12]}` | {same} |")
    empty = [t for t in sorted(before) if before[t][0] == 0 and t not in different]
    lines += ["", f"Empty on both sides: {len(empty)} tables."]
    text = "\n".join(lines)
    Path(options.report).write_text(text + "\n")
    print(text)
    return 1 if different else 0


if __name__ == "__main__":
    sys.exit(main())
