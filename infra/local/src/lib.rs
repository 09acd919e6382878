//! The local stack: everything that stands in for AWS on one machine. It creates the
//! emulator's resources, serves every route of the route table over HTTP like API
//! Gateway, and polls the queues to run the workers like Lambda's event source
//! mapping. The handlers it runs are the real ones.

pub mod gateway;
pub mod poller;
pub mod resources;
pub mod seed;
pub mod template;
