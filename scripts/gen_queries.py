#!/usr/bin/env python3
"""Writes the canned report SQL, and the table of dimensions the generic
matrix query is built from, from one description of the dimensions.

    gen_queries.py queries/dimensions.toml OUT/scope.sql OUT/<matrix>.sql...
    gen_queries.py queries/dimensions.toml OUT/dimension_table.inc

The .inc is the body of src/report/dimension.cc's table (one initializer of a
Dimension per dimension, in the order of their `listed` field), so the SQL a
generic matrix joins with and the SQL of the canned ones come from one entry.

queries/dimensions.toml lists the dimensions and the canned matrices, each with
the template of its shape (queries/templates/<shape>.sql). A template is SQL
with directives between double braces:

  {{name}}                 a value: matrix, description, shape, parameters,
                           scope (the scope block), row, row_key, row_table,
                           row_value, the same for col, and other, other_key
                           (the dimension a stack matrix pairs stacks with)
  {{> _fragment}}          queries/templates/_fragment.sql, expanded in turn
  {{filters ALIAS [SEL]}}  the scope's test of each dimension on a row ALIAS
  {{seeks ALIAS}}          the IN lists of release_spec_by_release's columns
  {{unless_named SEL}}     "the scope names none of these dimensions"

SEL picks dimensions: per_spec, not_per_spec or not_indexed (see the toml).
Every .sql output named on the command line must be one the toml describes, and
the other way round, so the build's list and the description cannot drift apart.
The output is plain SQL with its comments, as readable as the templates.
"""
import os
import re
import sys
import tomllib

DIRECTIVE = re.compile(r"\{\{(.*?)\}\}")
INDENT = "\n          "


def fail(message: str) -> None:
    sys.exit(f"gen_queries.py: {message}")


def reindent(sql: str, indent: str) -> str:
    """A (possibly multi-line) lookup, its continuation lines at `indent`."""
    return indent.join(line.strip() for line in sql.strip().splitlines())


def lookup(d: dict, indent: str) -> str:
    """SQL giving the keys of the values the scope lists for dimension d."""
    if "lookup" in d:
        return reindent(d["lookup"], indent)
    return f"SELECT x.id FROM {d['table']} x JOIN json_each(:scope, '$.{d['name']}') j ON x.{d['value']} = j.value"


def select(dims: list, selector: str) -> list:
    pick = {
        "": lambda d: True,
        "per_spec": lambda d: d.get("per_spec", True),
        "not_per_spec": lambda d: not d.get("per_spec", True),
        "not_indexed": lambda d: "release_index" not in d,
    }
    if selector not in pick:
        fail(f"unknown selector '{selector}' (known: {', '.join(k for k in pick if k)})")
    return [d for d in dims if d.get("in_scope", True) and pick[selector](d)]


def filters(dims: list, alias: str, selector: str = "") -> str:
    """One test per dimension: unless the scope names none of its values, the row's key is one of theirs."""
    tests = []
    for d in select(dims, selector):
        key = d.get("spec_key", d["key"]) if alias == "s" else d["key"]
        tests.append(f"(json_array_length(:scope, '$.{d['name']}') IS NULL OR {alias}.{key} IN"
                     f"{INDENT}({lookup(d, INDENT + ' ')}))")
    return "\n    AND ".join(tests)


def seeks(dims: list, alias: str) -> str:
    """The index columns after release_id as IN lists, every key when the scope names no value."""
    indexed = sorted((d for d in select(dims, "") if d.get("release_index", 0) > 0), key=lambda d: d["release_index"])
    tests = []
    for d in indexed:
        if "lookup" in d:  # the keys the lookup gives
            wanted = f"a.id IN{INDENT}  ({lookup(d, INDENT + '   ')})"
        else:  # the rows of the dimension's own table named in the scope
            wanted = f"a.{d['value']} IN (SELECT j.value FROM json_each(:scope, '$.{d['name']}') j)"
        tests.append(f"{alias}.{d['key']} IN (SELECT a.id FROM {d['table']} a"
                     f"{INDENT}WHERE json_array_length(:scope, '$.{d['name']}') IS NULL OR {wanted})")
    return "\n    AND ".join(tests)


def unless_named(dims: list, selector: str) -> str:
    return " AND ".join(f"json_type(:scope, '$.{d['name']}') IS NULL" for d in select(dims, selector))


def expand(template: str, where: str, values: dict, dims: list, templates: str, depth: int = 0) -> str:
    if depth > 8:
        fail(f"{where}: fragments include each other too deeply")

    def one(match: re.Match) -> str:
        words = match.group(1).split()
        if not words:
            fail(f"{where}: empty directive")
        head, args = words[0], words[1:]
        if head == ">" and len(args) == 1:
            return expand(read(templates, args[0]), args[0], values, dims, templates, depth + 1).rstrip("\n")
        if head == "filters" and len(args) in (1, 2):
            return filters(dims, *args)
        if head == "seeks" and len(args) == 1:
            return seeks(dims, args[0])
        if head == "unless_named" and len(args) == 1:
            return unless_named(dims, args[0])
        if not args and head in values:
            return values[head]
        fail(f"{where}: unknown directive '{{{{{match.group(1)}}}}}'")

    return DIRECTIVE.sub(one, template)


def read(templates: str, name: str) -> str:
    path = os.path.join(templates, name + ".sql")
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except OSError as e:
        fail(f"{path}: {e.strerror}")


def find(dims: list, spelled: str, matrix: str) -> dict:
    for d in dims:
        if spelled in (d["name"], d["plural"], d["title"]):
            return d
    fail(f"matrix '{matrix}': unknown dimension '{spelled}'")


