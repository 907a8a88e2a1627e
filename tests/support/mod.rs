#![allow(dead_code)] // each test crate uses part of the support code

pub mod cli;
pub mod dns;
pub mod smtp_sink;
