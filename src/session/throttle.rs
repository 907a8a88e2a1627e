//! (session kit: throttle)
