//! `kubectl wizard explain FIELD`: what a state field means, in the shape
//! of `kubectl explain` (KIND, FIELD, DESCRIPTION, FIELDS), from the same
//! field tables the reader uses, plus what kubectl cannot say: the allowed
//! values, the default, when it is required and which Kubernetes fields it
//! becomes.

use super::fields::{self, Field, Need, Table, Ty};

/// A path that names no field: where it stopped and what was there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unknown {
    /// The path up to the unknown segment (`_services.volumeClaimTemplates`).
    pub parent: String,
    pub segment: String,
    /// The nearest known name, if one is close.
    pub nearest: Option<&'static str>,
    /// Every name known at that level.
    pub known: Vec<&'static str>,
}

impl std::fmt::Display for Unknown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let at = if self.parent.is_empty() {
            "the state".to_string()
        } else {
            format!("`{}`", self.parent)
        };
        write!(f, "field `{}` does not exist in {at}", self.segment)?;
        if let Some(near) = self.nearest {
            write!(f, "; did you mean `{near}`?")?;
        }
        write!(f, " (known fields: {})", self.known.join(", "))
    }
}

/// What a path names: the table it is in, and the field (none for the
/// state itself).
#[derive(Debug, Clone, Copy)]
pub struct Resolved {
    pub parent: &'static Table,
    pub field: Option<&'static Field>,
}

impl Resolved {
    /// The table of the maps under the named field (or the state's).
    pub fn table(&self) -> Option<&'static Table> {
        match self.field {
            Some(field) => field.ty.table(),
            None => Some(&fields::STATE),
        }
    }
}

/// The segments of a path: `_services[0].volumeClaimTemplates.size` →
/// `_services`, `volumeClaimTemplates`, `size`. A project file's
/// `kubernetes.` at the front is dropped.
fn segments(path: &str) -> Vec<String> {
    let mut parts: Vec<String> = path
        .split('.')
        .map(|part| part.split('[').next().unwrap_or("").trim().to_string())
        .filter(|part| !part.is_empty())
        .collect();
    if parts.first().map(String::as_str) == Some("kubernetes") {
        parts.remove(0);
    }
    parts
}

/// Find the field a path names. The top-level lists' leading `_` may be
/// left out (`services.image` is `_services.image`).
pub fn resolve(path: &str) -> Result<(String, Resolved), Unknown> {
    let mut table: &'static Table = &fields::STATE;
    let mut resolved = Resolved {
        parent: table,
        field: None,
    };
    let mut canonical: Vec<&'static str> = Vec::new();
    for segment in segments(path) {
        let field = table.field(&segment).or_else(|| {
            // `services` is itself an alias; prefer the list it names.
            canonical
                .is_empty()
                .then(|| table.field(&format!("_{segment}")))
                .flatten()
        });
        let field = match field {
            Some(field) => field,
            None => {
                return Err(Unknown {
                    parent: canonical.join("."),
                    nearest: crate::check::closest(&segment, table.names()),
                    segment,
                    known: table.names().collect(),
                })
            }
        };
        let field = match (canonical.is_empty(), field.alias_of) {
            (true, Some(of)) => table.field(of).unwrap_or(field),
            _ => field,
        };
        resolved = Resolved {
            parent: table,
            field: Some(field),
        };
        canonical.push(field.name);
        if let Some(next) = field.ty.table() {
            table = next;
        } else {
            table = &EMPTY;
        }
    }
    Ok((canonical.join("."), resolved))
}

/// The table of a field that holds no map: every name is unknown in it.
static EMPTY: Table = Table {
    id: "none",
    title: "none",
    description: "",
    parts: &[],
};

const INDENT: &str = "    ";

/// The explanation of a path, as `explain` prints it.
pub fn explain(path: &str, recursive: bool) -> Result<String, Unknown> {
    let (canonical, resolved) = resolve(path)?;
    let mut out = String::new();
    out.push_str(&format!("KIND:       {}\n", fields::STATE.title));
    out.push_str(&format!(
        "VERSION:    kubectl-wizard/{}\n\n",
        env!("CARGO_PKG_VERSION")
    ));
    match resolved.field {
        None => {
            out.push_str("DESCRIPTION:\n");
            out.push_str(&wrap(fields::STATE.description, INDENT));
            out.push('\n');
            push_wrapped(&mut out, fields::ROOT.description);
        }
        Some(field) => {
            out.push_str(&format!("FIELD: {} <{}>\n", field.name, field.ty.name()));
            out.push_str(&format!("PATH:  {canonical}\n\n"));
            out.push_str("DESCRIPTION:\n");
            out.push_str(&wrap(field.description, INDENT));
            if let Some(table) = field.ty.table() {
                out.push('\n');
                push_wrapped(&mut out, table.description);
            }
            push_section(&mut out, "ALLOWED VALUES", &allowed(field));
            push_section(&mut out, "DEFAULT", field.default.unwrap_or(""));
            push_section(&mut out, "REQUIRED", &need(field.need));
            push_section(&mut out, "ALIAS OF", field.alias_of.unwrap_or(""));
            push_section(&mut out, "BECOMES", field.becomes);
        }
    }
    if let Some(table) = resolved.table() {
        out.push_str("\nFIELDS:\n");
        list_fields(&mut out, table, 1, recursive);
    }
    Ok(out)
}

