//! Server-Sent Events: the body of a STREAM route. The producer (a task that may
//! outlive the client) pushes events into a channel; the body writes each one the
//! moment it arrives and a `: keep-alive` comment whenever nothing was written for a
//! while.

use bytes::Bytes;
use http::header::{CACHE_CONTROL, CONTENT_TYPE};
use http::{HeaderValue, Response, StatusCode};
use http_body::{Body, Frame};
use serde::Serialize;
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::{Instant, Sleep};

const KEEP_ALIVE: &[u8] = b": keep-alive\n\n";

/// The response body of a STREAM route: events as they are sent, with keep-alives.
pub struct StreamBody {
    events: mpsc::UnboundedReceiver<Bytes>,
    keep_alive: Duration,
    idle: Pin<Box<Sleep>>,
}

impl StreamBody {
    /// Opens an event stream: events sent through the returned sender are written in
    /// order; the stream ends when every sender is dropped.
    pub fn events(keep_alive: Duration) -> (Self, EventSender) {
        let (tx, rx) = mpsc::unbounded_channel();
        let body = Self { events: rx, keep_alive, idle: Box::pin(tokio::time::sleep(keep_alive)) };
        (body, EventSender { tx })
    }

    /// The 200 response of an event stream, with the headers that stop proxies from
    /// buffering or caching it.
    pub fn response(self) -> Response<Self> {
        let mut response = Response::new(self);
        *response.status_mut() = StatusCode::OK;
        let headers = response.headers_mut();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("text/event-stream"));
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        headers.insert("x-accel-buffering", HeaderValue::from_static("no"));
        response
    }
}

impl Body for StreamBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        let stream = self.get_mut();
        match stream.events.poll_recv(cx) {
            Poll::Ready(Some(event)) => {
                stream.idle.as_mut().reset(Instant::now() + stream.keep_alive);
                Poll::Ready(Some(Ok(Frame::data(event))))
            }
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => match stream.idle.as_mut().poll(cx) {
                Poll::Ready(()) => {
                    stream.idle.as_mut().reset(Instant::now() + stream.keep_alive);
                    Poll::Ready(Some(Ok(Frame::data(Bytes::from_static(KEEP_ALIVE)))))
                }
                Poll::Pending => Poll::Pending,
            },
        }
    }
}

/// Writes events into a stream. Sending to a client that went away is not an error:
/// the producer carries on (an answer being generated is still saved).
#[derive(Clone)]
pub struct EventSender {
    tx: mpsc::UnboundedSender<Bytes>,
}

impl EventSender {
    /// Sends `event: name` with `data` as JSON; `false` once the client is gone.
    pub fn send(&self, name: &str, data: &impl Serialize) -> bool {
        let json = serde_json::to_string(data).unwrap_or_else(|_| "{}".into());
        self.tx.send(Bytes::from(format!("event: {name}\ndata: {json}\n\n"))).is_ok()
    }

    pub fn is_connected(&self) -> bool {
        !self.tx.is_closed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::future::poll_fn;

    async fn next(body: &mut StreamBody) -> Option<String> {
        let frame = poll_fn(|cx| Pin::new(&mut *body).poll_frame(cx)).await?;
        Some(String::from_utf8(frame.unwrap().into_data().unwrap().to_vec()).unwrap())
    }

    #[tokio::test(start_paused = true)]
    async fn events_are_framed_and_idle_streams_kept_alive() {
        let (mut body, sender) = StreamBody::events(Duration::from_secs(15));
        assert!(sender.send("delta", &serde_json::json!({"text": "Hi"})));
        assert_eq!(next(&mut body).await.unwrap(), "event: delta\ndata: {\"text\":\"Hi\"}\n\n");
        // Nothing for 15 s: a comment line.
        let started = Instant::now();
        assert_eq!(next(&mut body).await.unwrap(), ": keep-alive\n\n");
        assert_eq!(started.elapsed(), Duration::from_secs(15));
        drop(sender);
        assert_eq!(next(&mut body).await, None);
    }
}
