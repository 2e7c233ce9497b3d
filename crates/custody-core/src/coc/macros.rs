//! `named_enum!`: an enum with fixed names, `ALL`, `as_str`, `parse` and `names`.

macro_rules! named_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $v:ident => $s:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
        pub enum $name { $($(#[$vm])* $v),+ }
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$v),+];
            pub fn as_str(self) -> &'static str { match self { $($name::$v => $s),+ } }
            pub fn parse(s: &str) -> Option<$name> { $name::ALL.iter().copied().find(|x| x.as_str() == s) }
            pub fn names() -> String { $name::ALL.iter().map(|x| x.as_str()).collect::<Vec<_>>().join(", ") }
        }
    };
}