fn push_wrapped(out: &mut String, text: &str) {
    out.push_str(&wrap(text, INDENT));
}

fn push_section(out: &mut String, title: &str, body: &str) {
    if body.is_empty() {
        return;
    }
    out.push_str(&format!("\n{title}:\n"));
    out.push_str(&wrap(body, INDENT));
}

/// The allowed values of a field, as a user writes them.
fn allowed(field: &Field) -> String {
    match field.ty {
        Ty::Enum(words) => words.join(", "),
        Ty::Integer { min, max } if max == i64::from(i32::MAX) || max == i64::MAX => {
            format!("a whole number, at least {min}")
        }
        Ty::Integer { min, max } => format!("a whole number from {min} to {max}"),
        Ty::Boolean => "true, false".into(),
        Ty::Label => "a DNS-1123 label: at most 63 lower-case letters, digits and '-', starting and ending with a letter or digit".into(),
        Ty::Subdomain => "a Kubernetes object name (DNS-1123 subdomain): lower-case letters, digits, '-' and '.', at most 253".into(),
        Ty::AbsolutePath => "an absolute path without `..`".into(),
        Ty::Quantity => "a Kubernetes quantity such as 10Gi, 512Mi, 500m or 0.5".into(),
        Ty::IntOrPercent => "a whole number or a percentage such as \"25%\"".into(),
        Ty::Labels => "\"key=value, key2=value2\" or a map of labels".into(),
        Ty::Ports => "\"8080,9090\", a port, or a list of ports".into(),
        Ty::Values => "a map of names to values (`LOG_LEVEL: debug`)".into(),
        _ => String::new(),
    }
}

fn need(need: Need) -> String {
    match need {
        Need::Optional => String::new(),
        Need::Always => "yes".into(),
        Need::When(field, values) => format!("when {field} is {}", values.join(" or ")),
        Need::Unless(field, values) => format!("unless {field} is {}", values.join(" or ")),
    }
}

/// `  name\t<type> -required-` per field, with its description (or, with
/// `recursive`, the fields under it instead), as kubectl explain does.
fn list_fields(out: &mut String, table: &Table, depth: usize, recursive: bool) {
    let indent = "  ".repeat(depth);
    for field in table.fields() {
        let required = if field.need == Need::Always {
            " -required-"
        } else {
            ""
        };
        out.push_str(&format!(
            "{indent}{}\t<{}>{required}\n",
            field.name,
            field.ty.name()
        ));
        // An alias's tree is its field's; it is listed once.
        if recursive && field.alias_of.is_none() {
            if let Some(inner) = field.ty.table() {
                list_fields(out, inner, depth + 1, true);
            }
        } else if !recursive {
            out.push_str(&wrap(field.description, &format!("{indent}  ")));
            out.push('\n');
        }
    }
}

/// Wrap text at 80 columns with an indent on every line.
fn wrap(text: &str, indent: &str) -> String {
    let mut out = String::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && indent.len() + line.len() + 1 + word.len() > 80 {
            out.push_str(indent);
            out.push_str(&line);
            out.push('\n');
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        out.push_str(indent);
        out.push_str(&line);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_resolve_with_or_without_the_underscore_and_indices() {
        for path in [
            "_services.volumeClaimTemplates.size",
            "services.volumeClaimTemplates.size",
            "_services[0].volumeClaimTemplates[1].size",
            "kubernetes._services.volumeClaimTemplates.size",
        ] {
            let (canonical, resolved) = resolve(path).unwrap();
            assert_eq!(canonical, "_services.volumeClaimTemplates.size", "{path}");
            assert_eq!(resolved.field.unwrap().default, Some("1Gi"));
        }
    }

    #[test]
    fn an_unknown_segment_names_where_and_the_nearest() {
        let unknown = resolve("_services.volumeClaimTemplate.size").unwrap_err();
        assert_eq!(unknown.parent, "_services");
        assert_eq!(unknown.segment, "volumeClaimTemplate");
        assert_eq!(unknown.nearest, Some("volumeClaimTemplates"));
        let unknown = resolve("namespace.x").unwrap_err();
        assert_eq!(unknown.parent, "namespace");
        assert!(unknown.known.is_empty());
    }
}
