//! Errors shared across modules: the caller's misuse of the API (the seed's
//! `ProgrammingError`), how the seed itself reports a failure, and who
//! caused a failure.

/// Who caused a failure: the code calling hgframe, or the peer whose bytes
/// it was given.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Cause {
    /// The caller: it used the API in a way the protocol or hgframe forbids
    /// (a command after the one send, a response on an odd stream or for a
    /// request that is not active, a value that cannot be encoded, a data
    /// source that failed, more streams or requests than ids). A correct
    /// program does not see these, whatever its peer sends.
    Caller,
    /// The peer: it sent frames that the seed cannot handle and raises on
    /// (the `encoded` stream flag, a frame type without a handler, command
    /// data that ends before the request frames, a payload that does not
    /// decode to what the seed indexes). A correct program can see these,
    /// and should treat them as the peer breaking the protocol.
    Peer,
}

/// A caller used the API in a way the protocol forbids (the seed's
/// `ProgrammingError`). The `Display` text is the seed's message, word for
/// word.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProgrammingError {
    /// A server wrote to an odd-numbered (client) stream.
    #[error("server should only write to even numbered streams; {0} is not even")]
    OddServerStream(u8),
    /// The client issued a command after its one send.
    #[error("cannot issue new commands")]
    CannotIssueCommands,
    /// The client was asked to send again after its one send.
    #[error("sends cannot be performed on this instance")]
    CannotSend,
    /// The server received a frame with the `encoded` stream flag.
    #[error("support for decoding stream payloads not yet implemented")]
    ServerStreamDecoding,
    /// The client received a frame with the `encoded` stream flag (the seed's
    /// message has the typo).
    #[error("support for decoding stream payloads not yet implemneted")]
    ClientStreamDecoding,
    /// The client received a frame of a type it has no handler for.
    #[error("unhandled frame type: {0}")]
    UnhandledFrameType(u8),
    /// The server was about to dispatch a request whose request frames were
    /// not all received (reached when command data ends first).
    #[error("should not be called without requestdone set")]
    RequestNotDone,
    /// The later revision: an encoded frame on a stream that has sent no
    /// stream settings. The server's object responses make one when the
    /// sender's `contentencodings` name no encoding the server has, so the
    /// peer can cause it.
    #[error("attempting to send encoded frame without sending stream settings")]
    EncodedWithoutStreamSettings,
}

/// How the seed reports a failure, so that a test or a vector can state what
/// the seed does next to what hgframe does.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SeedError {
    /// `error.ProgrammingError(message)`.
    ProgrammingError(String),
    /// `ValueError(message)` raised by the seed itself.
    ValueError(String),
    /// `error.Abort(message)`; the message is bytes.
    Abort(Vec<u8>),
    /// A failed `assert` in the seed.
    AssertionError,
    /// A Python error the seed raises by accident (its type name, e.g.
    /// `UnicodeEncodeError`), or one raised inside Mercurial's helpers.
    Accidental(&'static str),
    /// The seed does not fail here: hgframe departs from it, as
    /// `docs/deviations.md` records.
    Deviation,
}

impl ProgrammingError {
    /// Every class [`ProgrammingError::class`] gives.
    pub const CLASSES: &'static [&'static str] = &[
        "odd-server-stream",
        "cannot-issue-commands",
        "cannot-send",
        "server-stream-decoding",
        "client-stream-decoding",
        "unhandled-frame-type",
        "request-not-done",
        "encoded-without-stream-settings",
    ];

    /// The error's stable class name, as vectors name it (the message is
    /// the seed's words; the class says what went wrong whatever the words).
    pub fn class(&self) -> &'static str {
        match self {
            ProgrammingError::OddServerStream(_) => "odd-server-stream",
            ProgrammingError::CannotIssueCommands => "cannot-issue-commands",
            ProgrammingError::CannotSend => "cannot-send",
            ProgrammingError::ServerStreamDecoding => "server-stream-decoding",
            ProgrammingError::ClientStreamDecoding => "client-stream-decoding",
            ProgrammingError::UnhandledFrameType(_) => "unhandled-frame-type",
            ProgrammingError::RequestNotDone => "request-not-done",
            ProgrammingError::EncodedWithoutStreamSettings => "encoded-without-stream-settings",
        }
    }

    /// How the seed reports this error.
    pub fn seed_error(&self) -> SeedError {
        SeedError::ProgrammingError(self.to_string())
    }

    /// Who caused it. The seed raises `ProgrammingError` for the caller's
    /// misuse, and also for five inputs from the peer, which the seed
    /// merely has no code for.
    pub fn cause(&self) -> Cause {
        match self {
            ProgrammingError::OddServerStream(_)
            | ProgrammingError::CannotIssueCommands
            | ProgrammingError::CannotSend => Cause::Caller,
            ProgrammingError::ServerStreamDecoding
            | ProgrammingError::ClientStreamDecoding
            | ProgrammingError::UnhandledFrameType(_)
            | ProgrammingError::RequestNotDone
            | ProgrammingError::EncodedWithoutStreamSettings => Cause::Peer,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ProgrammingError as P;

    #[test]
    fn classes_lists_every_class() {
        let all = [
            P::OddServerStream(1),
            P::CannotIssueCommands,
            P::CannotSend,
            P::ServerStreamDecoding,
            P::ClientStreamDecoding,
            P::UnhandledFrameType(9),
            P::RequestNotDone,
            P::EncodedWithoutStreamSettings,
        ];
        let classes: Vec<&str> = all.iter().map(P::class).collect();
        assert_eq!(classes, P::CLASSES);
    }
}
