//! Housekeeping: leftovers of crashed or rolled-back uploads are removed after
//! a grace period; files rows refer to, and young files, stay.

use std::time::{Duration, SystemTime};

use pokmas::db::begin_write;
use pokmas::ops::sweep::{GRACE, SweepReport, sweep};
use pokmas::services::documents::store_upload;

use crate::support::TestDb;

fn png(tag: &str) -> Vec<u8> {
    let mut v = vec![0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];
    v.extend_from_slice(b"\0\0\0\rIHDR ");
    v.extend_from_slice(tag.as_bytes());
    v
}

async fn swept_events(db: &sea_orm::DatabaseConnection) -> usize {
    use pokmas::db::entities::audit_event;
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    let n = audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq("files.swept"))
        .count(db)
        .await
        .expect("count");
    usize::try_from(n).expect("small")
}

#[tokio::test]
async fn leftovers_are_removed_after_the_grace_period_and_kept_files_stay() {
    let t = TestDb::sqlite().await;
    let store = pokmas::storage::FileStore::new(t.dir.path());
    let root = t.dir.path().join("files");

    // A committed upload, a rolled-back one, and a crash's temporary file.
    let tx = begin_write(&t.db).await.expect("begin");
    let kept = store_upload(&tx, &store, png("kept"), "a.png")
        .await
        .expect("upload");
    tx.commit().await.expect("commit");
    let tx = begin_write(&t.db).await.expect("begin");
    let lost = store_upload(&tx, &store, png("rolled back"), "b.png")
        .await
        .expect("upload");
    tx.rollback().await.expect("rollback");
    let tmp = root.join(&kept.sha256[0..2]).join(".tmp-crashed");
    std::fs::write(&tmp, b"half").expect("tmp");
    let lost_path = root
        .join(&lost.sha256[0..2])
        .join(&lost.sha256[2..4])
        .join(&lost.sha256);
    assert!(lost_path.exists(), "the rolled-back upload left its file");

    // Young leftovers stay.
    let report = sweep(&t.db, &root, GRACE, SystemTime::now())
        .await
        .expect("sweep");
    assert_eq!(report, SweepReport::default());
    assert!(tmp.exists() && lost_path.exists());
    assert_eq!(
        swept_events(&t.db).await,
        0,
        "nothing removed, nothing recorded"
    );

    // Two days later they are gone, and the sweep is recorded once.
    let later = SystemTime::now() + Duration::from_secs(2 * 24 * 3600);
    let report = sweep(&t.db, &root, GRACE, later).await.expect("sweep");
    assert_eq!((report.temporary, report.unreferenced), (1, 1));
    assert!(!tmp.exists() && !lost_path.exists());
    assert!(
        store.read(&kept.sha256).is_ok(),
        "the referenced file stays"
    );
    assert_eq!(swept_events(&t.db).await, 1);

    let report = sweep(&t.db, &root, GRACE, later).await.expect("sweep");
    assert_eq!(report, SweepReport::default());
    assert_eq!(
        swept_events(&t.db).await,
        1,
        "an empty sweep records nothing"
    );
}
