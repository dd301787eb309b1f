//! A state's services read one at a time, as the parser completes each:
//! the tree of one service is read into its model and dropped before the
//! next is parsed, so a large state's tree is never whole in memory (the
//! services are nearly all of it). The rest of the document is kept as a
//! tree and read as before.
//!
//! The services are taken from the first list that could be them (`_services`
//! or `services`, at the top or under `kubernetes:`), before the parser
//! knows which list the state reader will read, whether the state has
//! environments (applied to the services' trees before they are read) and
//! how many unknown keys it has (typo hints stop after a number of them,
//! in reading order). When the finished document shows that reading the
//! taken list first was not what reading the whole tree does, the text is
//! read again whole (`is_what_the_tree_reads`): the answer is the same either way.

use serde_json::Value;

use super::fields;
use super::reader::{Reader, MAX_HINTS};
use super::service;
use crate::model::Service;
use crate::yaml::Split;

/// The services handed over by the parser, read.
#[derive(Default)]
pub struct Services {
    /// Collects the findings of the services, and then of the rest.
    pub reader: Reader,
    /// The path of the list taken (`_services`, `kubernetes.services`).
    pub list: Option<String>,
    /// Each service that could be read, in order.
    pub read: Vec<Service>,
    /// The index of the next item.
    next: usize,
}

impl Split for Services {
    fn wants(&mut self, keys: &[&str]) -> bool {
        let wanted = match keys {
            [list] | ["kubernetes", list] => matches!(*list, "_services" | "services"),
            _ => false,
        };
        if wanted {
            self.list = Some(keys.join("."));
        }
        wanted
    }

    fn item(&mut self, value: Value) {
        let Some(list) = &self.list else {
            return;
        };
        let path = format!("{list}[{}]", self.next);
        self.next += 1;
        if let Some(service) = service::read_app_service(&self.reader, &path, &value) {
            self.read.push(service);
        }
    }

    fn restart(&mut self) {
        *self = Services::default();
    }
}

impl Services {
    /// Whether the services read are what reading the whole `document`
    /// reads, with the same findings: `list` is the list the state reader
    /// takes its services from (as `read_document` and `read_state` pick
    /// it), the state has no environments, and the typo hints went to the
    /// same keys (the state's own unknown keys are searched first when the
    /// tree is read whole; it matters only when there are more unknown
    /// keys than hints).
    pub fn is_what_the_tree_reads(&self, document: &Value) -> bool {
        let Some(list) = &self.list else {
            return false;
        };
        let (prefix, state) = match document.get("kubernetes") {
            None => ("", document.as_object()),
            Some(Value::Object(state)) => ("kubernetes.", Some(state)),
            // An empty or misshapen `kubernetes:` reads no services.
            Some(_) => return false,
        };
        let Some(state) = state else {
            return false;
        };
        if state.get("environments").is_some_and(|e| !e.is_null()) {
            return false;
        }
        let read = ["_services", "services"]
            .into_iter()
            .find(|key| state.get(*key).is_some_and(|v| !v.is_null()));
        if read.map(|key| format!("{prefix}{key}")).as_ref() != Some(list) {
            return false;
        }
        let unknown = state
            .keys()
            .filter(|key| !key.starts_with('_') && !fields::STATE.knows(key))
            .count();
        unknown == 0 || self.reader.hints_searched() + unknown <= MAX_HINTS
    }
}

#[cfg(test)]
mod tests {
    use super::super::{from_owned_value, read_text, LoadOptions, Text};
    use crate::diag::Diagnostics;
    use crate::yaml;

    /// The state read with its services taken on the way, and read whole
    /// from its tree: the same project, findings and objects; and whether
    /// the services were taken on the way (`Text::Read`).
    fn streamed_and_whole(text: &str) -> bool {
        let options = LoadOptions::default();
        let whole = from_owned_value(yaml::parse(text).unwrap(), &options);
        let (loaded, streamed) = match read_text(text, &options).unwrap() {
            Text::Read(loaded) => (*loaded, true),
            Text::Tree(document) => (from_owned_value(document, &options), false),
        };
        assert_eq!(loaded.project, whole.project, "{text}");
        assert_eq!(loaded.objects, whole.objects, "{text}");
        // In the order the findings are shown (`pipeline::build`): the
        // services' come first when read on the way.
        let positions = yaml::positions(text);
        let shown = |mut diagnostics: Diagnostics| {
            diagnostics.sort_by_position(|path| positions.get(path).copied());
            diagnostics.items
        };
        let (found, expected) = (shown(loaded.diagnostics), shown(whole.diagnostics));
        if found != expected {
            let differ = found.iter().zip(&expected).find(|(a, b)| a != b);
            panic!(
                "{} findings, {} expected; first difference {differ:?}\n{text}",
                found.len(),
                expected.len()
            );
        }
        streamed
    }

