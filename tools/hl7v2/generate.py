#!/usr/bin/env python3
"""Writes the bundled HL7 v2 definitions (schemas/hl7v2/*.json) from PyPI `hl7apy`.

Usage:
    python3 tools/hl7v2/generate.py [OUT_DIR]        # default: schemas/hl7v2
    python3 tools/hl7v2/generate.py --check          # regenerate into a temp dir, diff

`hl7apy` must be importable (`pip install hl7apy==1.3.5`). The output is deterministic:
sorted keys, no timestamps, so `--check` fails exactly when the checked-in files drift
from what this script writes.

One JSON file per version, `v2_5_1.json`:
  messages / groups: name -> [[child, min, max, is_group], ...]   (max -1 = unbounded)
  choices: names of the groups where exactly one child occurs (`<A | B>`)
  segments: name -> [[data_type, min, max, table], ...]           (field n at index n-1;
            data_type "" where hl7apy has no definition; WD / max 0 = withdrawn)
  datatypes: composite name -> [[data_type, table], ...]          (component n at n-1)
  tables: "0001" -> [values]   (only tables that some field or component refers to)
  table_types: "0001" -> "hl7" | "user"   (see table_types(); tables of unknown type are
            left out, and the engine enforces only "hl7" tables)
  events: "ADT^A04" -> "ADT_A01"
hl7apy carries no field lengths, so none are written. USAGE_OVERRIDES corrects the
usage of the few fields hl7apy marks R where the standard gives C or O. Table types and
table values hl7apy lacks or gets wrong are corrected from tools/hl7v2/table-overrides.json,
each entry citing the standard (or HL7's table steward) version by version.
"""
import filecmp
import importlib
import json
import os
import sys
import tempfile

PACKAGE = "hl7apy"
VERSIONS = ["2.1", "2.2", "2.3", "2.3.1", "2.4", "2.5", "2.5.1", "2.6", "2.7", "2.7.1",
            "2.8", "2.8.1", "2.8.2"]

# Trigger events that share another event's abstract message structure. hl7apy names
# structures but has no event map; these are the "uses structure" rows of the HL7 v2.5
# message definitions (chapter 3 ADT, 4 ORM/RDE, 7 ORU/OUL, 9 MDM, 10 SIU, 11 REF,
# 12 PPR, 6 BAR/DFT), applied only where the version has no structure named TYPE_EVENT.
OVERRIDES = []  # loaded in main() from table-overrides.json

SHARED_STRUCTURES = {
    "ADT_A01": ["A04", "A08", "A13"],
    "ADT_A05": ["A14", "A28", "A31"],
    "ADT_A06": ["A07"],
    "ADT_A09": ["A10", "A11"],
    "ADT_A21": ["A22", "A23", "A25", "A26", "A27", "A29", "A32", "A33"],
    "ADT_A30": ["A34", "A35", "A36", "A46", "A47", "A48", "A49"],
    "ADT_A39": ["A40", "A41", "A42"],
    "ADT_A43": ["A44"],
    "ADT_A50": ["A51"],
    "ADT_A52": ["A53", "A55"],
    "ADT_A61": ["A62"],
    "BAR_P01": ["P05"],
    "MDM_T01": ["T03", "T05", "T07", "T09", "T11"],
    "MDM_T02": ["T04", "T06", "T08", "T10"],
    "SIU_S12": ["S13", "S14", "S15", "S16", "S17", "S18", "S19", "S20", "S21", "S22",
                "S23", "S24", "S26", "S27"],
    "REF_I12": ["I13", "I14", "I15"],
    "RRI_I12": ["I13", "I14", "I15"],
    "PPR_PC1": ["PC2", "PC3"],
    "RDE_O11": ["O25"],
    "ORU_R01": ["R32"],
    "QBP_Q11": ["Q13", "Q15"],
    "RSP_K11": ["K13", "K15"],
}


