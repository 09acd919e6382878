//! The chat domain. So far: how the model's prompt is assembled from a chat.

pub mod prompt;