    /// The same text as JSON (read by the JSON reader).
    fn as_json(text: &str) -> String {
        serde_json::to_string(&yaml::parse(text).unwrap()).unwrap()
    }

    #[test]
    fn services_read_on_the_way_are_those_of_the_tree() {
        for text in [
            include_str!("../../examples/statefulset.yaml"),
            include_str!("../../examples/multi-service.yaml"),
            include_str!("../../examples/deployment.yaml"),
            // Findings in the services and around them, a typo among them.
            "namespace: Bad_NS\n_services:\n  - {name: web, image: nginx, port: 99999, imgae: x}\n  - {name: web, image: ''}\n  - 7\nnamspace: x\n_infraDecisions: [{name: db, kind: Managed}]\n",
            // Under `kubernetes:`, with the UI's project name.
            "name: Shop\nkubernetes:\n  services:\n    - {name: api, image: api:1, port: 80}\n",
            // An anchor in one service used by a later one and by the state.
            "_services:\n  - {name: a, image: x, resources: &r {cpu_request: 100m}}\n  - {name: b, image: y, resources: *r}\n  - &c {name: c, image: z}\n_infraDecisions:\n  - {name: db, kind: SelfHosted, <<: *c, image: postgres}\n",
            // Merge keys inside a service, from an anchor outside the list.
            "base: &base {image: nginx, port: 80}\n_services:\n  - {<<: *base, name: web}\n  - name: api\n    <<: *base\n",
            // `services` after `_services` is ignored, with a warning.
            "_services: [{name: a, image: x}]\nservices: [{name: b, image: y}]\n",
            // An empty list and a null `environments`.
            "_services: []\nenvironments:\n",
        ] {
            assert!(streamed_and_whole(text), "{text}");
            assert!(streamed_and_whole(&as_json(text)), "{text}");
        }
    }

    #[test]
    fn a_list_that_is_not_the_one_read_sends_the_state_back_whole() {
        for text in [
            // `_services` wins over the `services` taken first.
            "services: [{name: b, image: y}]\n_services: [{name: a, image: x}]\n",
            // A `kubernetes:` map after the top-level list: it is the state.
            "_services: [{name: a, image: x}]\nkubernetes:\n  _services: [{name: b, image: y}]\n",
            // An empty `kubernetes:` reads no services.
            "_services: [{name: a, image: x}]\nkubernetes:\n",
            // Environments are applied to the services' trees.
            "_services: [{name: web, image: x, replicas: 1}]\nenvironments: [{name: prod, services: {web: {replicas: 3}}}]\n",
        ] {
            assert!(!streamed_and_whole(text), "{text}");
            assert!(!streamed_and_whole(&as_json(text)), "{text}");
        }
    }

    /// Typo hints stop after `MAX_HINTS` unknown keys, the state's own
    /// searched first: when the services' unknown keys use them up, the
    /// state is read whole so that the same keys get hints.
    #[test]
    fn typo_hints_go_to_the_same_keys() {
        let service_keys = |count: usize| {
            (0..count)
                .map(|i| format!("imagx{i}: 1"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let state = |count: usize| {
            format!(
                "_services:\n  - {{name: web, image: nginx, {}}}\nnamspace: x\n",
                service_keys(count)
            )
        };
        assert!(streamed_and_whole(&state(super::MAX_HINTS - 1)));
        assert!(!streamed_and_whole(&state(super::MAX_HINTS)));
        // Without unknown keys of its own, the order cannot matter.
        let without = format!(
            "_services:\n  - {{name: web, image: nginx, {}}}\n",
            service_keys(super::MAX_HINTS + 5)
        );
        assert!(streamed_and_whole(&without));
    }

    #[test]
    fn a_syntax_error_after_the_services_is_the_same_error() {
        let text = "_services:\n  - {name: a, image: x}\nb: [1\n";
        let whole = yaml::parse(text).unwrap_err();
        let Err(streamed) = read_text(text, &LoadOptions::default()) else {
            panic!("{text} was read");
        };
        assert_eq!(streamed, whole);
    }
}