# Fields whose usage the standard's segment attribute table gives as C (conditional) or O
# but hl7apy marks R (min 1). The engine cannot evaluate the standard's conditions, so a
# C field is checked as optional (min 0): an empty one is not HL7_REQUIRED_FIELD_EMPTY.
# (version, segment, field number) -> where the standard says so.
USAGE_OVERRIDES = {
    # OBX-4 Observation Sub-ID: OPT C in the OBX attribute table of chapter 7
    # (v2.3.1 section 7.3.2 figure 7-5 "OBX attributes"; v2.7 and v2.8 section 7.4.2
    # "HL7 Attribute Table - OBX - Observation/Result"). hl7apy has it R in exactly these
    # three versions and O (as the standard's C) in 2.3, 2.4, 2.5, 2.5.1, 2.6, 2.8.1, 2.8.2.
    ("2.3.1", "OBX", 4): "v2.3.1 section 7.3.2, figure 7-5: OBX-4 OPT C",
    ("2.7", "OBX", 4): "v2.7 section 7.4.2, HL7 Attribute Table - OBX: OBX-4 OPT C",
    ("2.8", "OBX", 4): "v2.8 section 7.4.2, HL7 Attribute Table - OBX: OBX-4 OPT C",
}


OVERRIDES_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                              "table-overrides.json")


def load_overrides():
    with open(OVERRIDES_FILE, encoding="utf-8") as f:
        data = json.load(f)
    for entry in data["overrides"]:
        if not entry.get("citation"):
            raise SystemExit("table override without a citation: %r" % (entry,))
    return data["overrides"]


def module_name(version):
    return "hl7apy.v" + version.replace(".", "_")


def table_id(name):
    if not name:
        return ""
    return name[3:] if name.startswith("HL7") else name


def position(name, count):
    """The 1-based number in an element name (`PID_7` -> 7), else the next one."""
    suffix = name.rsplit("_", 1)[-1]
    return int(suffix) if suffix.isdigit() and int(suffix) > count else count + 1


def children(items, groups):
    out = []
    for item in items:
        name, _ref, (lo, hi), kind = item[0], item[1], item[2], item[3]
        out.append([name, lo, hi, 1 if kind == "GRP" else 0])
    return out


def generate(version):
    base = module_name(version)
    lib = importlib.import_module(base)
    messages = {k: children(v[1], lib.GROUPS) for k, v in lib.MESSAGES.items()}
    groups = {k: children(v[1], lib.GROUPS) for k, v in lib.GROUPS.items()}
    # `<A | B | C>` choices (ORM_O01_CHOICE): exactly one child occurs.
    choices = sorted(k for k, v in lib.GROUPS.items() if v[0] == "choice")
    segments = {}
    used_tables = set()
    # The data types that refer to each table: ID means an HL7-defined table, IS a
    # user-defined one (v2.5.1 sections 2.A.35 and 2.A.36).
    referring = {}
    for seg, value in lib.SEGMENTS.items():
        if len(value) != 2:
            continue  # a malformed entry (v2.1 ORO) that hl7apy itself cannot use
        fields = value[1]
        row = []
        for name, ref, (lo, hi), _k in fields:
            # hl7apy leaves some withdrawn fields out (v2.8 SCH-9): place each field by
            # the number in its name, with an unchecked placeholder in any gap.
            number = position(name, len(row))
            while len(row) < number - 1:
                row.append(["", 0, -1, ""])
            if ref is None:  # a field hl7apy declares without a definition
                row.append(["", lo, hi, ""])
                continue
            data_type, table = ref[2], table_id(ref[4])
            if table:
                used_tables.add(table)
                referring.setdefault(table, set()).add(data_type)
            if (version, seg, number) in USAGE_OVERRIDES:
                lo = 0
            row.append([data_type or "", lo, hi, table])
        segments[seg] = row
    datatypes = {}
    for dt, comps in lib.DATATYPES_STRUCTS.items():
        row = []
        for name, ref, _card, _k in comps:
            number = position(name, len(row))
            while len(row) < number - 1:
                row.append(["", ""])
            if ref is None:
                row.append(["", ""])
                continue
            table = table_id(ref[4])
            if table:
                used_tables.add(table)
                referring.setdefault(table, set()).add(ref[2])
            row.append([ref[2] or "", table])
        datatypes[dt] = row
    tables = {}
    try:
        all_tables = importlib.import_module(base + ".tables").TABLES
    except ImportError:
        all_tables = {}
    for name, (_desc, values) in all_tables.items():
        tid = table_id(name)
        if tid in used_tables and values:
            tables[tid] = sorted(set(str(v) for v in values))
    for entry in OVERRIDES:
        if version in entry["versions"] and entry.get("add") and entry["table"] in tables:
            tables[entry["table"]] = sorted(set(tables[entry["table"]]) | set(entry["add"]))
    events = {}
    for structure, evs in SHARED_STRUCTURES.items():
        mtype = structure.split("_")[0]
        if structure not in messages:
            continue
        for ev in evs:
            if mtype + "_" + ev not in messages:
                events[mtype + "^" + ev] = structure
    return {
        "version": version,
        "source": PACKAGE + " " + installed_version(),
        "messages": messages,
        "groups": groups,
        "choices": choices,
        "segments": segments,
        "datatypes": datatypes,
        "tables": tables,
        "table_types": own_table_types(referring),
        "events": events,
    }


