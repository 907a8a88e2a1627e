//! (session kit: revoke)
