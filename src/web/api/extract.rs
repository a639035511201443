//! Extractors of the JSON API: the signed-in account (judged from the request
//! head, before any body is read), JSON bodies and query strings, each
//! refusing with the JSON error body.
//!
//! CSRF: JSON POST/PUT need no CSRF token. No CORS headers are ever sent and a
//! cross-site page cannot send `Content-Type: application/json` without a
//! preflight, which fails; [`ApiJson`] therefore insists on that content type
//! (anything else is refused with 415 before the handler runs).

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;

use super::error::{AdminError, ApiError};
use crate::app::AppState;
use crate::domain::msg::Msg;
use crate::domain::role::Role;
use crate::error::AppError;
use crate::web::CurrentUser;

/// A query string; a malformed one (a number that is not one, a repeated or
/// unknown shape) answers the JSON 400 error like every other refusal, not
/// axum's plain-text rejection.
pub struct ApiQuery<T>(pub T);

impl<T, S> axum::extract::FromRequestParts<S> for ApiQuery<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, ApiError> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| ApiQuery(q.0))
            .map_err(|e| {
                ApiError(AppError::Refused(Msg::new(
                    format!("Parameter tidak terbaca: {}", e.body_text()),
                    format!("The query parameters cannot be read: {}", e.body_text()),
                )))
            })
    }
}

/// The signed-in account, refusing with a JSON 401 when there is none.
pub struct ApiUser(pub CurrentUser);

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        CurrentUser::from_request_parts(parts, state)
            .await
            .map(ApiUser)
            .map_err(ApiError)
    }
}

/// The signed-in account when it is an admin. An extractor of the request
/// head, so the role is judged before the body is read: an applicant posting
/// a malformed round gets 403, never a 422 that describes the admin form.
pub struct AdminUser(pub CurrentUser);

impl FromRequestParts<AppState> for AdminUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let user = CurrentUser::from_request_parts(parts, state)
            .await
            .map_err(ApiError)?;
        user.require(&[Role::Admin]).map_err(ApiError)?;
        Ok(AdminUser(user))
    }
}

/// A JSON body; requires `Content-Type: application/json` (see the module
/// comment on CSRF) and answers every refusal as JSON.
pub struct ApiJson<T>(pub T);

impl<T: serde::de::DeserializeOwned> FromRequest<AppState> for ApiJson<T> {
    type Rejection = AdminError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, AdminError> {
        match Json::<serde_json::Value>::from_request(req, state).await {
            Ok(Json(mut value)) => {
                integral_numbers_as_integers(&mut value);
                T::deserialize(ObjectBody(value)).map(ApiJson).map_err(|e| {
                    AdminError::Body(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "invalid",
                        Msg::new(
                            format!("Isi permintaan tidak sesuai skema: {e}"),
                            format!("The request body does not match the schema: {e}"),
                        ),
                    )
                })
            }
            Err(JsonRejection::MissingJsonContentType(_)) => Err(AdminError::Body(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                Msg::new(
                    "Kirim isi permintaan sebagai application/json.",
                    "Send the request body as application/json.",
                ),
            )),
            Err(e @ JsonRejection::JsonDataError(_)) => Err(AdminError::Body(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid",
                Msg::new(
                    format!("Isi permintaan tidak sesuai skema: {}", e.body_text()),
                    format!(
                        "The request body does not match the schema: {}",
                        e.body_text()
                    ),
                ),
            )),
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => Err(AdminError::Body(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                Msg::new(
                    "Isi permintaan terlalu besar.",
                    "The request body is too large.",
                ),
            )),
            Err(e) => Err(AdminError::Body(
                StatusCode::BAD_REQUEST,
                "bad_request",
                Msg::new(
                    format!("Isi permintaan tidak terbaca: {}", e.body_text()),
                    format!("The request body cannot be read: {}", e.body_text()),
                ),
            )),
        }
    }
}

/// A body read as itself, except that a JSON array is never read as an
/// object type: serde reads a struct from a sequence of its fields in
/// order, so `[]` would pass for a body whose fields all have defaults,
/// although the document says the body is an object.
struct ObjectBody(serde_json::Value);

impl<'de> serde::Deserializer<'de> for ObjectBody {
    type Error = serde_json::Error;

    fn deserialize_any<V: serde::de::Visitor<'de>>(self, v: V) -> Result<V::Value, Self::Error> {
        serde::Deserializer::deserialize_any(self.0, v)
    }

    fn deserialize_struct<V: serde::de::Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, Self::Error> {
        if self.0.is_array() {
            return Err(serde::de::Error::invalid_type(
                serde::de::Unexpected::Seq,
                &"a JSON object",
            ));
        }
        serde::Deserializer::deserialize_struct(self.0, name, fields, v)
    }

    fn deserialize_option<V: serde::de::Visitor<'de>>(self, v: V) -> Result<V::Value, Self::Error> {
        serde::Deserializer::deserialize_option(self.0, v)
    }

    fn deserialize_enum<V: serde::de::Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, Self::Error> {
        serde::Deserializer::deserialize_enum(self.0, name, variants, v)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct newtype_struct seq tuple tuple_struct
        map identifier ignored_any
    }
}

/// Below 2^53 every integer is exact as a JSON float.
const EXACT_FLOAT_INTEGERS: f64 = 9_007_199_254_740_992.0;

/// JSON Schema's `integer` admits `12.0` (a number with a zero fraction), so
/// a client may send it where the document says `integer`; serde's integer
/// types refuse it. Such numbers are turned into the integers they are,
/// exactly (below 2^53 a float holds every integer), before the body is
/// read into its type; any other float stays a float and is refused there.
fn integral_numbers_as_integers(v: &mut serde_json::Value) {
    use serde_json::Value;
    match v {
        Value::Number(n) => {
            if let Some(f) = n.as_f64().filter(|_| n.is_f64())
                && f.fract() == 0.0
                && f.abs() < EXACT_FLOAT_INTEGERS
            {
                // Exact: integral and within the range where f64 is exact.
                #[allow(clippy::cast_possible_truncation)]
                let i = f as i64;
                *v = Value::from(i);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(integral_numbers_as_integers),
        Value::Object(fields) => fields.values_mut().for_each(integral_numbers_as_integers),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::integral_numbers_as_integers;
    use serde_json::json;

    #[test]
    fn integral_floats_read_as_integers_and_other_floats_stay() {
        let mut v = json!({"rt": 12.0, "values": {"K1": -3.0}, "list": [7.0, 1.5], "big": 1e300});
        integral_numbers_as_integers(&mut v);
        assert_eq!(
            v,
            json!({"rt": 12, "values": {"K1": -3}, "list": [7, 1.5], "big": 1e300})
        );
        let rt: i32 = serde_json::from_value(v["rt"].clone()).expect("an i32");
        assert_eq!(rt, 12);
        assert!(serde_json::from_value::<i32>(v["list"][1].clone()).is_err());
    }
}
