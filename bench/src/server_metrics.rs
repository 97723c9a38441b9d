//! What the server's own metrics say about the requests it answered: read over HTTP from its
//! metrics listener, in Prometheus's text format, before and after each scenario. The access
//! log's share of a read is the time requests waited for their entries to become durable
//! (`access_log_wait_seconds`) over the time the server took for them
//! (`http_request_duration_seconds`), both on the one server that serves every scenario.

/// Running totals from the server's histograms.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Totals {
    /// Seconds spent on `POST /graphql` requests, and how many there were.
    pub request_seconds: f64,
    pub requests: f64,
    /// Seconds operations waited on the access log, and how many waits there were.
    pub log_wait_seconds: f64,
    pub log_waits: f64,
}

impl Totals {
    /// The totals at `url` (the server's `/metrics`) now.
    pub async fn fetch(http: &reqwest::Client, url: &str) -> Result<Self, reqwest::Error> {
        let text = http
            .get(url)
            .send()
            .await?
            .error_for_status()?
            .text()
            .await?;
        Ok(Self::parse(&text))
    }

    /// Adds up the `_sum` and `_count` series of the two histograms; the requests only on
    /// `POST /graphql`, whatever their status.
    fn parse(text: &str) -> Self {
        let mut totals = Self::default();
        for line in text.lines().filter(|line| !line.starts_with('#')) {
            let Some((series, value)) = line.rsplit_once(' ') else {
                continue;
            };
            let Ok(value) = value.parse::<f64>() else {
                continue;
            };
            let (name, labels) = series.split_once('{').unwrap_or((series, ""));
            let graphql_post =
                labels.contains("route=\"/graphql\"") && labels.contains("method=\"POST\"");
            match name {
                "http_request_duration_seconds_sum" if graphql_post => {
                    totals.request_seconds += value;
                }
                "http_request_duration_seconds_count" if graphql_post => totals.requests += value,
                "access_log_wait_seconds_sum" => totals.log_wait_seconds += value,
                "access_log_wait_seconds_count" => totals.log_waits += value,
                _ => {}
            }
        }
        totals
    }

    /// What was added between `earlier` and these totals.
    pub fn since(self, earlier: Totals) -> Totals {
        Totals {
            request_seconds: self.request_seconds - earlier.request_seconds,
            requests: self.requests - earlier.requests,
            log_wait_seconds: self.log_wait_seconds - earlier.log_wait_seconds,
            log_waits: self.log_waits - earlier.log_waits,
        }
    }

    /// The share of the requests' time they waited on the access log; `None` without requests.
    pub fn log_share(&self) -> Option<f64> {
        (self.requests > 0.0 && self.request_seconds > 0.0)
            .then(|| self.log_wait_seconds / self.request_seconds)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_totals_add_up_graphql_posts_and_log_waits() {
        let text = "\
# TYPE http_request_duration_seconds histogram
http_request_duration_seconds_bucket{route=\"/graphql\",method=\"POST\",status=\"200\",le=\"0.005\"} 3
http_request_duration_seconds_sum{route=\"/graphql\",method=\"POST\",status=\"200\"} 1.5
http_request_duration_seconds_count{route=\"/graphql\",method=\"POST\",status=\"200\"} 300
http_request_duration_seconds_sum{route=\"/graphql\",method=\"POST\",status=\"500\"} 0.5
http_request_duration_seconds_count{route=\"/graphql\",method=\"POST\",status=\"500\"} 2
http_request_duration_seconds_sum{route=\"/graphql\",method=\"GET\",status=\"200\"} 9
http_request_duration_seconds_sum{route=\"/readyz\",method=\"GET\",status=\"200\"} 9
access_log_wait_seconds_sum 0.25
access_log_wait_seconds_count 302
";
        let totals = Totals::parse(text);
        assert_eq!(
            totals,
            Totals {
                request_seconds: 2.0,
                requests: 302.0,
                log_wait_seconds: 0.25,
                log_waits: 302.0,
            }
        );
        let share = totals.since(Totals::default()).log_share().unwrap();
        assert!((share - 0.125).abs() < 1e-9);
        assert_eq!(Totals::default().log_share(), None);
    }
}
