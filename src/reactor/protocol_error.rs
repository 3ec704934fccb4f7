//! The ways a peer can break the protocol, as values: what a reactor reports
//! with [`ServerAction::Error`](super::ServerAction::Error) and
//! [`ClientAction::Error`](super::ClientAction::Error).
//!
//! Each variant has a stable kebab-case *class* name, which says what went
//! wrong whatever the wording, and a `Display` that is the seed's message
//! word for word (for hgframe's own limits, which the seed does not have,
//! hgframe's message). Both enums are written in one list each, from which
//! the variants, their messages, [`class`](ServerProtocolError::class) and
//! [`CLASSES`](ServerProtocolError::CLASSES) are all derived.

use crate::cbor::hgcbor::HgDecodeError;
use crate::frame::FrameType;

/// Defines a protocol error enum from one list of
/// `doc, #[error(message)], Variant { fields } => "class",` entries: the
/// enum (with `thiserror`), its `class` method and its `CLASSES` list.
macro_rules! protocol_errors {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $(
                $(#[$vmeta:meta])*
                $variant:ident $({
                    $($(#[$fmeta:meta])* $field:ident : $ty:ty),* $(,)?
                })? => $class:literal,
            )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, thiserror::Error)]
        #[non_exhaustive]
        pub enum $name {
            $(
                $(#[$vmeta])*
                $variant $({ $($(#[$fmeta])* $field: $ty),* })?,
            )*
        }

        impl $name {
            /// Every class name, in the order the variants are declared.
            pub const CLASSES: &'static [&'static str] = &[$($class),*];

            /// The variant's stable kebab-case class name.
            pub fn class(&self) -> &'static str {
                match self {
                    $(Self::$variant { .. } => $class,)*
                }
            }
        }
    };
}

protocol_errors! {
    /// A protocol error the server reports: the client broke the protocol.
    ///
    /// Every one moves the server to the sticky `errored` state. The limits
    /// (classes `limit-*`) are hgframe's own, reported only when
    /// [`ServerOptions::limits`](super::ServerOptions::limits) sets them; they
    /// also free every partially received command. The errors of the
    /// `initial` and `protocol-settings-receiving` states are the later
    /// revision's (Mercurial 7.2.4's words).
    pub enum ServerProtocolError {
        /// A frame on an even-numbered stream: the server's parity.
        #[error("received frame with even numbered stream ID: {stream_id}")]
        EvenStreamId {
            /// The stream id.
            stream_id: u8,
        } => "even-stream-id",
        /// A frame on a stream that has not begun, without the
        /// `stream-begin` flag.
        #[error("received frame on unknown inactive stream without beginning of stream flag set")]
        UnknownStreamWithoutBegin => "unknown-stream-without-begin",
        /// In the idle state, a frame other than `command-request`.
        #[error("expected command request frame; got {}", .frame_type.get())]
        NotCommandRequest {
            /// The frame's type.
            frame_type: FrameType,
        } => "not-command-request",
        /// A `command-request` frame with both `new` and `continuation`.
        #[error("received command request frame with both new and continuation flags set")]
        NewAndContinuation => "new-and-continuation",
        /// A `command-request` frame with neither `new` nor `continuation`.
        #[error("received command request frame with neither new nor continuation flags set")]
        NeitherNewNorContinuation => "neither-new-nor-continuation",
        /// A new request with the id of one being received.
        #[error("request with ID {request_id} already received")]
        RequestAlreadyReceived {
            /// The request id.
            request_id: u16,
        } => "request-already-received",
        /// A new request with the id of one dispatched and not yet answered.
        #[error("request with ID {request_id} is already active")]
        RequestAlreadyActive {
            /// The request id.
            request_id: u16,
        } => "request-already-active",
        /// In the idle state, a `command-request` with `continuation` only.
        #[error("received command request frame without new flag set")]
        RequestWithoutNew => "request-without-new",
        /// A frame, other than a new request, for a request dispatched and
        /// not yet answered.
        #[error("received frame for request that is still active: {request_id}")]
        FrameForActiveRequest {
            /// The request id.
            request_id: u16,
        } => "frame-for-active-request",
        /// A frame, other than a new request, for a request not being
        /// received.
        #[error("received frame for request that is not receiving: {request_id}")]
        FrameForRequestNotReceiving {
            /// The request id.
            request_id: u16,
        } => "frame-for-request-not-receiving",
        /// A `command-request` continuation after the request's last
        /// request frame.
        #[error("received command request frame when request frames were supposedly done")]
        RequestFramesDone => "request-frames-done",
        /// A `command-request` continuation whose `have-data` flag differs
        /// from the request's first frame.
        #[error("mismatch between expect data flag and previous frame")]
        ExpectDataMismatch => "expect-data-mismatch",
        /// A `command-data` frame for a request that did not announce data.
        #[error("received command data frame for request that is not expecting data: {request_id}")]
        DataNotExpected {
            /// The request id.
            request_id: u16,
        } => "data-not-expected",
        /// While receiving, a frame neither `command-request` nor
        /// `command-data`.
        #[error("received unexpected frame type: {}", .frame_type.get())]
        UnexpectedFrameType {
            /// The frame's type.
            frame_type: FrameType,
        } => "unexpected-frame-type",
        /// A `command-data` frame with neither `continuation` nor `eos`.
        #[error("command data frame without flags")]
        DataWithoutFlags => "data-without-flags",
        /// The later revision: a first frame neither `sender-protocol-settings`
        /// nor `command-request`.
        #[error(
            "expected sender protocol settings or command request frame; got {}",
            .frame_type.get()
        )]
        NotSettingsOrCommandRequest {
            /// The frame's type.
            frame_type: FrameType,
        } => "not-settings-or-command-request",
        /// The later revision: while sender protocol settings are received,
        /// a frame of another type.
        #[error("expected sender protocol settings frame; got {}", .frame_type.get())]
        NotProtocolSettings {
            /// The frame's type.
            frame_type: FrameType,
        } => "not-protocol-settings",
        /// The later revision: a settings frame with both `continuation` and
        /// `eos`.
        #[error(
            "sender protocol settings frame cannot have both continuation and end of stream flags set"
        )]
        ProtocolSettingsBothFlags => "protocol-settings-both-flags",
        /// The later revision: a settings frame with neither `continuation`
        /// nor `eos`.
        #[error("sender protocol settings frame must have continuation or end of stream flag set")]
        ProtocolSettingsNoFlags => "protocol-settings-no-flags",
        /// The later revision: settings that Mercurial's CBOR decoder
        /// refuses, with its words (`string major type not supported`).
        #[error("error decoding CBOR from sender protocol settings frame: {}", .error.message())]
        ProtocolSettingsBadCbor {
            /// The decoder's refusal.
            error: HgDecodeError,
        } => "protocol-settings-bad-cbor",
        /// The later revision: settings frames that ended without a whole
        /// CBOR value.
        #[error("sender protocol settings frame did not contain CBOR data")]
        ProtocolSettingsEmpty => "protocol-settings-empty",
        /// The later revision: settings frames that held more than one CBOR
        /// value.
        #[error("sender protocol settings frame contained multiple CBOR values")]
        ProtocolSettingsMultipleValues => "protocol-settings-multiple-values",
        /// Any frame that passes the stream checks, once errored.
        #[error("server already errored")]
        AlreadyErrored => "server-already-errored",
        /// A complete request whose payload map has no `name`.
        #[error("command request missing \"name\" field")]
        MissingName => "request-missing-name",
        /// hgframe's limit: a new partial command while
        /// [`max_receiving_commands`](super::Limits::max_receiving_commands)
        /// are partially received.
        #[error("too many partially received commands: the limit is {max}")]
        TooManyReceivingCommands {
            /// The limit.
            max: usize,
        } => "limit-receiving-commands",
        /// hgframe's limit: a partial command holds more than
        /// [`max_request_bytes`](super::Limits::max_request_bytes).
        #[error("request {request_id} holds {bytes} bytes: the limit is {max}")]
        RequestBytesOverLimit {
            /// The request id.
            request_id: u16,
            /// The bytes (request payload and data) it holds.
            bytes: usize,
            /// The limit.
            max: usize,
        } => "limit-request-bytes",
        /// hgframe's limit: the partial commands together hold more than
        /// [`max_buffered_bytes`](super::Limits::max_buffered_bytes).
        #[error("partially received commands hold {bytes} bytes: the limit is {max}")]
        BufferedBytesOverLimit {
            /// The bytes they hold.
            bytes: usize,
            /// The limit.
            max: usize,
        } => "limit-buffered-bytes",
    }
}

