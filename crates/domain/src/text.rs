//! Enums that are written as text: in a database column, a queue, a JSON field or a query
//! parameter. [`text_enum!`](crate::text_enum) declares one with its spelling given once; that
//! spelling is what storage binds ([`TextEnum::as_str`]), what a stored value is read back with
//! ([`TextEnum::parse`]), what serde writes, and what serde reads, where a value outside the set
//! is refused naming every accepted one: "must be day, week, month or year, not `fortnight`".

/// An enum with a fixed set of values, each spelled as one word.
pub trait TextEnum: Copy + Eq + 'static {
    /// Every value, in the order they are listed to people.
    const ALL: &'static [Self];

    /// The one spelling of this value.
    fn as_str(self) -> &'static str;

    /// The value spelled `text`, if any.
    fn parse(text: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|v| v.as_str() == text)
    }

    /// The accepted values for a sentence: `day, week, month or year`.
    fn accepted() -> String {
        let mut out = String::new();
        for (i, v) in Self::ALL.iter().enumerate() {
            if i > 0 {
                out.push_str(if i + 1 == Self::ALL.len() {
                    " or "
                } else {
                    ", "
                });
            }
            out.push_str(v.as_str());
        }
        out
    }

    /// What is wrong with `text` as one of these: `must be plays or time, not `mood``.
    fn refusal(text: &str) -> String {
        format!("must be {}, not `{text}`", Self::accepted())
    }
}

/// Declares an enum written as text: each variant with its spelling, and the enum gets
/// [`TextEnum`], `Display`, serde's `Serialize` and `Deserialize` (see the [module](self)).
///
/// ```
/// medley_domain::text_enum! {
///     /// How a listen is ranked.
///     pub enum By {
///         /// By number of plays.
///         Plays = "plays",
///         Time = "time",
///     }
/// }
/// use medley_domain::text::TextEnum;
/// assert_eq!(By::parse("time"), Some(By::Time));
/// assert_eq!(By::refusal("mood"), "must be plays or time, not `mood`");
/// ```
#[macro_export]
macro_rules! text_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $text:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        $vis enum $name {
            $( $(#[$vmeta])* $variant ),+
        }

        impl $crate::text::TextEnum for $name {
            const ALL: &'static [$name] = &[$($name::$variant),+];

            fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.pad($crate::text::TextEnum::as_str(*self))
            }
        }

        impl $crate::text::__serde::Serialize for $name {
            fn serialize<S>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error>
            where
                S: $crate::text::__serde::Serializer,
            {
                serializer.serialize_str($crate::text::TextEnum::as_str(*self))
            }
        }

        impl<'de> $crate::text::__serde::Deserialize<'de> for $name {
            fn deserialize<D>(deserializer: D) -> ::std::result::Result<$name, D::Error>
            where
                D: $crate::text::__serde::Deserializer<'de>,
            {
                $crate::text::deserialize(deserializer)
            }
        }
    };
}

#[doc(hidden)]
pub use serde as __serde;

/// Reads a [`TextEnum`] from a string, refusing anything else with the accepted values.
#[doc(hidden)]
pub fn deserialize<'de, T: TextEnum, D: serde::Deserializer<'de>>(d: D) -> Result<T, D::Error> {
    struct Visitor<T>(std::marker::PhantomData<T>);

    impl<T: TextEnum> serde::de::Visitor<'_> for Visitor<T> {
        type Value = T;

        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "one of {}", T::accepted())
        }

        fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<T, E> {
            T::parse(text).ok_or_else(|| E::custom(T::refusal(text)))
        }
    }

    d.deserialize_str(Visitor(std::marker::PhantomData))
}

#[cfg(test)]
mod tests {
    use super::TextEnum;

    crate::text_enum! {
        enum Bucket {
            Day = "day",
            Week = "week",
            Month = "month",
            Year = "year",
        }
    }

    crate::text_enum! {
        enum One {
            Only = "only",
        }
    }

    #[derive(serde::Deserialize, serde::Serialize, Debug)]
    struct Params {
        bucket: Option<Bucket>,
    }

    #[test]
    fn every_value_reads_back_from_its_spelling() {
        for b in Bucket::ALL {
            assert_eq!(Bucket::parse(b.as_str()), Some(*b));
            assert_eq!(b.to_string(), b.as_str());
        }
        assert_eq!(Bucket::parse("Day"), None);
        assert_eq!(format!("[{:<6}]", Bucket::Day), "[day   ]", "Display pads");
    }

    #[test]
    fn the_accepted_values_read_as_a_sentence() {
        assert_eq!(Bucket::accepted(), "day, week, month or year");
        assert_eq!(One::accepted(), "only");
        assert_eq!(
            Bucket::refusal("fortnight"),
            "must be day, week, month or year, not `fortnight`"
        );
    }

    #[test]
    fn serde_uses_the_same_spelling_and_refuses_the_rest() {
        let p: Params = serde_json::from_str(r#"{"bucket":"week"}"#).unwrap();
        assert_eq!(p.bucket, Some(Bucket::Week));
        assert_eq!(serde_json::to_string(&p).unwrap(), r#"{"bucket":"week"}"#);
        let e = serde_json::from_str::<Params>(r#"{"bucket":"fortnight"}"#).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("must be day, week, month or year, not `fortnight`"),
            "{e}"
        );
        let e = serde_json::from_str::<Params>(r#"{"bucket":7}"#).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("invalid type: integer `7`, expected one of day, week, month or year"),
            "{e}"
        );
    }
}
