//! Test sessions of a staged round: no interview invitation goes out
//! before the shortlist of the stage before it is published.

use pokmas::db::audit::Actor;
use pokmas::db::entities::{account, test_invitation};
use pokmas::domain::role::Role;
use pokmas::services::panels;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

#[tokio::test]
async fn no_interview_invitation_goes_out_before_the_written_tests_shortlist_is_published() {
    let f = crate::stage_ranking::staged_fixture().await;
    let db = &f.app.db.db;
    let admin = account::Entity::find()
        .filter(account::Column::Email.eq("admin@contoh.id"))
        .one(db)
        .await
        .expect("query")
        .expect("the fixture's admin");
    let admin = Actor::Account {
        id: admin.id,
        role: Role::Admin,
    };
    let from = "Probebaya <noreply@pokmas.test>".parse().expect("sender");
    let vault = pokmas::pii::NikVault::new(&f.app.state.config.secret);
    let before = test_invitation::Entity::find()
        .count(db)
        .await
        .expect("count");
    let refused = panels::auto_fill(db, admin, &from, &vault, f.round_id, f.session_id).await;
    let Err(e) = refused else {
        panic!("invitations before the shortlist: {refused:?}");
    };
    let text = format!("{e:?}");
    assert!(
        text.contains("Publish the shortlist of stage TERTULIS first"),
        "{text}"
    );
    assert_eq!(
        test_invitation::Entity::find()
            .count(db)
            .await
            .expect("count"),
        before,
        "nobody invited"
    );
}