def matrix_values(m: dict, dims: list, scope: str) -> dict:
    if "-by-" not in m["name"]:
        fail(f"matrix '{m['name']}': expected ROWS-by-COLUMNS")
    row_name, col_name = m["name"].split("-by-", 1)
    rows, cols = find(dims, row_name, m["name"]), find(dims, col_name, m["name"])
    values = {"matrix": m["name"], "description": m["description"], "shape": m["shape"], "scope": scope,
              "parameters": ""}
    for side, d in (("row", rows), ("col", cols)):
        values.update({side: d["name"], f"{side}_key": d["key"], f"{side}_table": d.get("table", ""),
                       f"{side}_value": d.get("value", "")})
    if "stack" in (rows["name"], cols["name"]):
        other = cols if rows["name"] == "stack" else rows
        values.update({"other": other["name"], "other_key": other["key"],
                       "parameters": ",\n-- :include_root (0/1) keeps the 'root' pseudo-stack"})
    if "family" in (rows["name"], cols["name"]):
        values["parameters"] += ",\n-- :families ({\"TARGET\": \"FAMILY\"}, from Spack's microarchitecture tree)"
    return values


def cxx_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def named_column(d: dict) -> tuple:
    """(table, column) holding the values users name for dimension d."""
    if "named" in d:
        table, _, column = d["named"].partition(".")
        if not table or not column:
            fail(f"dimension '{d['name']}': named must be TABLE.COLUMN, not '{d['named']}'")
        return table, column
    if "table" not in d or "value" not in d:
        fail(f"dimension '{d['name']}': no table and value, so it needs named = \"TABLE.COLUMN\"")
    return d["table"], d["value"]


def joins(d: dict) -> str:
    """The joins from a key {k} to the dimension's values {v}.name ({m}: an alias between)."""
    if "joins" in d:
        return " ".join(line.strip() for line in d["joins"].strip().splitlines())
    if "table" not in d or "value" not in d:
        fail(f"dimension '{d['name']}': no table and value, so it needs joins")
    table = d["table"] if d["value"] == "name" else f"(SELECT id, {d['value']} AS name FROM {d['table']})"
    return f"JOIN {table} {{v}} ON {{v}}.id = {{k}}"


def dimension_table(dims: list, description: str) -> str:
    """The initializers of src/report/dimension.cc's table, in the order cachedb lists the dimensions."""
    for d in dims:
        for field in ("name", "plural", "title", "key", "listed"):
            if field not in d:
                fail(f"{description}: dimension '{d.get('name', '?')}' has no {field}")
    listed = sorted(dims, key=lambda d: d["listed"])
    if [d["listed"] for d in listed] != list(range(1, len(dims) + 1)):
        fail(f"{description}: the dimensions' listed fields must be 1 to {len(dims)}, each once")
    lines = [f"// Written by scripts/gen_queries.py from {os.path.basename(description)}: edit that, not this.",
             "// name, plural, title, key, expand, exists, names (see report/dimension.h)."]
    for d in listed:
        table, column = named_column(d)
        # Only values some release row holds: the tables keep every name ever stored.
        held = " ".join(d.get("held", f"n.id IN (SELECT {d['key']} FROM release_spec)").split())
        fields = [d["name"], d["plural"], d["title"], d["key"], joins(d),
                  f"SELECT 1 FROM {table} n WHERE n.{column} = ? AND {held}",
                  f"SELECT DISTINCT n.{column} FROM {table} n WHERE {held}"]
        lines.append("{" + ", ".join(cxx_string(f) for f in fields) + "},")
    return "\n".join(lines) + "\n"


def main() -> None:
    if len(sys.argv) < 3:
        fail("usage: gen_queries.py DIMENSIONS.toml OUTPUT.sql... | OUTPUT.inc")
    description, outputs = sys.argv[1], sys.argv[2:]
    templates = os.path.join(os.path.dirname(description), "templates")
    with open(description, "rb") as f:
        try:
            spec = tomllib.load(f)
        except tomllib.TOMLDecodeError as e:
            fail(f"{description}: {e}")
    dims, matrices = spec.get("dimension", []), spec.get("matrix", [])

    scope = expand(read(templates, "scope"), "scope.sql", {}, dims, templates)
    begin, end = scope.find("-- scope:begin\n"), scope.find("-- scope:end\n")
    if begin < 0 or end < begin:
        fail("templates/scope.sql: no '-- scope:begin' ... '-- scope:end' block")
    block = scope[begin:end + len("-- scope:end\n")]

    texts = {"scope.sql": scope}
    for m in matrices:
        texts[m["name"] + ".sql"] = expand(read(templates, m["shape"]), m["shape"] + ".sql",
                                           matrix_values(m, dims, block), dims, templates)
    # An .inc is the table of dimensions; every .sql is checked against the description.
    wanted = {os.path.basename(o) for o in outputs if o.endswith(".sql")}
    if wanted and wanted != set(texts):
        fail(f"queries/meson.build lists {sorted(wanted - set(texts))} that {description} does not describe, "
             f"and {description} describes {sorted(set(texts) - wanted)} that queries/meson.build does not list")
    for out in outputs:
        if out.endswith(".inc"):
            text = dimension_table(dims, description)
        elif out.endswith(".sql"):
            text = texts[os.path.basename(out)]
        else:
            fail(f"{out}: an output is a .sql or the .inc of the table of dimensions")
        with open(out, "w", encoding="utf-8") as f:
            f.write(text)


if __name__ == "__main__":
    main()
