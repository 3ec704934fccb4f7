//! Streams: a logical, one-way series of frames (the seed's `stream`).
//!
//! The first frame a stream produces carries the `stream-begin` flag; later
//! ones do not. Clients send on odd stream ids and servers on even ones.

use crate::error::ProgrammingError;
use crate::frame::{Frame, FrameFlags, FrameType, StreamFlags};

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
}

impl Stream {
    /// A stream that has not sent a frame yet.
    pub fn new(id: u8) -> Stream {
        Stream { id, active: false }
    }

    /// A stream that is already active (its next frame does not begin it).
    pub fn new_active(id: u8) -> Stream {
        Stream { id, active: true }
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