protocol_errors! {
    /// A protocol error the client reports: the server broke the protocol.
    ///
    /// The client does not change state on one; its requests stay as they
    /// were.
    pub enum ClientProtocolError {
        /// A frame on an odd-numbered stream: the client's parity.
        #[error("received frame with odd numbered stream ID: {stream_id}")]
        OddStreamId {
            /// The stream id.
            stream_id: u8,
        } => "odd-stream-id",
        /// A frame on a stream that has not begun, without the
        /// `stream-begin` flag (the seed's message differs from the
        /// server's).
        #[error("received frame on unknown stream without beginning of stream flag set")]
        UnknownStreamWithoutBegin => "unknown-stream-without-begin",
        /// A frame for a request that is not active: never sent, or its
        /// response already ended.
        #[error("received frame for inactive request ID: {request_id}")]
        InactiveRequest {
            /// The request id.
            request_id: u16,
        } => "inactive-request",
        /// The later revision: a stream-settings frame with both
        /// `continuation` and `eos`.
        #[error(
            "stream encoding settings frame cannot have both continuation and end of stream flags set"
        )]
        StreamSettingsBothFlags => "stream-settings-both-flags",
        /// The later revision: a stream-settings frame with neither flag.
        #[error("stream encoding settings frame must have continuation or end of stream flag set")]
        StreamSettingsNoFlags => "stream-settings-no-flags",
        /// The later revision: stream settings that are not CBOR (the words
        /// after the colon are Mercurial's decoder's).
        #[error("error decoding CBOR from stream encoding settings frame: {}", .error.message())]
        StreamSettingsBadCbor {
            /// The decoder's error.
            error: HgDecodeError,
        } => "stream-settings-bad-cbor",
        /// The later revision: stream settings whose `eos` frame ends them
        /// without a CBOR value.
        #[error("stream encoding settings frame did not contain CBOR data")]
        StreamSettingsEmpty => "stream-settings-empty",
        /// The later revision: the stream settings name a decoder the client
        /// cannot set up (`setdecoder` raised).
        #[error("error setting stream decoder: {reason}")]
        StreamDecoderFailed {
            /// What `setdecoder` raised.
            reason: DecoderFailure,
        } => "stream-decoder-failed",
    }
}

