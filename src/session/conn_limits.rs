//! (session kit: conn_limits)
