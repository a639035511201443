//! Personal data over its whole life: minimised public results, the
//! privacy notice, retention and erasure, access downloads and breaches.

use axum::http::StatusCode;

use crate::results::{CODE, KEL, SLUG, publish};
use crate::support::TestApp;

/// Of six ranked applicants (A selected, B reserve, C–F not selected), the
/// results page, the announcement and the API name only A and B; the others
/// keep their rows, ranks and numbers.
#[tokio::test]
async fn public_results_name_only_selected_and_reserve_applicants() {
    let mut p = publish(TestApp::new().await).await;
    let nos: Vec<String> = p.f.apps.iter().map(|(_, n)| n.clone()).collect();
    for path in [
        format!("/seleksi/{SLUG}/hasil/{CODE}"),
        format!("/seleksi/{SLUG}/pengumuman/{KEL}"),
        format!("/api/v1/rounds/{SLUG}/results/{CODE}"),
    ] {
        let res = p.f.app.get(&path).await;
        assert_eq!(res.status, StatusCode::OK, "{path}: {}", res.body);
        assert!(
            res.body.contains("Pelamar A"),
            "{path}: the selected is named"
        );
        assert!(
            res.body.contains("Pelamar B"),
            "{path}: the reserve is named"
        );
        for hidden in ["Pelamar C", "Pelamar D", "Pelamar E", "Pelamar F"] {
            assert!(!res.body.contains(hidden), "{path} names {hidden}");
        }
        for no in &nos {
            assert!(res.body.contains(no.as_str()), "{path} lists {no}");
        }
    }
}
