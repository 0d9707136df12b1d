//! `show --format json` output must validate against the checked-in schema
//! `runbook/schema/runbook.schema.json`. The validator below implements the
//! JSON Schema keywords the schema uses (and fails on any other, so the
//! schema cannot silently grow past what is checked).

// Helpers outside #[test] fns are not covered by clippy.toml's allow-*-in-tests.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use wharf_runbook::commands::{Format, show_file};

fn schema() -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("schema/runbook.schema.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

const KEYWORDS: &[&str] = &[
    "$schema",
    "$id",
    "$ref",
    "$defs",
    "title",
    "description",
    "type",
    "const",
    "enum",
    "anyOf",
    "properties",
    "required",
    "additionalProperties",
    "items",
    "minimum",
    "maximum",
];

fn type_ok(t: &str, v: &Value) -> bool {
    match t {
        "object" => v.is_object(),
        "array" => v.is_array(),
        "string" => v.is_string(),
        "boolean" => v.is_boolean(),
        "null" => v.is_null(),
        "number" => v.is_number(),
        "integer" => v.is_i64() || v.is_u64(),
        other => panic!("unsupported type {other}"),
    }
}

fn validate(root: &Value, s: &Value, v: &Value, path: &str, errors: &mut Vec<String>) {
    let Some(obj) = s.as_object() else {
        return;
    };
    for k in obj.keys() {
        assert!(
            KEYWORDS.contains(&k.as_str()),
            "schema keyword {k} is not supported by this test"
        );
    }
    if let Some(r) = obj.get("$ref").and_then(Value::as_str) {
        let name = r.strip_prefix("#/$defs/").unwrap();
        validate(root, &root["$defs"][name], v, path, errors);
    }
    if let Some(c) = obj.get("const")
        && c != v
    {
        errors.push(format!("{path}: expected {c}, got {v}"));
    }
    if let Some(e) = obj.get("enum").and_then(Value::as_array)
        && !e.contains(v)
    {
        errors.push(format!("{path}: {v} not in enum"));
    }
    if let Some(t) = obj.get("type") {
        let ok = match t {
            Value::String(t) => type_ok(t, v),
            Value::Array(ts) => ts.iter().any(|t| type_ok(t.as_str().unwrap(), v)),
            _ => panic!("bad type"),
        };
        if !ok {
            errors.push(format!("{path}: {v} is not of type {t}"));
            return;
        }
    }
    if let Some(any) = obj.get("anyOf").and_then(Value::as_array) {
        let fits = any.iter().any(|alt| {
            let mut e = Vec::new();
            validate(root, alt, v, path, &mut e);
            e.is_empty()
        });
        if !fits {
            errors.push(format!("{path}: matches no anyOf alternative"));
        }
    }
    if let (Some(min), Some(n)) = (obj.get("minimum").and_then(Value::as_f64), v.as_f64())
        && n < min
    {
        errors.push(format!("{path}: {n} < {min}"));
    }
    if let (Some(max), Some(n)) = (obj.get("maximum").and_then(Value::as_f64), v.as_f64())
        && n > max
    {
        errors.push(format!("{path}: {n} > {max}"));
    }
    if let Some(vo) = v.as_object() {
        let props = obj.get("properties").and_then(Value::as_object);
        for req in obj
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if !vo.contains_key(req.as_str().unwrap()) {
                errors.push(format!("{path}: missing required {req}"));
            }
        }
        for (k, val) in vo {
            match props.and_then(|p| p.get(k)) {
                Some(ps) => validate(root, ps, val, &format!("{path}.{k}"), errors),
                None => match obj.get("additionalProperties") {
                    Some(Value::Bool(false)) => {
                        errors.push(format!("{path}: undocumented property {k}"))
                    }
                    Some(ap @ Value::Object(_)) => {
                        validate(root, ap, val, &format!("{path}.{k}"), errors)
                    }
                    _ => {}
                },
            }
        }
    }
    if let (Some(items), Some(arr)) = (obj.get("items"), v.as_array()) {
        for (i, item) in arr.iter().enumerate() {
            validate(root, items, item, &format!("{path}[{i}]"), errors);
        }
    }
}

fn errors_for(v: &Value) -> Vec<String> {
    let root = schema();
    let mut errors = Vec::new();
    validate(&root, &root, v, "$", &mut errors);
    errors
}

fn show_json(path: &Path) -> Value {
    let out = show_file(path, Format::Json);
    assert!(out.success, "{}", out.stderr);
    serde_json::from_str(&out.stdout).unwrap()
}

fn inputs() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in ["tests/reference", "tests/bad", "tests/corpus", "templates"] {
        for e in std::fs::read_dir(root.join(dir)).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|e| e == "md") {
                files.push(p);
            }
        }
    }
    files.sort();
    files
}

#[test]
fn show_output_validates_against_the_schema() {
    let mut checked = 0;
    for path in inputs() {
        let out = show_file(&path, Format::Json);
        if !out.success {
            continue; // empty, binary, not UTF-8: nothing to show
        }
        let v: Value = serde_json::from_str(&out.stdout).unwrap();
        let errors = errors_for(&v);
        assert!(errors.is_empty(), "{}: {errors:#?}", path.display());
        checked += 1;
    }
    assert!(checked >= 35, "validated only {checked} files");
}

#[test]
fn show_output_deserializes_back_into_a_runbook() {
    for path in inputs() {
        let out = show_file(&path, Format::Json);
        if !out.success {
            continue;
        }
        let rb: wharf_runbook::Runbook = serde_json::from_str(&out.stdout).unwrap();
        assert_eq!(
            serde_json::to_string_pretty(&rb).unwrap() + "\n",
            out.stdout,
            "{}",
            path.display()
        );
    }
}

#[test]
fn every_schema_property_is_required_and_every_required_is_described() {
    // show always prints every field (null when absent), so the schema lists
    // each property as required; a field added to the Rust type but not to the
    // schema fails the validation above (additionalProperties: false).
    let root = schema();
    let mut objects = vec![root.clone()];
    objects.extend(root["$defs"].as_object().unwrap().values().cloned());
    for o in objects.iter().filter(|o| o.get("properties").is_some()) {
        let mut props: Vec<&str> = o["properties"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let mut req: Vec<&str> = o["required"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r.as_str().unwrap())
            .collect();
        props.sort_unstable();
        req.sort_unstable();
        assert_eq!(props, req);
        assert_eq!(o["additionalProperties"], json!(false));
    }
}

#[test]
fn the_validator_rejects_what_the_schema_forbids() {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/reference/juliusbrussee--caveman.md");
    let mut v = show_json(&path);
    assert!(errors_for(&v).is_empty());
    v["steps"][0]["surprise"] = json!(1);
    v["iteration"]["max_rounds"] = json!("three");
    v["sections"][0]["kind"] = json!("preamble");
    v.as_object_mut().unwrap().remove("title");
    let errors = errors_for(&v);
    assert_eq!(errors.len(), 4, "{errors:#?}");
}
