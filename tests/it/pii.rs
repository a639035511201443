//! The running application and the CLI derive the same personal-data keys,
//! and what the vault writes fits the application row.

use pokmas::domain::nik::Nik;
use pokmas::pii::NikVault;
use time::macros::date;

use crate::support::TestApp;

#[tokio::test]
async fn the_app_and_the_secret_give_the_same_vault() {
    let app = TestApp::new().await;
    let nik = Nik::parse("6472011505900001", date!(2026 - 11 - 28)).expect("nik");
    let from_app = NikVault::from_app(&app.state);
    let from_secret = NikVault::new(&app.state.config.secret);
    assert_eq!(from_app.keyed_hash(&nik), from_secret.keyed_hash(&nik));
    let stored = from_app.encrypt(&nik).expect("encrypt");
    assert_eq!(from_secret.decrypt(&stored).expect("decrypt"), nik);
    // The ciphertext is ASCII, so it is stored as the bytes of the text in the
    // `application.nik_ciphertext` blob and read back the same way.
    let blob = stored.clone().into_bytes();
    let text = std::str::from_utf8(&blob).expect("ascii");
    assert_eq!(from_app.decrypt(text).expect("decrypt"), nik);
}
