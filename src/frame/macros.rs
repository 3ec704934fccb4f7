//! `wire_codes!`: the header's wire codes written once, everything else
//! derived (after rustls's `enum_builder!` in `msgs/macros.rs`).

/// Generates the header's wire codes from one list.
///
/// The invocation (in `types.rs`) gives each stream flag, frame type and
/// frame flag once: its Rust constant, its number and the seed's name for it,
/// and for each frame type the seed's name of its flag table. From that list
/// this generates:
///
/// - the [`StreamFlags`](super::StreamFlags) bitflags type and its constants;
/// - the [`FrameType`](super::FrameType) and
///   [`FrameFlags`](super::FrameFlags) constants;
/// - the [`FlagTable`](super::FlagTable) constants, named as the seed names
///   its dicts (`STREAM_FLAGS`, `FLAGS_COMMAND_REQUEST`, ...), and
///   `FlagTable::ALL`;
/// - `FrameType::ALL`, `FrameType::NAMES`, `FrameType::name`,
///   `FrameType::from_name` and `FrameType::flag_table` (the seed's
///   `FRAME_TYPES` and `FRAME_TYPE_FLAGS`), as `match`es on literals.
///
/// Each constant's doc comment starts with its seed name and number, followed
/// by the doc comment written in the list.
macro_rules! wire_codes {
    (
        $(#[$stream_meta:meta])*
        pub struct StreamFlags: u8 = $stream_table:ident {
            $(
                $(#[$($sf_attr:tt)*])*
                $SF:ident = $sf_value:literal => $sf_name:literal,
            )*
        }

        frame_types {
            $(
                $(#[$t_meta:meta])*
                $T:ident = $t_value:literal => $t_name:literal
                $(, $flag_table:ident {
                    $(
                        $(#[$f_meta:meta])*
                        $F:ident = $f_value:literal => $f_name:literal,
                    )*
                })?
                ;
            )*
        }
    ) => {
        bitflags::bitflags! {
            $(#[$stream_meta])*
            pub struct StreamFlags: u8 {
                $(
                    #[doc = concat!("`", $sf_name, "` (", stringify!($sf_value), "):")]
                    $(#[$($sf_attr)*])*
                    const $SF = $sf_value;
                )*
            }
        }

        impl FrameType {
            $(
                #[doc = concat!("`", $t_name, "` (", stringify!($t_value), "):")]
                $(#[$t_meta])*
                pub const $T: FrameType = FrameType($t_value);
            )*

            /// The named frame types and their numbers, in the order of the
            /// seed's `FRAME_TYPES` table.
            pub const NAMES: &'static [(&'static str, u8)] = &[$(($t_name, $t_value)),*];

            /// Every frame type the seed names, in the order of
            /// [`FrameType::NAMES`].
            pub const ALL: [FrameType; Self::NAMES.len()] = [$(Self::$T),*];

            /// The seed's name for this type, if it has one.
            pub const fn name(self) -> Option<&'static str> {
                match self.0 {
                    $($t_value => Some($t_name),)*
                    _ => None,
                }
            }

            /// The frame type with this name, if any.
            pub fn from_name(name: &str) -> Option<FrameType> {
                match name {
                    $($t_name => Some(Self::$T),)*
                    _ => None,
                }
            }

            /// The flags valid for this frame type, as the seed's
            /// `FRAME_TYPE_FLAGS`. Named types without flags, and the types
            /// the seed has no entry for (0, 4, 9 to 15), give
            /// [`FlagTable::EMPTY`]; [`FrameType::name`] tells the two apart.
            pub const fn flag_table(self) -> &'static FlagTable {
                match self.0 {
                    $($t_value => wire_codes!(@table $($flag_table)?),)*
                    _ => &FlagTable::EMPTY,
                }
            }
        }

        impl FrameFlags {
            $($($(
                #[doc = concat!(
                    "`", $t_name, "` flag `", $f_name, "` (", stringify!($f_value),
                    ", in the seed's `", stringify!($flag_table), "`):"
                )]
                $(#[$f_meta])*
                pub const $F: FrameFlags = FrameFlags($f_value);
            )*)?)*
        }

        impl FlagTable {
            #[doc = concat!("The seed's `", stringify!($stream_table), "`: the stream flags.")]
            pub const $stream_table: FlagTable = FlagTable {
                seed_name: Some(stringify!($stream_table)),
                flags: &[$(($sf_name, $sf_value)),*],
            };

            $($(
                #[doc = concat!(
                    "The seed's `", stringify!($flag_table), "`: the flags of `", $t_name,
                    "` frames."
                )]
                pub const $flag_table: FlagTable = FlagTable {
                    seed_name: Some(stringify!($flag_table)),
                    flags: &[$(($f_name, $f_value)),*],
                };
            )?)*

            /// Every table the seed names: the stream flags, then the frame
            /// flags of each frame type that has some, in the order of
            /// [`FrameType::ALL`].
            pub const ALL: &'static [&'static FlagTable] =
                &[&Self::$stream_table, $($(&Self::$flag_table,)?)*];
        }
    };
    (@table) => {
        &FlagTable::EMPTY
    };
    (@table $flag_table:ident) => {
        &FlagTable::$flag_table
    };
}
