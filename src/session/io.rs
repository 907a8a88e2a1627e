//! (session kit: io)
