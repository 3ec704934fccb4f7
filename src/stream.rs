//! Streams: a logical, one-way series of frames (the seed's `stream`).
//!
//! The first frame a stream produces carries the `stream-begin` flag; later
//! ones do not. Clients send on odd stream ids and servers on even ones.

use crate::error::ProgrammingError;
use crate::frame::{Frame, FrameFlags, FrameType, StreamFlags};
use crate::protocol::framing0006;

/// A one-way stream of frames.
///
/// ```
/// use hgframe::stream::Stream;
/// use hgframe::frame::{FrameFlags, FrameType, StreamFlags};
/// let mut stream = Stream::new(2);
/// let first = stream.make_frame(1, FrameType::PROGRESS, FrameFlags::EMPTY, Vec::<u8>::new());
/// let second = stream.make_frame(1, FrameType::PROGRESS, FrameFlags::EMPTY, Vec::<u8>::new());
/// assert_eq!(first.stream_flags, StreamFlags::BEGIN_STREAM);
/// assert_eq!(second.stream_flags, StreamFlags::empty());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stream {
    id: u8,
    active: bool,
    /// The later revision's `outputstream.streamsettingssent`.
    settings_sent: bool,
}

impl Stream {
    /// A stream that has not sent a frame yet.
    pub fn new(id: u8) -> Stream {
        Stream {
            id,
            active: false,
            settings_sent: false,
        }
    }

    /// A stream that is already active (its next frame does not begin it).
    pub fn new_active(id: u8) -> Stream {
        Stream {
            id,
            active: true,
            settings_sent: false,
        }
    }

    /// The stream id.
    pub fn id(&self) -> u8 {
        self.id
    }

    /// Whether the stream has produced a frame (or was created active).
    pub fn is_active(&self) -> bool {
        self.active
    }

    /// Makes a frame on this stream (the seed's `stream.makeframe`): the
    /// first one carries `stream-begin`, and the stream becomes active.
    pub fn make_frame<P>(
        &mut self,
        request_id: u16,
        frame_type: FrameType,
        flags: FrameFlags,
        payload: P,
    ) -> Frame<P> {
        let mut stream_flags = StreamFlags::empty();
        if !self.active {
            stream_flags |= StreamFlags::BEGIN_STREAM;
            self.active = true;
        }
        Frame {
            request_id,
            stream_id: self.id,
            stream_flags,
            frame_type,
            flags,
            payload,
        }
    }

    /// The later revision: whether a stream-settings frame with `eos` was
    /// made on this stream (`outputstream.streamsettingssent`), after which
    /// its frames may be encoded.
    pub fn stream_settings_sent(&self) -> bool {
        self.settings_sent
    }

    /// The later revision's `outputstream.makeframe`: as
    /// [`make_frame`](Self::make_frame), and an `encoded` frame gets the
    /// `encoded` stream flag. Making one before the stream's settings is
    /// [`ProgrammingError::EncodedWithoutStreamSettings`], after the stream
    /// became active, as in Mercurial. A `stream-settings` frame (type
    /// 0x09 of that revision) with `eos` marks the settings sent.
    ///
    /// ```
    /// use hgframe::frame::{FrameFlags, FrameType, StreamFlags};
    /// use hgframe::protocol::framing0006::{STREAM_SETTINGS, STREAM_SETTINGS_EOS};
    /// use hgframe::stream::Stream;
    /// let mut stream = Stream::new(2);
    /// let response = FrameType::COMMAND_RESPONSE;
    /// assert!(stream.make_frame_encoded(1, response, FrameFlags::EMPTY, vec![1], true).is_err());
    /// stream.make_frame_encoded(1, STREAM_SETTINGS, STREAM_SETTINGS_EOS, Vec::<u8>::new(), false).unwrap();
    /// let frame = stream.make_frame_encoded(1, response, FrameFlags::EMPTY, vec![1], true).unwrap();
    /// assert_eq!(frame.stream_flags, StreamFlags::ENCODING_APPLIED);
    /// ```
    pub fn make_frame_encoded<P>(
        &mut self,
        request_id: u16,
        frame_type: FrameType,
        flags: FrameFlags,
        payload: P,
        encoded: bool,
    ) -> Result<Frame<P>, ProgrammingError> {
        let mut frame = self.make_frame(request_id, frame_type, flags, payload);
        if encoded {
            if !self.settings_sent {
                return Err(ProgrammingError::EncodedWithoutStreamSettings);
            }
            frame.stream_flags |= StreamFlags::ENCODING_APPLIED;
        }
        if frame_type == framing0006::STREAM_SETTINGS
            && flags.contains(framing0006::STREAM_SETTINGS_EOS)
        {
            self.settings_sent = true;
        }
        Ok(frame)
    }
}

/// Whether a stream id belongs to a client (odd).
pub fn is_client_stream_id(id: u8) -> bool {
    id % 2 == 1
}

/// Whether a stream id belongs to a server (even).
pub fn is_server_stream_id(id: u8) -> bool {
    id % 2 == 0
}

/// Checks that a server writes to an even-numbered stream (the seed's
/// `ensureserverstream`).
///
/// ```
/// use hgframe::stream::{ensure_server_stream, Stream};
/// assert!(ensure_server_stream(&Stream::new(2)).is_ok());
/// assert_eq!(
///     ensure_server_stream(&Stream::new(3)).unwrap_err().to_string(),
///     "server should only write to even numbered streams; 3 is not even"
/// );
/// ```
pub fn ensure_server_stream(stream: &Stream) -> Result<(), ProgrammingError> {
    if is_server_stream_id(stream.id) {
        Ok(())
    } else {
        Err(ProgrammingError::OddServerStream(stream.id))
    }
}
