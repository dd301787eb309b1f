//! The merge schema: how each list and map of a served type merges and
//! how its ownership is tracked, read from the Kubernetes 1.33 OpenAPI
//! definitions in `tests/data/kubernetes-1.33.json` (the same extensions
//! kube-apiserver hands to structured-merge-diff).
//!
//! The file is parsed once into a compact table of shapes (struct, map,
//! list, scalar) and walked with a [`Type`] cursor alongside the value
//! being merged. It is the only source of list and map types:
//! `x-kubernetes-list-type` (absent = atomic, as for every built-in
//! list), `x-kubernetes-list-map-keys`, `x-kubernetes-map-type` on a field
//! or on a whole struct (`LocalObjectReference`, `SecretKeySelector`...),
//! and, for strategic merge patch, `x-kubernetes-patch-strategy` /
//! `-patch-merge-key`.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde_json::Value;

/// The definitions file, compiled in so no test depends on the working
/// directory.
const DEFINITIONS: &str = include_str!("../../data/kubernetes-1.33.json");

/// How a list merges and how its ownership is tracked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListType {
    /// Replaced and owned as a whole (`args`, `tolerations`, `accessModes`...).
    Atomic,
    /// Items identified by these fields (`containers` by `name`...).
    Map(&'static [String]),
    /// Items are unique scalars (`finalizers`).
    Set,
}

/// How strategic merge patch treats a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmpList {
    /// The patch's list replaces the live one.
    Replace,
    /// Items merge by this field.
    MergeKey(&'static str),
    /// Scalars are added to the live ones (`finalizers`).
    Union,
}

/// One type position of the schema.
#[derive(Debug)]
enum Shape {
    /// A named definition (`$ref`).
    Ref(String),
    Struct {
        fields: HashMap<String, Shape>,
        atomic: bool,
    },
    /// `additionalProperties`: a Go map.
    Map { values: Box<Shape>, atomic: bool },
    List {
        items: Box<Shape>,
        list: ListKind,
        smp: SmpKind,
    },
    /// Strings, numbers, int-or-string, quantities.
    Scalar,
    /// An object without a declared structure (`RawExtension`):
    /// structured-merge-diff deduces it (maps granular, lists atomic).
    Untyped,
}

#[derive(Debug)]
enum ListKind {
    Atomic,
    Map(Vec<String>),
    Set,
}

#[derive(Debug)]
enum SmpKind {
    Replace,
    MergeKey(String),
    Union,
}

struct Schema {
    definitions: HashMap<String, Shape>,
    /// `(group, version, kind)` → definition name.
    kinds: HashMap<(String, String, String), String>,
}

fn schema() -> &'static Schema {
    static SCHEMA: OnceLock<Schema> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        let document: Value =
            serde_json::from_str(DEFINITIONS).expect("tests/data/kubernetes-1.33.json is JSON");
        load(&document)
    })
}

fn load(document: &Value) -> Schema {
    let mut definitions = HashMap::new();
    let mut kinds = HashMap::new();
    let defs = document.get("$defs").and_then(Value::as_object);
    for (name, node) in defs.into_iter().flatten() {
        definitions.insert(name.clone(), parse(node));
        let gvks = node
            .get("x-kubernetes-group-version-kind")
            .and_then(Value::as_array);
        for gvk in gvks.into_iter().flatten() {
            let part = |key: &str| {
                gvk.get(key)
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string()
            };
            kinds.insert((part("group"), part("version"), part("kind")), name.clone());
        }
    }
    Schema { definitions, kinds }
}

fn parse(node: &Value) -> Shape {
    if let Some(reference) = node.get("$ref").and_then(Value::as_str) {
        let name = reference.rsplit('/').next().unwrap_or(reference);
        return Shape::Ref(name.to_string());
    }
    let text = |key: &str| node.get(key).and_then(Value::as_str);
    let is = |wanted: &str| match node.get("type") {
        Some(Value::String(t)) => t == wanted,
        Some(Value::Array(types)) => types.iter().any(|t| t == wanted),
        _ => false,
    };
    if is("array") {
        let keys: Vec<String> = node
            .get("x-kubernetes-list-map-keys")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect();
        let list = match text("x-kubernetes-list-type") {
            Some("map") => ListKind::Map(keys),
            Some("set") => ListKind::Set,
            _ => ListKind::Atomic,
        };
        let merges = text("x-kubernetes-patch-strategy").is_some_and(|s| s.contains("merge"));
        let smp = match text("x-kubernetes-patch-merge-key") {
            Some(key) if merges => SmpKind::MergeKey(key.to_string()),
            None if merges => SmpKind::Union,
            _ => SmpKind::Replace,
        };
        let items = node.get("items").map(parse).unwrap_or(Shape::Untyped);
        return Shape::List {
            items: Box::new(items),
            list,
            smp,
        };
    }
    let atomic = text("x-kubernetes-map-type") == Some("atomic");
    if let Some(properties) = node.get("properties").and_then(Value::as_object) {
        let fields = properties
            .iter()
            .map(|(name, field)| (name.clone(), parse(field)))
            .collect();
        return Shape::Struct { fields, atomic };
    }
    if let Some(values) = node.get("additionalProperties").filter(|v| v.is_object()) {
        return Shape::Map {
            values: Box::new(parse(values)),
            atomic,
        };
    }
    if is("object") {
        return Shape::Untyped;
    }
    Shape::Scalar
}