def own_table_types(referring):
    """Each table's type as this version's own data types show it: a table that an ID
    element refers to is HL7-defined (v2.5.1 section 2.A.35: ID values come from an HL7
    table), one that only IS elements refer to is user-defined (section 2.A.36: IS values
    come from a site-defined table). Tables only composites (CE, CWE, ...) refer to are
    not decided here."""
    out = {}
    for table, types in referring.items():
        if "ID" in types:
            out[table] = "hl7"
        elif "IS" in types:
            out[table] = "user"
    return out


def table_types(all_data):
    """Completes each version's `table_types`. A table that only composites refer to in
    one version (v2.7 replaced most IS fields with CWE, v2.7 section 2.A.36) takes the type
    its own data types give it in the nearest version that decides it, earlier versions
    first: HL7 keeps a table's number and owner across versions. Then the override file
    has the last word, version by version. A table no version decides is left out, and
    the engine does not enforce it."""
    order = [v for v in VERSIONS if v in all_data]
    own = {v: dict(all_data[v]["table_types"]) for v in order}
    for i, v in enumerate(order):
        data = all_data[v]
        types = {}
        candidates = list(reversed(order[:i])) + order[i + 1:]
        for table in data["tables"]:
            kind = own[v].get(table)
            for other in candidates:
                if kind is not None:
                    break
                kind = own[other].get(table)
            if kind is not None:
                types[table] = kind
        for entry in OVERRIDES:
            if v in entry["versions"] and entry.get("type") and entry["table"] in data["tables"]:
                types[entry["table"]] = entry["type"]
        data["table_types"] = types


def installed_version():
    from importlib.metadata import version
    return version(PACKAGE)


def write_all(out_dir):
    os.makedirs(out_dir, exist_ok=True)
    written = []
    all_data = {}
    for version in VERSIONS:
        try:
            importlib.import_module(module_name(version))
        except ImportError:
            continue  # hl7apy does not ship this version (2.7.1)
        all_data[version] = generate(version)
    table_types(all_data)
    for version, data in all_data.items():
        name = "v" + version.replace(".", "_") + ".json"
        with open(os.path.join(out_dir, name), "w", encoding="utf-8", newline="\n") as f:
            json.dump(data, f, sort_keys=True, separators=(",", ":"))
            f.write("\n")
        written.append(name)
    return written


def main(argv):
    OVERRIDES.extend(load_overrides())
    here = os.path.dirname(os.path.abspath(__file__))
    default_out = os.path.join(here, "..", "..", "schemas", "hl7v2")
    if argv[1:2] == ["--check"]:
        with tempfile.TemporaryDirectory() as tmp:
            names = write_all(tmp)
            bad = [n for n in names
                   if not filecmp.cmp(os.path.join(tmp, n), os.path.join(default_out, n),
                                      shallow=False)
                   if os.path.exists(os.path.join(default_out, n))]
            missing = [n for n in names if not os.path.exists(os.path.join(default_out, n))]
            if bad or missing:
                print("schemas/hl7v2 drifted from the generator: changed %s, missing %s; "
                      "rerun python3 tools/hl7v2/generate.py" % (bad, missing))
                return 1
            print("schemas/hl7v2 matches the generator (%d files)" % len(names))
            return 0
    out = argv[1] if len(argv) > 1 else default_out
    for name in write_all(out):
        print("wrote", os.path.join(out, name))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
