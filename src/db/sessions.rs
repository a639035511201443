//! Sessions live in the database, so any number of server instances can serve
//! any request. A `tower_sessions::SessionStore` over our own table
//! works on SQLite and PostgreSQL alike.
//!
//! Every request of a signed-in user saves its session (the expiry moves on
//! with each request), so these writes take their turn like every other write
//! ([`super::begin_write`]): written beside it on SQLite they waited in
//! SQLite's busy handler, which sleeps up to 100 ms at a time, and gave the
//! form POSTs of a busy deadline day tails of most of a second.

use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use time::OffsetDateTime;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, SessionStore};

use super::begin_write;
use super::entities::session;

/// The database-backed session store.
#[derive(Clone, Debug)]
pub struct DbSessionStore {
    db: DatabaseConnection,
    /// The session key whose value holds the signed-in account as `{"id": …}`.
    account_key: &'static str,
}

impl DbSessionStore {
    /// A store over `db`; `account_key` names the session entry that holds
    /// the signed-in account.
    pub fn new(db: DatabaseConnection, account_key: &'static str) -> Self {
        DbSessionStore { db, account_key }
    }
}

fn backend(e: impl std::fmt::Display) -> session_store::Error {
    session_store::Error::Backend(e.to_string())
}

/// The row for `record`. The account id is copied into its own column so that a
/// password change or a deactivation can end every session of that account at once.
fn row(record: &Record, account_key: &str) -> session_store::Result<session::ActiveModel> {
    let data = serde_json::to_vec(&record.data)
        .map_err(|e| session_store::Error::Encode(e.to_string()))?;
    let account_id = record
        .data
        .get(account_key)
        .and_then(|v| v.get("id"))
        .and_then(|id| serde_json::from_value::<uuid::Uuid>(id.clone()).ok());
    Ok(session::ActiveModel {
        id: Set(record.id.to_string()),
        data: Set(data),
        expires_at: Set(record.expiry_date),
        account_id: Set(account_id),
    })
}

#[async_trait::async_trait]
impl SessionStore for DbSessionStore {
    /// Inserts a new session, drawing a fresh id on the (astronomically
    /// unlikely) collision with an existing one.
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        for _ in 0..4 {
            let tx = begin_write(&self.db).await.map_err(backend)?;
            let inserted = session::Entity::insert(row(record, self.account_key)?)
                .on_conflict(
                    OnConflict::column(session::Column::Id)
                        .do_nothing()
                        .to_owned(),
                )
                .exec_without_returning(&tx)
                .await;
            match inserted {
                Ok(n) if n > 0 => return tx.commit().await.map_err(backend),
                Ok(_) | Err(sea_orm::DbErr::RecordNotInserted) => record.id = Id::default(),
                Err(e) => return Err(backend(e)),
            }
        }
        Err(backend("could not draw an unused session id"))
    }

    /// Updates an existing session only. A session ended meanwhile (log out
    /// elsewhere, password change or reset) stays ended even when a request
    /// that loaded it before finishes afterwards: an upsert would bring it back.
    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let r = row(record, self.account_key)?;
        let tx = begin_write(&self.db).await.map_err(backend)?;
        session::Entity::update_many()
            .set(session::ActiveModel {
                id: sea_orm::ActiveValue::NotSet,
                ..r
            })
            .filter(session::Column::Id.eq(record.id.to_string()))
            .exec(&tx)
            .await
            .map_err(backend)?;
        tx.commit().await.map_err(backend)
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let row = session::Entity::find_by_id(id.to_string())
            .filter(session::Column::ExpiresAt.gt(OffsetDateTime::now_utc()))
            .one(&self.db)
            .await
            .map_err(backend)?;
        let Some(row) = row else { return Ok(None) };
        let data = serde_json::from_slice(&row.data)
            .map_err(|e| session_store::Error::Decode(e.to_string()))?;
        Ok(Some(Record {
            id: *id,
            data,
            expiry_date: row.expires_at,
        }))
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        let tx = begin_write(&self.db).await.map_err(backend)?;
        session::Entity::delete_by_id(id.to_string())
            .exec(&tx)
            .await
            .map_err(backend)?;
        tx.commit().await.map_err(backend)
    }
}