/// Go struct fields that are pointers: absent from a zero object, so the
/// writer that creates one owns the struct itself too (the `.` entry of
/// `FieldsV1`), as it does a map. The OpenAPI schema does not say which
/// fields are pointers; these are the ones the served kinds write.
const POINTER_STRUCTS: &[&str] = &["rollingUpdate"];

/// A position in the schema: the type of the value at some path.
#[derive(Debug, Clone, Copy)]
pub struct Type {
    shape: Option<&'static Shape>,
    /// The field name the position was reached by (for [`POINTER_STRUCTS`]).
    name: &'static str,
    /// A `resource.Quantity`, stored in canonical form.
    quantity: bool,
}

const QUANTITY: &str = "io.k8s.apimachinery.pkg.api.resource.Quantity";

impl Type {
    /// The top of an object of the given kind; an unknown kind gets
    /// [`Type::unknown`].
    pub fn root(api_version: &str, kind: &str) -> Type {
        let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
        let key = (group.to_string(), version.to_string(), kind.to_string());
        let schema = schema();
        let shape = schema
            .kinds
            .get(&key)
            .and_then(|name| schema.definitions.get(name));
        Type::at(shape, "")
    }

    /// A value of no known type (a `Scale`, say): maps merge key by key,
    /// lists are atomic.
    pub fn unknown() -> Type {
        Type {
            shape: None,
            name: "",
            quantity: false,
        }
    }

    fn at(shape: Option<&'static Shape>, name: &'static str) -> Type {
        Type {
            shape: shape.map(resolve),
            name,
            quantity: matches!(shape, Some(Shape::Ref(r)) if r == QUANTITY),
        }
    }

    /// The type of field `name` of this struct, or of a value of this map.
    pub fn field(self, name: &str) -> Type {
        match self.shape {
            Some(Shape::Struct { fields, .. }) => match fields.get_key_value(name) {
                Some((key, shape)) => Type::at(Some(shape), key.as_str()),
                None => Type::unknown(),
            },
            Some(Shape::Map { values, .. }) => Type::at(Some(values), ""),
            _ => Type::unknown(),
        }
    }

    /// The type of this list's items.
    pub fn item(self) -> Type {
        match self.shape {
            Some(Shape::List { items, .. }) => Type::at(Some(items), ""),
            _ => Type::unknown(),
        }
    }

    pub fn list_type(self) -> ListType {
        match self.shape {
            Some(Shape::List {
                list: ListKind::Map(keys),
                ..
            }) => ListType::Map(keys),
            Some(Shape::List {
                list: ListKind::Set,
                ..
            }) => ListType::Set,
            _ => ListType::Atomic,
        }
    }

    /// Owned and replaced as a whole: `x-kubernetes-map-type: atomic` on
    /// the field (`nodeSelector`, a Service's `selector`) or on the struct
    /// (`LabelSelector`, `SecretKeySelector`, `LocalObjectReference`...).
    pub fn is_atomic_map(self) -> bool {
        matches!(
            self.shape,
            Some(Shape::Struct { atomic: true, .. } | Shape::Map { atomic: true, .. })
        )
    }

    /// A Go map or pointer struct: when an update creates one, the
    /// updater also owns the map itself (`.` in `FieldsV1`).
    pub fn is_free_form_map(self) -> bool {
        match self.shape {
            Some(Shape::Map { .. } | Shape::Untyped) => true,
            Some(Shape::Struct { .. }) => POINTER_STRUCTS.contains(&self.name),
            _ => false,
        }
    }

    /// How strategic merge patch merges this list.
    pub fn smp_list(self) -> SmpList {
        match self.shape {
            Some(Shape::List {
                smp: SmpKind::MergeKey(key),
                ..
            }) => SmpList::MergeKey(key),
            Some(Shape::List {
                smp: SmpKind::Union,
                ..
            }) => SmpList::Union,
            _ => SmpList::Replace,
        }
    }

