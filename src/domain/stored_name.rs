//! States kept under a stored name: one declaration gives the list of
//! states, the name each is stored under, and the parse back, so a state
//! type cannot read a name it would not write.

/// Declares `ALL`, `as_str`, `Display` and `FromStr` (with
/// [`UnknownState`](crate::domain::application::UnknownState)) for a
/// fieldless enum from its variants and their stored names.
macro_rules! stored_names {
    ($ty:ident { $($variant:ident => $name:literal),+ $(,)? }) => {
        impl $ty {
            /// Every state, in declaration order.
            pub const ALL: &'static [$ty] = &[$($ty::$variant),+];

            /// The stored name.
            #[must_use]
            pub fn as_str(self) -> &'static str {
                match self {
                    $($ty::$variant => $name),+
                }
            }
        }

        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $ty {
            type Err = $crate::domain::application::UnknownState;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::ALL
                    .iter()
                    .copied()
                    .find(|v| v.as_str() == s)
                    .ok_or_else(|| $crate::domain::application::UnknownState(s.to_owned()))
            }
        }
    };
}

pub(crate) use stored_names;
