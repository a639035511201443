//! Lottery witnesses: the admin names them, each witness commits and
//! reveals, and the public page shows everything needed to recompute the seed.

use axum::extract::{Path, State};
use axum::response::Response;
use maud::Markup;
use uuid::Uuid;

use super::forms::{FormPage, RuleRefusal, Viewer};
use super::posted::{Admin, Allowed, Posted, SignedIn, TokenField};
use super::{Csrf, CurrentUser};
use crate::app::AppState;
use crate::error::AppResult;
use crate::services::lottery as svc;
use crate::views::PageCtx;
use crate::views::lottery::{self as v, AdminWitnesses, WitnessPage};

/// Fields of the lottery forms.
#[derive(serde::Deserialize, Default)]
pub struct LotteryInput {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    label: String,
    #[serde(default)]
    commit_hash: String,
    #[serde(default)]
    secret: String,
}

impl TokenField for LotteryInput {
    fn token(&self) -> &str {
        &self.csrf
    }
}

/// A round's witnesses page, with what a refused form had typed.
struct Witnesses(Uuid, LotteryInput);

impl FormPage for Witnesses {
    type Refusal = RuleRefusal;

    fn back(&self) -> String {
        format!("/admin/seleksi/{}/saksi", self.0)
    }

    async fn draw(
        self,
        to: Viewer<'_>,
        csrf: String,
        error: Option<RuleRefusal>,
    ) -> AppResult<Markup> {
        let Viewer { app, ctx, .. } = to;
        let view = svc::round_lottery(&app.db, self.0).await?;
        Ok(v::admin(
            ctx,
            &AdminWitnesses {
                view: &view,
                csrf: &csrf,
                error: error.map(|e| e.0),
                email: self.1.email,
                label: self.1.label,
            },
        ))
    }
}

/// `GET /admin/seleksi/{id}/saksi`.
pub async fn admin_page(
    State(app): State<AppState>,
    a: Allowed<Admin, Uuid>,
    csrf: Csrf,
) -> AppResult<Response> {
    let page = |id| Witnesses(id, LotteryInput::default());
    a.show(&app, csrf, page).await
}

/// A lottery form: the admin's (name or remove a witness) or a witness's own.
type LotteryPost<G> = Posted<G, Uuid, LotteryInput>;

/// `POST /admin/seleksi/{id}/saksi`: name a witness.
pub async fn admin_add(State(app): State<AppState>, p: LotteryPost<Admin>) -> AppResult<Response> {
    let input = &p.form;
    let res = svc::name_witness(&app.db, p.user.actor(), p.ids, &input.email, &input.label).await;
    let typed = LotteryInput {
        email: input.email.clone(),
        label: input.label.clone(),
        ..LotteryInput::default()
    };
    p.answer(&app, |id| Witnesses(id, typed), res).await
}

/// `POST /admin/seleksi/{id}/saksi/{witness}/hapus`.
pub async fn admin_remove(
    State(app): State<AppState>,
    p: Posted<Admin, (Uuid, Uuid), LotteryInput>,
) -> AppResult<Response> {
    let (id, witness) = p.ids;
    let res = svc::remove_witness(&app.db, p.user.actor(), id, witness).await;
    p.answer(&app, |_| Witnesses(id, LotteryInput::default()), res)
        .await
}

/// `GET /saksi`: the signed-in account's witness roles.
pub async fn mine(
    State(app): State<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
) -> AppResult<Markup> {
    let items = svc::my_witness_roles(&app.db, user.id).await?;
    Ok(v::mine(&ctx, &items))
}

/// A witness's own page, with what a refused form had typed.
struct Witness(Uuid, String);

impl FormPage for Witness {
    type Refusal = RuleRefusal;

    fn back(&self) -> String {
        format!("/saksi/{}", self.0)
    }

    async fn draw(
        self,
        to: Viewer<'_>,
        csrf: String,
        error: Option<RuleRefusal>,
    ) -> AppResult<Markup> {
        let Viewer { app, ctx, user } = to;
        let mine = svc::my_witness(&app.db, user.id, self.0).await?;
        Ok(v::witness(
            ctx,
            &WitnessPage {
                mine: &mine,
                csrf: &csrf,
                error: error.map(|e| e.0),
                suggestion: svc::suggest_secret(),
                typed: self.1,
            },
        ))
    }
}

/// The page may carry a freshly generated secret: never cache it.
fn uncached(mut res: Response) -> Response {
    res.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    res
}

/// `GET /saksi/{id}`.
pub async fn witness_page(
    State(app): State<AppState>,
    a: Allowed<SignedIn, Uuid>,
    csrf: Csrf,
) -> AppResult<Response> {
    let page = |id| Witness(id, String::new());
    a.show(&app, csrf, page).await.map(uncached)
}

/// `POST /saksi/{id}/komit`.
pub async fn commit(State(app): State<AppState>, p: LotteryPost<SignedIn>) -> AppResult<Response> {
    let hash = p.form.commit_hash.clone();
    let res = svc::commit(&app.db, p.user.id, p.user.role, p.ids, &hash).await;
    p.answer(&app, |id| Witness(id, hash), res)
        .await
        .map(refused_uncached)
}

/// `POST /saksi/{id}/ungkap`.
pub async fn reveal(State(app): State<AppState>, p: LotteryPost<SignedIn>) -> AppResult<Response> {
    let secret = p.form.secret.clone();
    let res = svc::reveal(&app.db, p.user.id, p.user.role, p.ids, &secret).await;
    p.answer(&app, |id| Witness(id, secret), res)
        .await
        .map(refused_uncached)
}

/// A redirect stays as it is; the page again is never cached either.
fn refused_uncached(res: Response) -> Response {
    if res.status().is_redirection() {
        res
    } else {
        uncached(res)
    }
}

/// `GET /seleksi/{slug}/undian`.
pub async fn public_page(
    State(app): State<AppState>,
    ctx: PageCtx,
    Path(slug): Path<String>,
) -> AppResult<Markup> {
    let view = svc::public_lottery(&app.db, &slug).await?;
    Ok(v::public(&ctx, &view))
}