/// Why the client could not set a stream's decoder: the exception
/// `inputstream.setdecoder` raises, which the client reports as
/// [`ClientProtocolError::StreamDecoderFailed`]. The `Display` is
/// Mercurial's words.
#[derive(Clone, Debug, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum DecoderFailure {
    /// The settings name no encoding the client has (`Abort`). `name` is
    /// the name as Mercurial formats it: a byte string's bytes, any other
    /// value as a Python literal.
    #[error("unknown stream decoder: {name}")]
    Unknown {
        /// The name.
        name: std::borrow::Cow<'static, str>,
    },
    /// The settings hold values after the name, which no decoder takes
    /// (`Abort`: `zlib decoder received unexpected additional values`).
    #[error("{} decoder received unexpected additional values", .encoding.decoder_word())]
    ExtraValues {
        /// The encoding named.
        encoding: crate::encoding::Encoding,
    },
    /// The settings' `eos` frame also ended the stream, which the client
    /// forgets before it sets the decoder: Mercurial's `KeyError`, whose
    /// words are the stream id.
    #[error("{stream_id}")]
    StreamEnded {
        /// The stream id.
        stream_id: u8,
    },
}

/// A protocol error of either reactor. Its class is its reactor's class,
/// so the same class name can be in both (`unknown-stream-without-begin`):
/// the variant tells them apart.
#[derive(Clone, Debug, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum ProtocolError {
    /// The server reported it: the client broke the protocol.
    #[error(transparent)]
    Server(#[from] ServerProtocolError),
    /// The client reported it: the server broke the protocol.
    #[error(transparent)]
    Client(#[from] ClientProtocolError),
}

impl ProtocolError {
    /// The class name of the error.
    pub fn class(&self) -> &'static str {
        match self {
            ProtocolError::Server(e) => e.class(),
            ProtocolError::Client(e) => e.class(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kebab(class: &str) -> bool {
        !class.is_empty()
            && class
                .split('-')
                .all(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase()))
    }

    #[test]
    fn classes_are_unique_kebab_case_words() {
        for classes in [ServerProtocolError::CLASSES, ClientProtocolError::CLASSES] {
            for class in classes {
                assert!(kebab(class), "{class:?}");
                let times = classes.iter().filter(|c| *c == class).count();
                assert_eq!(times, 1, "{class:?}");
            }
        }
    }

    #[test]
    fn class_and_display() {
        let e = ServerProtocolError::NotCommandRequest {
            frame_type: FrameType::COMMAND_DATA,
        };
        assert_eq!(e.class(), "not-command-request");
        assert_eq!(e.to_string(), "expected command request frame; got 2");
        let e = ProtocolError::from(ClientProtocolError::InactiveRequest { request_id: 3 });
        assert_eq!(e.class(), "inactive-request");
        assert_eq!(e.to_string(), "received frame for inactive request ID: 3");
    }
}
