//! Domain state types stored as their text names.
//!
//! sea-orm's `DeriveValueType` would put a storage attribute on the domain
//! type, and the domain stays free of storage code; so the same impls the
//! derive writes for a `value_type = "String"` enum are written here, once,
//! for each state type. The column stays TEXT with the same values, so no
//! migration is needed and exports read the same.

use crate::domain::account::AccountStatus;
use crate::domain::application::ApplicationState;
use crate::domain::approval::ApprovalStatus;
use crate::domain::delivery::Delivery;
use crate::domain::eligibility::RequirementOutcome;
use crate::domain::erasure::ErasureStatus;
use crate::domain::objection::ObjectionStatus;
use crate::domain::round::RoundState;

macro_rules! stored_as_text {
    ($($ty:ty),+ $(,)?) => {$(
        impl From<$ty> for sea_orm::Value {
            fn from(v: $ty) -> Self {
                v.as_str().into()
            }
        }

        impl sea_orm::TryGetable for $ty {
            fn try_get_by<I: sea_orm::ColIdx>(
                res: &sea_orm::QueryResult,
                idx: I,
            ) -> Result<Self, sea_orm::TryGetError> {
                let text = String::try_get_by(res, idx)?;
                text.parse::<$ty>().map_err(|e| {
                    sea_orm::TryGetError::DbErr(sea_orm::DbErr::TryIntoErr {
                        from: "String",
                        into: stringify!($ty),
                        source: std::sync::Arc::new(e),
                    })
                })
            }
        }

        impl sea_orm::sea_query::ValueType for $ty {
            fn try_from(v: sea_orm::Value) -> Result<Self, sea_orm::sea_query::ValueTypeErr> {
                let text = <String as sea_orm::sea_query::ValueType>::try_from(v)?;
                text.parse::<$ty>().map_err(|_| sea_orm::sea_query::ValueTypeErr)
            }

            fn type_name() -> String {
                stringify!($ty).to_owned()
            }

            fn array_type() -> sea_orm::sea_query::ArrayType {
                sea_orm::sea_query::ArrayType::String
            }

            fn column_type() -> sea_orm::sea_query::ColumnType {
                sea_orm::sea_query::ColumnType::String(sea_orm::sea_query::StringLen::None)
            }
        }

        impl sea_orm::sea_query::Nullable for $ty {
            fn null() -> sea_orm::Value {
                sea_orm::Value::String(None)
            }
        }

        impl sea_orm::IntoActiveValue<$ty> for $ty {
            fn into_active_value(self) -> sea_orm::ActiveValue<$ty> {
                sea_orm::ActiveValue::Set(self)
            }
        }
    )+};
}

stored_as_text!(
    RoundState,
    ApplicationState,
    Delivery,
    AccountStatus,
    ApprovalStatus,
    RequirementOutcome,
    ErasureStatus,
    ObjectionStatus,
);