    /// Whether values here are `resource.Quantity` texts.
    pub fn is_quantity(self) -> bool {
        self.quantity
    }

    /// Whether the schema knows this position at all.
    pub fn is_known(self) -> bool {
        self.shape.is_some()
    }
}

fn resolve(mut shape: &'static Shape) -> &'static Shape {
    // Definitions only refer to other definitions, never in a circle
    // without a struct in between; the bound guards against a bad file.
    for _ in 0..16 {
        let Shape::Ref(name) = shape else {
            return shape;
        };
        match schema().definitions.get(name) {
            Some(target) => shape = target,
            None => return &UNTYPED,
        }
    }
    shape
}

static UNTYPED: Shape = Shape::Untyped;

/// Key fields that have a schema default; SSA fills them in before
/// building an item's key, which is why a port applied without `protocol`
/// still shows up as `k:{"containerPort":80,"protocol":"TCP"}`.
pub fn key_default(field: &str) -> Option<&'static str> {
    (field == "protocol").then_some("TCP")
}

/// The list type of every list and the map type of every map and struct
/// reachable from `kind` (`list-type=map keys=name`, `map-type=atomic`),
/// read straight from the JSON file, not from the table, for the test
/// that holds the two together. Paths are field names joined by `.`, with
/// `[]` for a list's items and `{}` for a map's values; the walk stops at
/// a definition already on the path.
pub fn extensions_in_definitions(api_version: &str, kind: &str) -> Vec<(String, String)> {
    let document: Value = serde_json::from_str(DEFINITIONS).unwrap_or(Value::Null);
    let defs = &document["$defs"];
    let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
    let root = defs.as_object().into_iter().flatten().find(|(_, def)| {
        def["x-kubernetes-group-version-kind"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|g| g["group"] == group && g["version"] == version && g["kind"] == kind)
    });
    let mut out = Vec::new();
    if let Some((name, def)) = root {
        collect(defs, def, String::new(), &mut vec![name.clone()], &mut out);
    }
    out
}

fn collect(
    defs: &Value,
    node: &Value,
    path: String,
    seen: &mut Vec<String>,
    out: &mut Vec<(String, String)>,
) {
    if let Some(reference) = node["$ref"].as_str() {
        let name = reference
            .rsplit('/')
            .next()
            .unwrap_or(reference)
            .to_string();
        if seen.contains(&name) {
            return;
        }
        seen.push(name.clone());
        collect(defs, &defs[&name], path, seen, out);
        seen.pop();
        return;
    }
    let is = |wanted: &str| match &node["type"] {
        Value::String(t) => t == wanted,
        Value::Array(types) => types.iter().any(|t| t == wanted),
        _ => false,
    };
    if is("array") {
        let mut text = format!(
            "list-type={}",
            node["x-kubernetes-list-type"].as_str().unwrap_or("atomic")
        );
        if let Some(keys) = node["x-kubernetes-list-map-keys"].as_array() {
            let keys: Vec<&str> = keys.iter().filter_map(Value::as_str).collect();
            text.push_str(&format!(" keys={}", keys.join(",")));
        }
        out.push((path.clone(), text));
    } else if is("object") {
        let map_type = node["x-kubernetes-map-type"].as_str().unwrap_or("granular");
        out.push((path.clone(), format!("map-type={map_type}")));
    }
    if let Some(properties) = node["properties"].as_object() {
        for (name, child) in properties {
            let child_path = if path.is_empty() {
                name.clone()
            } else {
                format!("{path}.{name}")
            };
            collect(defs, child, child_path, seen, out);
        }
    }
    if node["items"].is_object() {
        collect(defs, &node["items"], format!("{path}[]"), seen, out);
    }
    if node["additionalProperties"].is_object() {
        collect(
            defs,
            &node["additionalProperties"],
            format!("{path}{{}}"),
            seen,
            out,
        );
    }
}

impl Type {
    /// The table's answer for this position, in the words of
    /// [`extensions_in_definitions`]; `None` for scalars.
    pub fn describe(self) -> Option<String> {
        match self.shape? {
            Shape::List { .. } => Some(match self.list_type() {
                ListType::Atomic => "list-type=atomic".to_string(),
                ListType::Set => "list-type=set".to_string(),
                ListType::Map(keys) => format!("list-type=map keys={}", keys.join(",")),
            }),
            Shape::Struct { atomic, .. } | Shape::Map { atomic, .. } => Some(format!(
                "map-type={}",
                if *atomic { "atomic" } else { "granular" }
            )),
            Shape::Untyped => Some("map-type=granular".to_string()),
            Shape::Scalar | Shape::Ref(_) => None,
        }
    }
}
