//! FETCH
