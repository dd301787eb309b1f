//! Well-known images: what a piece of infrastructure software is (the
//! `app.kubernetes.io/component` label of its objects) and, where it is
//! known, what the terminal wizard suggests for it (port, where it keeps
//! its data, a health check, the kind of workload). One table for both, so
//! the label and the suggestions never disagree about an image.

/// A health check the software answers without any set-up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Probe {
    /// The port accepts a connection.
    Tcp,
    /// An HTTP GET of this path answers 200-399.
    Http(&'static str),
}

/// What is known about one piece of software, by the names of its official
/// (or Bitnami) images.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Known {
    /// The repository names (last path segment, no tag) it is known by.
    pub names: &'static [&'static str],
    /// The `app.kubernetes.io/component` value; none for an app server
    /// such as nginx, whose role depends on what it serves.
    pub component: Option<&'static str>,
    /// The port it listens on by default.
    pub port: Option<u16>,
    /// Where the image keeps its data: the mount path of a claim template.
    pub data_path: Option<&'static str>,
    pub probe: Option<Probe>,
    /// Keeps data of its own: a StatefulSet is suggested.
    pub stateful: bool,
}

const fn store(
    names: &'static [&'static str],
    component: &'static str,
    port: u16,
    data_path: &'static str,
) -> Known {
    Known {
        names,
        component: Some(component),
        port: Some(port),
        data_path: Some(data_path),
        probe: Some(Probe::Tcp),
        stateful: true,
    }
}

/// Known only by its role (the label), nothing suggested.
const fn role(names: &'static [&'static str], component: &'static str) -> Known {
    Known {
        names,
        component: Some(component),
        port: None,
        data_path: None,
        probe: None,
        stateful: false,
    }
}

/// Only names that mean one thing: an image that is not listed gets no
/// label and no suggestion rather than a guess.
pub const KNOWN: &[Known] = &[
    // Databases.
    store(
        &["postgres", "timescaledb"],
        "database",
        5432,
        "/var/lib/postgresql/data",
    ),
    store(&["postgresql"], "database", 5432, "/bitnami/postgresql"),
    store(&["mysql"], "database", 3306, "/var/lib/mysql"),
    store(&["mariadb"], "database", 3306, "/var/lib/mysql"),
    store(&["mongo"], "database", 27017, "/data/db"),
    store(&["mongodb"], "database", 27017, "/bitnami/mongodb"),
    store(&["cassandra"], "database", 9042, "/var/lib/cassandra"),
    store(&["couchdb"], "database", 5984, "/opt/couchdb/data"),
    store(&["influxdb"], "database", 8086, "/var/lib/influxdb2"),
    store(
        &["clickhouse", "clickhouse-server"],
        "database",
        8123,
        "/var/lib/clickhouse",
    ),
    store(
        &["cockroach", "cockroachdb"],
        "database",
        26257,
        "/cockroach/cockroach-data",
    ),
    store(&["neo4j"], "database", 7687, "/data"),
    // Caches.
    store(&["redis", "valkey", "keydb"], "cache", 6379, "/data"),
    store(&["dragonfly"], "cache", 6379, "/data"),
    Known {
        names: &["memcached"],
        component: Some("cache"),
        port: Some(11211),
        data_path: None,
        probe: Some(Probe::Tcp),
        stateful: false,
    },
    // Message brokers.
    store(&["rabbitmq"], "message-broker", 5672, "/var/lib/rabbitmq"),
    store(&["kafka"], "message-broker", 9092, "/var/lib/kafka/data"),
    store(
        &["redpanda"],
        "message-broker",
        9092,
        "/var/lib/redpanda/data",
    ),
    store(&["nats"], "message-broker", 4222, "/data"),
    store(&["mosquitto"], "message-broker", 1883, "/mosquitto/data"),
    role(&["activemq", "pulsar"], "message-broker"),
    // Search engines.
    store(
        &["elasticsearch"],
        "search",
        9200,
        "/usr/share/elasticsearch/data",
    ),
    store(
        &["opensearch"],
        "search",
        9200,
        "/usr/share/opensearch/data",
    ),
    store(&["meilisearch"], "search", 7700, "/meili_data"),
    store(&["solr"], "search", 8983, "/var/solr"),
    store(&["typesense"], "search", 8108, "/data"),
    // Object storage.
    Known {
        names: &["minio"],
        component: Some("object-storage"),
        port: Some(9000),
        data_path: Some("/data"),
        probe: Some(Probe::Http("/minio/health/live")),
        stateful: true,
    },
    // Web servers: no role label (it depends on what they serve).
    Known {
        names: &["nginx", "httpd", "caddy"],
        component: None,
        port: Some(80),
        data_path: None,
        probe: Some(Probe::Http("/")),
        stateful: false,
    },
    Known {
        names: &["nginx-unprivileged"],
        component: None,
        port: Some(8080),
        data_path: None,
        probe: Some(Probe::Http("/")),
        stateful: false,
    },
];

/// The repository name of an image: its last path segment without tag or
/// digest (`docker.io/bitnami/postgresql:16` → `postgresql`).
pub fn repository_name(image: &str) -> &str {
    let without_digest = image.split('@').next().unwrap_or(image);
    let repository = without_digest.rsplit('/').next().unwrap_or(without_digest);
    repository.split(':').next().unwrap_or(repository)
}

/// What is known about software by its name (`postgres`).
pub fn by_name(name: &str) -> Option<&'static Known> {
    KNOWN.iter().find(|k| k.names.contains(&name))
}

/// What is known about the software an image holds.
pub fn of_image(image: &str) -> Option<&'static Known> {
    by_name(repository_name(image))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_are_known_by_their_repository_name() {
        let postgres = of_image("postgres:16").unwrap();
        assert_eq!(postgres.port, Some(5432));
        assert_eq!(postgres.data_path, Some("/var/lib/postgresql/data"));
        assert!(postgres.stateful);
        assert_eq!(
            of_image("docker.io/bitnami/postgresql:16.2.0")
                .unwrap()
                .data_path,
            Some("/bitnami/postgresql")
        );
        assert_eq!(
            of_image("registry.local:5000/redis@sha256:0123abcd")
                .unwrap()
                .port,
            Some(6379)
        );
        assert_eq!(
            of_image("nginx:1.27").unwrap().probe,
            Some(Probe::Http("/"))
        );
        assert!(of_image("acme/postgres-exporter:1").is_none());
        assert!(of_image("api:latest").is_none());
    }

    #[test]
    fn no_name_is_listed_twice() {
        let mut names: Vec<&str> = KNOWN.iter().flat_map(|k| k.names.iter().copied()).collect();
        let all = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), all);
    }
}
