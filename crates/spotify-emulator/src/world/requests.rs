//! Request counts: every `/v1` and `/api/token` request, stamped on the virtual clock, by app,
//! user and endpoint (method and route template).

use std::collections::{BTreeMap, VecDeque};

use serde::{Deserialize, Serialize};

/// The log keeps this many most recent requests.
pub const LOG_CAP: usize = 200_000;

#[derive(Debug, Clone)]
struct Logged {
    at: i64,
    app: Option<String>,
    user: Option<String>,
    endpoint: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub total: u64,
    pub by_app: BTreeMap<String, u64>,
    pub by_user: BTreeMap<String, u64>,
    pub by_endpoint: BTreeMap<String, u64>,
}

/// Which requests to count; every field narrows.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct CountFilter {
    pub since_ms: Option<i64>,
    pub app: Option<String>,
    pub user: Option<String>,
}

#[derive(Debug, Default)]
pub struct RequestLog {
    entries: VecDeque<Logged>,
}

impl RequestLog {
    pub fn record(&mut self, at: i64, app: Option<&str>, user: Option<&str>, endpoint: &str) {
        if self.entries.len() == LOG_CAP {
            self.entries.pop_front();
        }
        self.entries.push_back(Logged {
            at,
            app: app.map(str::to_string),
            user: user.map(str::to_string),
            endpoint: endpoint.to_string(),
        });
    }

    pub fn counts(&self, filter: &CountFilter) -> Counts {
        let mut counts = Counts::default();
        let keep = |e: &&Logged| {
            filter.since_ms.is_none_or(|s| e.at >= s)
                && filter
                    .app
                    .as_ref()
                    .is_none_or(|a| e.app.as_ref() == Some(a))
                && filter
                    .user
                    .as_ref()
                    .is_none_or(|u| e.user.as_ref() == Some(u))
        };
        for e in self.entries.iter().filter(keep) {
            counts.total += 1;
            if let Some(app) = &e.app {
                *counts.by_app.entry(app.clone()).or_default() += 1;
            }
            if let Some(user) = &e.user {
                *counts.by_user.entry(user.clone()).or_default() += 1;
            }
            *counts.by_endpoint.entry(e.endpoint.clone()).or_default() += 1;
        }
        counts
    }

    pub fn reset(&mut self) {
        self.entries.clear();
    }
}
